//! The contract every lesson keeps, checked once for all of them (a lesson's own tests check
//! only what is its own):
//!
//! - `--help` prints the usage and exits 0; an unknown flag and a bad `--addr` are usage
//!   errors (exit code 2, a message on stderr);
//! - a client with no server is refused, and says so on stderr (exit code 1, no panic);
//! - step mode (`--step`) pauses before each call and runs to the end with Enter pressed, and
//!   never hangs when standard input closes;
//! - the book's output (`output.txt`, `diagram.mmd`) is there and is the demo's;
//! - the std and tokio examples (`examples/*.rs`) run to the end.
//!
//! The lessons are every `lessons/NN-topic/` crate; their binaries and examples are the ones
//! `cargo test` built (in `target/debug`), found as `testkit::example` finds them. Run the
//! whole suite (`cargo test`), or build them first: `cargo build --workspace --bins --examples`.
//! Each check runs the lessons in parallel and reports every lesson that broke it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Instant;

use predicates::prelude::*;
use testkit::lesson;

/// Lessons whose client is UDP (no connection to refuse: it gives up after its retries, and
/// its own tests check that), that have no client of that kind (18: the wire scenarios), or
/// whose client connects to a path, not to `--addr` (24: its own tests check a refused path).
const NO_REFUSED_CLIENT: &[&str] = &["10-udp", "17-game", "18-wire", "24-local"];

/// One lesson crate.
struct Lesson {
    /// `09-echo`
    folder: String,
    /// `lesson-09-echo`
    package: String,
    dir: PathBuf,
}

impl Lesson {
    /// The built binary.
    fn bin(&self) -> String {
        let bin = testkit::lesson_bin(&self.package).unwrap_or_else(|| {
            panic!(
                "{} is not built: run `cargo test` for the whole workspace, or \
                 `cargo build --workspace --bins --examples` first",
                self.package
            )
        });
        built_from_todays_sources(&bin);
        bin
    }
}

/// `cargo test --test contract` alone does not rebuild the lessons: a binary built before its
/// last edit, or built with the learner's exercise or a variant in place of the solution
/// (`cargo exercise`, `cargo xtask verify-exercises` leave such a build), would be tested
/// instead of the reference. Its dep-info file says what it was built from.
fn built_from_todays_sources(bin: &str) {
    let rebuild = "build the lessons first, `cargo build --workspace --bins --examples` \
                   (a whole `cargo test` does)";
    if let Some(source) = testkit::newer_source(Path::new(bin)) {
        panic!(
            "{bin} was built before {} changed: {rebuild}",
            source.display()
        );
    }
    let not_the_reference = testkit::built_from(Path::new(bin))
        .into_iter()
        .find(|source| {
            let path = source.to_string_lossy().replace('\\', "/");
            path.contains("/variants/") || path.ends_with("/src/exercise.rs")
        });
    if let Some(source) = not_the_reference {
        panic!(
            "{bin} was built from {}, not the solution: {rebuild}",
            source.display()
        );
    }
}

fn lessons() -> Vec<Lesson> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
    let mut found: Vec<Lesson> = fs::read_dir(&root)
        .expect("lessons/")
        .flatten()
        .map(|e| e.path())
        .filter_map(|dir| {
            let folder = dir.file_name()?.to_string_lossy().into_owned();
            let numbered =
                folder.len() > 3 && folder.as_bytes()[..2].iter().all(u8::is_ascii_digit);
            (numbered && dir.join("Cargo.toml").exists()).then(|| Lesson {
                package: format!("lesson-{folder}"),
                folder,
                dir,
            })
        })
        .collect();
    found.sort_by(|a, b| a.folder.cmp(&b.folder));
    assert!(found.len() >= 18, "lessons under {}", root.display());
    found
}

/// Run `check` for every lesson at once; fail with every lesson that broke it.
fn for_every_lesson(check: impl Fn(&Lesson) + Sync) {
    let lessons = lessons();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = lessons
            .iter()
            .map(|lesson| {
                let check = &check;
                scope.spawn(move || check(lesson))
            })
            .collect();
        handles
            .into_iter()
            .zip(&lessons)
            .filter_map(|(handle, lesson)| {
                let panic = handle.join().err()?;
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Some(format!("=== {} ===\n{message}", lesson.package))
            })
            .collect()
    });
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn help_prints_the_usage() {
    for_every_lesson(|l| {
        let run = lesson(&l.bin()).args(&["--help"]).run();
        run.success();
        for part in [l.package.as_str(), "USAGE", "--addr", "--step", "--trace"] {
            assert!(
                predicate::str::contains(part).eval(&run.stdout),
                "--help lacks {part:?}:\n{}",
                run.transcript()
            );
        }
    });
}

