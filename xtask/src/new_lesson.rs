//! `cargo xtask new-lesson NN topic`: the scaffold of a new lesson, following CONTRIBUTING.md's
//! recipe ("Add a lesson"). It writes a lesson that builds and whose exercise verifies (a
//! placeholder exercise, `reply`, to be replaced), and the chapter's skeleton; then it lists
//! what is left to do.

use std::path::Path;

use crate::root;

pub fn new_lesson(args: &[&str]) -> bool {
    let (Some(number), Some(topic)) = (args.first(), args.get(1)) else {
        eprintln!("usage: cargo xtask new-lesson NN topic   (e.g. 19 multicast)");
        return false;
    };
    let valid_topic = !topic.is_empty()
        && topic
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let Ok(n) = number.parse::<u16>() else {
        eprintln!("NN must be a number, like 19");
        return false;
    };
    if number.len() != 2 || !valid_topic {
        eprintln!("NN is two digits and the topic lower-case words with dashes: 19 multicast");
        return false;
    }
    let folder = format!("{number}-{topic}");
    let package = format!("lesson-{folder}");
    let krate = package.replace('-', "_");
    let dir = root().join("lessons").join(&folder);
    if dir.exists() {
        eprintln!("{} exists already", dir.display());
        return false;
    }
    let fill = |text: &str| {
        text.replace("@NN@", number)
            .replace("@PORT@", &(7000 + n).to_string())
            .replace("@PACKAGE@", &package)
            .replace("@CRATE@", &krate)
            .replace("@FOLDER@", &folder)
            .replace("@NAME@", &topic.replace('-', "_"))
    };
    let files: &[(&str, &str)] = &[
        ("Cargo.toml", CARGO_TOML),
        ("src/lib.rs", LIB_RS),
        ("src/main.rs", MAIN_RS),
        ("src/exercise.rs", EXERCISE_RS),
        ("src/solution.rs", SOLUTION_RS),
        ("variants/correct_by_bytes.rs", CORRECT_RS),
        ("variants/wrong_unchanged.rs", WRONG_UNCHANGED_RS),
        ("variants/wrong_loses_the_last_byte.rs", WRONG_LAST_RS),
        ("variants/wrong_utf8_only.rs", WRONG_UTF8_RS),
        ("hints/1.md", HINT_1),
        ("hints/2.md", HINT_2),
        ("hints/3.md", HINT_3),
        ("examples/@NAME@_std_way.rs", EXAMPLE_STD_RS),
        ("examples/@NAME@_tokio_way.rs", EXAMPLE_TOKIO_RS),
        ("tests/exercise.rs", TESTS_EXERCISE_RS),
        ("tests/exchange.rs", TESTS_EXCHANGE_RS),
    ];
    for (file, text) in files {
        if !write(&dir.join(fill(file)), &fill(text)) {
            return false;
        }
    }
    let chapter = root().join("book").join(format!("{folder}.md"));
    if !chapter.exists() && !write(&chapter, &fill(CHAPTER_MD)) {
        return false;
    }
    println!(
        "made lessons/{folder}/ ({package}) and book/{folder}.md.\n\
         Next (CONTRIBUTING.md, \"Add a lesson\"):\n  \
         1. add the chapter to book/SUMMARY.md;\n  \
         2. write the lesson in src/main.rs, and its exercise in src/lib.rs, src/solution.rs, \
         src/exercise.rs (the placeholder `reply` shows the shape), its checks in \
         tests/exercise.rs, its variants and hints;\n  \
         3. tests/exchange.rs for the lesson's exchange; `cargo xtask bless {number}` writes \
         output.txt and diagram.mmd (read them);\n  \
         4. `cargo xtask verify-exercises {number}`, then `cargo xtask ci`."
    );
    true
}

fn write(path: &Path, text: &str) -> bool {
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    match std::fs::write(path, text) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("writing {}: {e}", path.display());
            false
        }
    }
}

const CARGO_TOML: &str = r#"[package]
name = "@PACKAGE@"
description = "TODO: one line, what this lesson shows"
version.workspace = true
edition.workspace = true
publish.workspace = true
license.workspace = true

[features]
# Build the lesson from YOUR src/exercise.rs instead of the reference solution:
#     cargo exercise @PACKAGE@
exercise = []
# For maintainers: build from the file named by LESSON_VARIANT (one of variants/*.rs) instead:
#     cargo xtask verify-exercises @PACKAGE@
variant = []

[dependencies]
common = { workspace = true }
socket2 = { workspace = true }

[dev-dependencies]
testkit = { workspace = true }
# Only the examples (@NAME@_std_way, @NAME@_tokio_way) use tokio.
tokio = { workspace = true }
"#;

