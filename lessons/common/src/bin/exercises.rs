//! The exercises' tools.
//!
//! `cargo progress` (this program's `progress`): every lesson with the state of its exercise —
//! not started, failing or passing — so a learner sees where they stand.
//!
//! `cargo verify-exercises` (this program's `verify`), for maintainers and CI: proves that the
//! exercises' checks are real. For every lesson:
//! - the starter (`src/exercise.rs`) has a TODO and a `todo!()`, compiles, and FAILS its tests;
//! - the reference solution (`src/solution.rs`) has no `todo!()` and passes;
//! - a deliberately wrong solution (`src/wrong.rs`) compiles and FAILS too, so the tests check
//!   behaviour, not merely that something ran;
//! - there is a `hint.md`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lessons = match lessons() {
        Ok(lessons) => lessons,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let only: Vec<&String> = args.iter().skip(1).collect();
    let chosen: Vec<&Lesson> = lessons
        .iter()
        .filter(|l| only.is_empty() || only.iter().any(|o| **o == l.package))
        .collect();
    match args.first().map(String::as_str) {
        Some("progress") => progress(&chosen),
        Some("verify") => verify(&chosen),
        _ => {
            eprintln!("usage: cargo progress | cargo verify-exercises [lesson-NN-topic ...]");
            ExitCode::from(2)
        }
    }
}

struct Lesson {
    package: String,
    dir: PathBuf,
}

/// The workspace's root: two folders above this crate.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every lesson that has an exercise, in order.
fn lessons() -> Result<Vec<Lesson>, String> {
    let dir = root().join("lessons");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    let mut found: Vec<Lesson> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("src/exercise.rs").exists())
        .filter_map(|dir| {
            let name = dir.file_name()?.to_string_lossy().into_owned();
            Some(Lesson {
                package: format!("lesson-{name}"),
                dir,
            })
        })
        .collect();
    found.sort_by(|a, b| a.package.cmp(&b.package));
    if found.is_empty() {
        return Err("no lesson has a src/exercise.rs".into());
    }
    Ok(found)
}

/// How a `cargo test` run of one lesson ended.
#[derive(Debug, PartialEq)]
enum Outcome {
    Passed,
    /// It built, and at least one test failed.
    TestsFailed,
    /// It did not build.
    BuildFailed,
    /// cargo itself did not finish in time.
    TimedOut,
}

/// `cargo test -p <lesson> [--features <feature>]`, with a time limit.
fn cargo_test(lesson: &Lesson, feature: Option<&str>, quiet_timeout: bool) -> (Outcome, String) {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root())
        .args(["test", "-q", "-p", &lesson.package])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(feature) = feature {
        cmd.args(["--features", feature]);
    }
    if quiet_timeout {
        // A wrong solution may hang where a right one answers: fail it faster.
        cmd.env("LESSON_TEST_TIMEOUT", "5");
    }
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => return (Outcome::BuildFailed, format!("could not run cargo: {e}")),
    };
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    let read_all = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let (out, err) = (read_all(Box::new(out)), read_all(Box::new(err)));
    let deadline = Instant::now() + Duration::from_secs(600);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let text = format!(
        "{}{}",
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default()
    );
    let outcome = match status {
        None => Outcome::TimedOut,
        Some(s) if s.success() => Outcome::Passed,
        Some(_) if text.contains("test result: FAILED") || text.contains("panicked") => {
            Outcome::TestsFailed
        }
        Some(_) => Outcome::BuildFailed,
    };
    (outcome, text)
}

fn progress(lessons: &[&Lesson]) -> ExitCode {
    println!("{:<26} exercise", "lesson");
    let mut passing = 0;
    for lesson in lessons {
        let exercise =
            std::fs::read_to_string(lesson.dir.join("src/exercise.rs")).unwrap_or_default();
        let state = if exercise.contains("todo!(") {
            "not started (todo!() left in src/exercise.rs)".to_string()
        } else {
            match cargo_test(lesson, Some("exercise"), false).0 {
                Outcome::Passed => {
                    passing += 1;
                    "passing".to_string()
                }
                Outcome::TestsFailed => format!("failing (see: cargo exercise {})", lesson.package),
                Outcome::BuildFailed => {
                    format!("does not build (see: cargo exercise {})", lesson.package)
                }
                Outcome::TimedOut => "failing (its tests did not finish)".to_string(),
            }
        };
        println!("{:<26} {state}", lesson.package);
    }
    println!("\n{passing} of {} exercises passing.", lessons.len());
    ExitCode::SUCCESS
}

fn verify(lessons: &[&Lesson]) -> ExitCode {
    let mut passed = 0;
    let mut failed = 0;
    for lesson in lessons {
        let mut problems = Vec::new();
        let read = |file: &str| std::fs::read_to_string(lesson.dir.join(file)).unwrap_or_default();
        let (exercise, solution) = (read("src/exercise.rs"), read("src/solution.rs"));
        if !exercise.contains("TODO") || !exercise.contains("todo!(") {
            problems.push("src/exercise.rs must contain a TODO and a todo!()".to_string());
        }
        if solution.is_empty() || solution.contains("todo!(") {
            problems.push("src/solution.rs must exist and contain no todo!()".to_string());
        }
        if read("src/wrong.rs").is_empty() {
            problems.push("src/wrong.rs (a plausible wrong solution) is missing".to_string());
        }
        if read("hint.md").trim().is_empty() {
            problems.push("hint.md is missing".to_string());
        }
        let (reference, log) = cargo_test(lesson, None, false);
        if reference != Outcome::Passed {
            problems.push(format!(
                "the reference solution does not pass ({reference:?}):\n{}",
                tail(&log)
            ));
        }
        for (feature, what) in [
            ("exercise", "the unsolved starter"),
            ("wrong", "the wrong solution"),
        ] {
            let (outcome, log) = cargo_test(lesson, Some(feature), true);
            if outcome != Outcome::TestsFailed {
                problems.push(format!(
                    "{what} (--features {feature}) must build and fail its tests, but: {outcome:?}\n{}",
                    tail(&log)
                ));
            }
        }
        if problems.is_empty() {
            passed += 1;
            println!(
                "ok    {}: starter fails, wrong solution fails, solution passes",
                lesson.package
            );
        } else {
            failed += 1;
            println!("FAIL  {}:", lesson.package);
            for problem in problems {
                println!("      - {problem}");
            }
        }
    }
    println!("\nexercises: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// What matters in a long log: each failing test's message (without backtraces), or else
/// its last lines.
fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let messages: Vec<&str> = lines
        .iter()
        .skip_while(|l| !l.starts_with("---- "))
        .take_while(|l| !l.starts_with("failures:"))
        .filter(|l| {
            !l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && !l.contains("at /")
        })
        .copied()
        .collect();
    if !messages.is_empty() {
        return messages[..messages.len().min(80)].join("\n");
    }
    lines[lines.len().saturating_sub(25)..].join("\n")
}