#[test]
fn bad_flags_are_usage_errors() {
    for_every_lesson(|l| {
        for (args, says) in [
            (&["--no-such-flag"][..], "unknown argument"),
            // A name is an address now (`localhost:7004`); a port out of range never is.
            (
                &["server", "--addr", "127.0.0.1:99999"][..],
                "not an address",
            ),
        ] {
            assert_cmd::Command::new(l.bin())
                .args(args)
                .timeout(testkit::timeout())
                .assert()
                .code(2)
                .stderr(predicate::str::contains(says).and(predicate::str::contains("--help")));
        }
    });
}

#[test]
fn a_client_without_a_server_is_refused_clearly() {
    for_every_lesson(|l| {
        if NO_REFUSED_CLIENT.contains(&l.folder.as_str()) {
            return;
        }
        testkit::client_without_server(&l.bin())
            .clean_failure()
            .stderr_has("connection refused — is the server running?")
            .stderr_has(&format!("cargo run -p {} -- server", l.package));
    });
}

#[test]
fn step_mode_pauses_before_each_call_and_runs_to_the_end() {
    for_every_lesson(|l| {
        // Enough Enters for every call of any demo.
        let enters = "\n".repeat(2000);
        lesson(&l.bin())
            .args(&["--step"])
            .stdin(enters.as_bytes())
            .run()
            .success()
            .stdout_has("[step] next: ")
            .stdout_lacks("step mode off");
    });
}

#[test]
fn step_mode_never_hangs_when_stdin_closes() {
    for_every_lesson(|l| {
        lesson(&l.bin())
            .args(&["--step"])
            .stdin(b"\n")
            .run()
            .success()
            .stdout_has("[step] standard input closed: step mode off");
    });
}

#[test]
fn the_book_output_is_there() {
    for_every_lesson(|l| {
        let output = fs::read_to_string(l.dir.join("output.txt")).unwrap_or_default();
        assert!(
            output.starts_with(&format!("$ cargo run -p {}\n", l.package)),
            "{}/output.txt should start with `$ cargo run -p {}` (BLESS=1 cargo test -p {} makes it)",
            l.folder,
            l.package,
            l.package
        );
        let diagram = fs::read_to_string(l.dir.join("diagram.mmd")).unwrap_or_default();
        assert!(
            diagram.starts_with("sequenceDiagram\n"),
            "{}/diagram.mmd is missing",
            l.folder
        );
    });
}

#[test]
fn the_std_and_tokio_examples_run() {
    for_every_lesson(|l| {
        let Ok(entries) = fs::read_dir(l.dir.join("examples")) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(name) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
                continue;
            };
            let bin = testkit::example_of(&l.folder, &name).unwrap_or_else(|| {
                panic!("example {name} is not built: run `cargo test` for the whole workspace")
            });
            built_from_todays_sources(&bin);
            lesson(&bin).run().success();
        }
    });
}

#[test]
fn quiet_runs_the_demo_without_narration_and_still_traces() {
    for_every_lesson(|l| {
        let narrated = lesson(&l.bin()).run();
        narrated.success();
        let (quiet, trace) = lesson(&l.bin()).args(&["--quiet"]).traced();
        quiet.success();
        // What is left is what the lesson prints itself (an answer, a table of replies, a
        // report), not the narration: at most half of the narrated demo's lines.
        let lines = |text: &str| text.lines().count();
        assert!(
            lines(&quiet.stdout) * 2 <= lines(&narrated.stdout),
            "--quiet still narrates ({} lines; {} without it):\n{}",
            lines(&quiet.stdout),
            lines(&narrated.stdout),
            quiet.transcript()
        );
        // The events are still recorded: --trace sees the calls the narration would show.
        assert!(
            trace.events.len() >= lines(&narrated.stdout) / 2,
            "--quiet --trace recorded {} events:\n{}",
            trace.events.len(),
            quiet.transcript()
        );
    });
}

/// Placeholders of the flags that take a number (`--queue N`, `--idle SECS`, …).
const NUMBERS: &[&str] = &["N", "BYTES", "MS", "SECS", "SECONDS", "PCT", "SEQ", "TICKS"];