const LIB_RS: &str = r#"//! Lesson @NN@'s exercise, and what it is given. The function prints nothing: the lesson
//! narrates around it, and tests/exercise.rs checks what it does.

// The function you write: src/exercise.rs is yours (`cargo exercise @PACKAGE@` checks it),
// src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
#[cfg(not(feature = "variant"))]
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(not(feature = "exercise"), path = "solution.rs")]
mod exercise;
#[cfg(feature = "variant")]
mod exercise {
    include!(env!(
        "LESSON_VARIANT",
        "set LESSON_VARIANT to the variant's path (cargo xtask verify-exercises does)"
    ));
}
pub use exercise::reply;
"#;

const MAIN_RS: &str = r#"//! Lesson @NN@: TODO the call this lesson is about.
//!
//! TODO: what the lesson shows, in two or three sentences, and its exchange byte by byte.

use std::process::ExitCode;

use @CRATE@::reply;
use common::{show_bytes, Lesson, Options, Result};

static LESSON: Lesson = Lesson {
    package: "@PACKAGE@",
    title: "TODO: the chapter's title",
    port: @PORT@,
    about: "TODO: what the demo does, and the exchange byte by byte.",
    flags: &[],
};

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: demo
/// TODO: both sides in one process, narrated call by call (see lessons/04-accept).
fn demo(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let request = b"hello\n";
    // The exercise's function does the work; the lesson narrates around it.
    let answer = reply(request);
    say.note(format!("{} -> {}", show_bytes(request), show_bytes(&answer)));
    Ok(())
}
// ANCHOR_END: demo

/// TODO: the server alone (it prints `listening on HOST:PORT` once it listens).
fn server(opts: &Options) -> Result<()> {
    demo(opts)
}

/// TODO: the client alone.
fn client(opts: &Options) -> Result<()> {
    demo(opts)
}
"#;

const EXERCISE_RS: &str = r#"// Lesson @NN@'s exercise. Yours to write.
//
// Check it:       cargo exercise @PACKAGE@
// Stuck?          cargo hint @PACKAGE@      (one hint at a time)
// Run the lesson: cargo run-exercise @PACKAGE@

// ANCHOR: exercise
/// The answer to one request: the request in capital letters.
///
/// The contract (what the checks test):
/// - ASCII letters become capitals; every other byte stays as it is, in its place, including
///   bytes that are not UTF-8.
/// - The answer is exactly as long as the request (an empty request, an empty answer).
pub fn reply(request: &[u8]) -> Vec<u8> {
    let _ = request;
    todo!("the request in capital letters")
}
// ANCHOR_END: exercise
"#;

const SOLUTION_RS: &str = r#"// Reference solution for lesson @NN@'s exercise. (Yours goes in exercise.rs.)

// ANCHOR: solution
/// The answer to one request: the request in capital letters.
pub fn reply(request: &[u8]) -> Vec<u8> {
    request.to_ascii_uppercase()
}
// ANCHOR_END: solution
"#;

const CORRECT_RS: &str = r#"// CORRECT, written differently: byte by byte.

pub fn reply(request: &[u8]) -> Vec<u8> {
    let mut answer = Vec::with_capacity(request.len());
    for &byte in request {
        answer.push(if byte.is_ascii_lowercase() { byte - 32 } else { byte });
    }
    answer
}
"#;

const WRONG_UNCHANGED_RS: &str = r#"// WRONG: sends the request back unchanged.

pub fn reply(request: &[u8]) -> Vec<u8> {
    request.to_vec()
}
"#;

const WRONG_LAST_RS: &str = r#"// WRONG: loses the last byte (an off-by-one in the loop).

pub fn reply(request: &[u8]) -> Vec<u8> {
    let mut answer = Vec::new();
    for i in 0..request.len().saturating_sub(1) {
        answer.push(request[i].to_ascii_uppercase());
    }
    answer
}
"#;

const WRONG_UTF8_RS: &str = r#"// WRONG: goes through a String, so bytes that are not UTF-8 are replaced.

pub fn reply(request: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(request).to_uppercase().into_bytes()
}
"#;

const HINT_1: &str = "TODO: the first hint — the idea, not the code.\n";
const HINT_2: &str = "TODO: the second hint — the shape of the solution and the edge cases.\n";
const HINT_3: &str =
    "TODO: the third hint — the usual slips, and how the checks catch them. Never the code.\n";

const EXAMPLE_STD_RS: &str = r#"//! Lesson @NN@'s exchange with only the standard library and no narration:
//! `cargo run -p @PACKAGE@ --example @NAME@_std_way`. TODO: the lesson's idea, the std way.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

