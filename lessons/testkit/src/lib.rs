//! Helpers for the lessons' tests. They read like the protocol:
//!
//! ```no_run
//! # let bin = "";
//! use testkit::{Conn, Server};
//! let server = Server::start(bin, &[]);           // waits for `listening on HOST:PORT`
//! let mut conn = Conn::open(server.addr);
//! conn.send(b"hello\n");
//! conn.expect(b"HELLO\n");
//! conn.expect_eof();
//! server.finish().success();
//! ```
//!
//! The rules they keep: no fixed ports (servers get `--addr 127.0.0.1:0` and we read the port
//! from their readiness line), no sleeping (we wait for lines and bytes, never for time), and
//! every wait has a timeout, so a broken lesson fails in seconds instead of hanging the run.

mod book;
mod conn;
mod run;

pub use book::{diagram, normalize_ports, BookOutput};
pub use conn::Conn;
pub use run::{lesson, Cmd, Run, Server};

use std::time::Duration;

/// How long any single wait may take: a readiness line, a reply, a process's exit.
/// `LESSON_TEST_TIMEOUT=30` (seconds) gives a slow machine more time.
pub fn timeout() -> Duration {
    let secs = std::env::var("LESSON_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    Duration::from_secs(secs)
}

/// The exercise hint of the lesson under test (its `hint.md`), to print when a check fails.
pub(crate) fn hint() -> Option<String> {
    let dir = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    let text = std::fs::read_to_string(std::path::Path::new(&dir).join("hint.md")).ok()?;
    Some(text.trim().to_string())
}

/// Fail a test with a message a learner can act on: what should have happened, what did,
/// and the lesson's hint.
#[track_caller]
pub(crate) fn fail(what: &str, expected: &str, actual: &str) -> ! {
    let mut message = format!(
        "\n\n{what}\n\n--- the exchange should have been ---\n{}\n\n--- what happened ---\n{}\n",
        expected.trim_end(),
        actual.trim_end()
    );
    if let Some(hint) = hint() {
        message.push_str(&format!(
            "\n--- hint (if you are doing the exercise) ---\n{hint}\n"
        ));
    }
    panic!("{message}");
}

/// The path of one of the lesson's examples (`cargo test` builds them before it runs tests).
pub fn example(name: &str) -> String {
    let exe = std::env::current_exe().expect("the test's own path");
    // The test runs from target/debug/deps/; examples are in target/debug/examples/.
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/debug")
        .join("examples");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "example {name} is not built: run the lesson's tests with `cargo test -p <lesson>`, which builds examples too"
    );
    path.to_string_lossy().into_owned()
}