/// The server's number flags, as `--help` lists them (not the client's or the demo's only).
fn server_number_flags(bin: &str) -> Vec<String> {
    let help = lesson(bin).args(&["--help"]).run().stdout;
    help.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let (flag, value) = (words.next()?, words.next()?);
            let said = words.next().unwrap_or("");
            let server_side = !said.starts_with("client") && !said.starts_with("demo");
            (flag.starts_with("--") && NUMBERS.contains(&value) && server_side)
                .then(|| flag.to_string())
        })
        .collect()
}

/// `bin args…`, started; whichever comes first within the timeout: its readiness line (with
/// the address, if it is one) or its end. Its standard error is collected meanwhile.
struct Started {
    child: std::process::Child,
    ready: bool,
    addr: Option<std::net::SocketAddr>,
    stderr: std::thread::JoinHandle<String>,
}

fn start(bin: &str, args: &[&str]) -> Started {
    use std::io::{BufRead, Read};
    use std::process::{Command, Stdio};
    let mut child = Command::new(bin)
        .env("RUST_BACKTRACE", "0")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the lesson");
    let (lines, seen) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines.send(line);
        }
    });
    let mut stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + testkit::timeout();
    let (mut ready, mut addr) = (false, None);
    // The readiness line, or the end of its output (it exited), or the deadline.
    while let Ok(line) = seen.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if let Some((_, at)) = line.split_once("listening on ") {
            (ready, addr) = (true, at.trim().parse().ok());
            break;
        }
    }
    Started {
        child,
        ready,
        addr,
        stderr,
    }
}

/// The process's exit status, waiting until `deadline` at most (None: still running).
fn ended_by(child: &mut std::process::Child, deadline: Instant) -> Option<ExitStatus> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10))
            }
            _ => return None,
        }
    }
}

#[test]
fn a_huge_number_on_the_command_line_is_refused_or_served_never_a_crash() {
    // A number that sizes a buffer, a queue or a deadline (`--queue 100000000000000`) was
    // taken by some servers, which then aborted (memory allocation failed) or panicked (an
    // Instant overflowed) when the first client came. Each server, each of its number flags,
    // two huge values: either a clear refusal naming the flag (exit code 1 or 2), or a server that
    // is ready, takes a first client (TCP and UDP), and has not crashed.
    for_every_lesson(|l| {
        let bin = l.bin();
        for flag in server_number_flags(&bin) {
            for huge in ["100000000000000", "18446744073709551615"] {
                let args = ["server", "--addr", "127.0.0.1:0", &flag, huge];
                let shown = format!("{bin} {}", args.join(" "));
                let mut started = start(&bin, &args);
                if let Some(addr) = started.addr {
                    poke(addr);
                }
                // Not ready: it must have ended (a refusal), soon. Ready: a moment to crash.
                let wait = match started.ready {
                    true => std::time::Duration::from_millis(100),
                    false => testkit::timeout(),
                };
                let ended = ended_by(&mut started.child, Instant::now() + wait);
                let _ = started.child.kill();
                let _ = started.child.wait();
                let stderr = started.stderr.join().unwrap_or_default();
                assert!(
                    !stderr.contains("panicked") && !stderr.contains("memory allocation"),
                    "{shown}: crashed\n{stderr}"
                );
                if !started.ready {
                    let refused = matches!(ended.and_then(|s| s.code()), Some(1 | 2))
                        && stderr.contains(&flag);
                    assert!(
                        refused,
                        "{shown}: neither ready nor refused clearly ({ended:?}):\n{stderr}"
                    );
                } else if let Some(status) = ended {
                    // It served its client and ended (the one-client lessons): not a crash.
                    assert!(
                        matches!(status.code(), Some(0 | 1)),
                        "{shown}: ended with {status} after a first client:\n{stderr}"
                    );
                }
            }
        }
    });
}

/// A first client, TCP and UDP: a line, and a moment to answer it (any answer, or none).
fn poke(addr: std::net::SocketAddr) {
    use std::io::{Read, Write};
    let wait = std::time::Duration::from_millis(500);
    if let Ok(mut tcp) = std::net::TcpStream::connect_timeout(&addr, wait) {
        let _ = tcp.set_read_timeout(Some(wait));
        let _ = tcp.write_all(b"hello\n");
        let _ = tcp.read(&mut [0u8; 512]);
    }
    if let Ok(udp) = std::net::UdpSocket::bind("127.0.0.1:0") {
        let _ = udp.set_read_timeout(Some(wait));
        let _ = udp.send_to(b"hello\n", addr);
        let _ = udp.recv_from(&mut [0u8; 512]);
    }
}