// ANCHOR: std
fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?; // socket + bind + listen
    let addr = listener.local_addr()?;
    let server = thread::spawn(move || -> std::io::Result<()> {
        let (conn, _) = listener.accept()?;
        let mut line = Vec::new();
        BufReader::new(&conn).read_until(b'\n', &mut line)?;
        (&conn).write_all(&line.to_ascii_uppercase())
    });
    let mut client = TcpStream::connect(addr)?;
    client.write_all(b"hello\n")?;
    let mut answer = Vec::new();
    BufReader::new(&client).read_until(b'\n', &mut answer)?;
    println!("{}", String::from_utf8_lossy(&answer).trim_end());
    server.join().expect("the server thread panicked")
}
// ANCHOR_END: std
"#;

const EXAMPLE_TOKIO_RS: &str = r#"//! Lesson @NN@'s exchange with tokio and no narration:
//! `cargo run -p @PACKAGE@ --example @NAME@_tokio_way`. TODO: the lesson's idea, the async way.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

// ANCHOR: tokio
#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (mut conn, _) = listener.accept().await?;
        let (read, mut write) = conn.split();
        let mut line = Vec::new();
        BufReader::new(read).read_until(b'\n', &mut line).await?;
        write.write_all(&line.to_ascii_uppercase()).await
    });
    let mut client = TcpStream::connect(addr).await?;
    client.write_all(b"hello\n").await?;
    let mut answer = Vec::new();
    BufReader::new(&mut client).read_until(b'\n', &mut answer).await?;
    println!("{}", String::from_utf8_lossy(&answer).trim_end());
    server.await.expect("the server task panicked")
}
// ANCHOR_END: tokio
"#;

const TESTS_EXERCISE_RS: &str = r#"//! The exercise's checks, on behaviour alone: what the function returns (and, for a socket
//! exercise, the bytes each client receives), never what anything prints.
//! (`cargo exercise @PACKAGE@` runs them on src/exercise.rs.)

use @CRATE@::reply;
use testkit::{fail, yours};

#[track_caller]
fn check(request: &[u8], expected: &[u8]) {
    let got = yours(|| reply(request));
    if got != expected {
        fail(
            &format!("reply(b\"{}\") is not the request in capitals.", request.escape_ascii()),
            &format!("b\"{}\"", expected.escape_ascii()),
            &format!("b\"{}\"", got.escape_ascii()),
        );
    }
}

#[test]
fn letters_become_capitals() {
    check(b"hello\n", b"HELLO\n");
}

#[test]
fn other_bytes_stay_as_they_are() {
    check(b"a1 \xff\x00z", b"A1 \xff\x00Z");
}

#[test]
fn an_empty_request_gets_an_empty_answer() {
    check(b"", b"");
}
"#;

const TESTS_EXCHANGE_RS: &str = r#"//! Lesson @NN@'s exchange, checked for real, and the output the book shows. These check the
//! lesson as the book shows it, narration and all, so they run on the reference build only;
//! the exercise's checks are tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use testkit::BookOutput;

const BIN: &str = env!("CARGO_BIN_EXE_@PACKAGE@");

// TODO: the exchange over real sockets (testkit's Server and Conn: port 0, no sleeps, a
// timeout on every wait), asserting bytes and exit codes, not wording.

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "@PACKAGE@").check();
}
"#;

const CHAPTER_MD: &str = r#"# TODO: the chapter's title

> **In this chapter:** TODO
>
> **Lesson crate:** `lessons/@FOLDER@` · **Run it:** `cargo run -p @PACKAGE@`

## The call

TODO: the idea and the calls (the man page's words, the std and socket2 names). Do not show
the exercise's function here: the chapter teaches what the learner needs to write it.

## The lesson

```rust
{{#include ../lessons/@FOLDER@/src/main.rs:demo}}
```

## What it prints

```text
{{#include ../lessons/@FOLDER@/output.txt}}
```

```mermaid
{{#include ../lessons/@FOLDER@/diagram.mmd}}
```

## The same exchange, the std and the tokio way

```rust
{{#include ../lessons/@FOLDER@/examples/@NAME@_std_way.rs:std}}
```

```rust
{{#include ../lessons/@FOLDER@/examples/@NAME@_tokio_way.rs:tokio}}
```

## Exercise

Write `reply` in `lessons/@FOLDER@/src/exercise.rs`: its comment states the contract.

```rust
{{#include ../lessons/@FOLDER@/src/exercise.rs:exercise}}
```

Check your work with `cargo exercise @PACKAGE@`; when you are stuck,
`cargo hint @PACKAGE@` gives one hint at a time.

<details>
<summary>The reference solution (read it once yours works)</summary>

```rust
{{#include ../lessons/@FOLDER@/src/solution.rs:solution}}
```

</details>
"#;
