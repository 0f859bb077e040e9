//! `cargo xtask verify-exercises` (also `cargo verify-exercises`): proves that each exercise's
//! checks test behaviour. For every lesson with an exercise:
//!
//! - the starter (src/exercise.rs) compiles and FAILS its checks;
//! - the reference solution (src/solution.rs) passes;
//! - a lesson converted to variants (CONTRIBUTING.md, "Exercises"): every
//!   `variants/correct_*.rs` passes and every `variants/wrong_*.rs` compiles and fails; the
//!   first failure of each wrong one is printed, to show it fails for the right reason;
//! - a lesson not converted yet: its one src/wrong.rs (`--features wrong`) fails.
//!
//! A learner who has solved their src/exercise.rs is not told it is broken: the starter is
//! then checked from git's copy (`git show HEAD:…`), or skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{cargo, root};

pub struct Lesson {
    pub package: String,
    pub dir: PathBuf,
}

/// Every lesson that has an exercise, in order.
pub fn lessons() -> Vec<Lesson> {
    let mut found: Vec<Lesson> = std::fs::read_dir(root().join("lessons"))
        .into_iter()
        .flatten()
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
    found
}

/// `04`, `04-accept` or `lesson-04-accept` → `lesson-04-accept`.
pub fn package_name(name: &str) -> String {
    lessons()
        .into_iter()
        .map(|l| l.package)
        .find(|p| {
            let short = p.trim_start_matches("lesson-");
            p == name || short == name || short.split('-').next() == Some(name)
        })
        .unwrap_or_else(|| name.to_string())
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

/// What to build the lesson's exercise from.
enum Build<'a> {
    /// src/solution.rs
    Reference,
    /// `--features exercise` (src/exercise.rs) or `--features wrong` (an old-style src/wrong.rs)
    Feature(&'a str),
    /// `--features variant` with LESSON_VARIANT=this file
    Variant(&'a Path),
}

/// `cargo test -p LESSON` with this build of the exercise, with a time limit.
fn cargo_test(lesson: &Lesson, build: &Build) -> (Outcome, String) {
    let mut cmd = cargo();
    cmd.args(["test", "-q", "-p", &lesson.package])
        .env("RUST_BACKTRACE", "0")
        .env("CARGO_TERM_COLOR", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match build {
        Build::Reference => {}
        Build::Feature(feature) => {
            cmd.args(["--features", feature]);
        }
        Build::Variant(file) => {
            cmd.args(["--features", "variant"])
                .env("LESSON_VARIANT", file);
        }
    }
    if !matches!(build, Build::Reference) {
        // A wrong solution may hang where a right one answers: fail it faster.
        cmd.env("LESSON_TEST_TIMEOUT", "5");
    }
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => return (Outcome::BuildFailed, format!("could not run cargo: {e}")),
    };
    let read_all = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let out = read_all(Box::new(child.stdout.take().unwrap()));
    let err = read_all(Box::new(child.stderr.take().unwrap()));
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
        Some(_) if text.contains("test result: FAILED") => Outcome::TestsFailed,
        Some(_) => Outcome::BuildFailed,
    };
    (outcome, text)
}

/// The names of the failing checks (libtest's last `failures:` list).
fn failing_checks(log: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in log.lines() {
        if line == "failures:" {
            names.clear();
        } else if let Some(name) = line.strip_prefix("    ") {
            if !name.starts_with(' ') && !name.contains(' ') {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// The first failing check's message, a few lines, without the harness's noise.
fn first_failure(log: &str) -> String {
    let mut lines = log.lines().skip_while(|l| !l.starts_with("---- "));
    let Some(header) = lines.next() else {
        return tail(log);
    };
    let test = header
        .trim_start_matches("---- ")
        .trim_end_matches(" stdout ----");
    let message: Vec<&str> = lines
        .take_while(|l| {
            !l.starts_with("---- ") && !l.starts_with("failures:") && !l.starts_with("note: ")
        })
        .filter(|l| !l.trim().is_empty() && !l.starts_with("thread '"))
        .take(16)
        .collect();
    format!("{test}: {}", message.join("\n          "))
}

/// The last lines of a log (a build error, say).
fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n          ")
}

/// The files of `variants/` whose name starts with `prefix`, in order.
fn variants(lesson: &Lesson, prefix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(lesson.dir.join("variants"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with(prefix) && name.ends_with(".rs")
        })
        .collect();
    found.sort();
    found
}

fn name(path: &Path) -> String {
    path.file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// One lesson's report: a line per check.
struct Report {
    problems: usize,
}

impl Report {
    fn ok(&self, text: &str) {
        println!("  ok    {text}");
    }
    fn note(&self, text: &str) {
        println!("  note  {text}");
    }
    fn bad(&mut self, text: &str) {
        self.problems += 1;
        println!("  FAIL  {text}");
    }
}

pub fn verify(only: &[&str]) -> bool {
    let chosen: Vec<Lesson> = lessons()
        .into_iter()
        .filter(|l| only.is_empty() || only.iter().any(|o| package_name(o) == l.package))
        .collect();
    if chosen.is_empty() {
        eprintln!("no lesson with an exercise matches {only:?}");
        return false;
    }
    let mut failed = Vec::new();
    for lesson in &chosen {
        println!("{}", lesson.package);
        let mut report = Report { problems: 0 };
        verify_one(lesson, &mut report);
        if report.problems > 0 {
            failed.push(lesson.package.clone());
        }
    }
    println!(
        "\nexercises: {} lessons verified, {} failed{}",
        chosen.len(),
        failed.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!(": {}", failed.join(", "))
        }
    );
    failed.is_empty()
}

fn verify_one(lesson: &Lesson, report: &mut Report) {
    let read = |file: &str| std::fs::read_to_string(lesson.dir.join(file)).unwrap_or_default();
    let converted = lesson.dir.join("variants").is_dir();
    if read("src/solution.rs").is_empty() || read("src/solution.rs").contains("todo!(") {
        report.bad("src/solution.rs must exist and contain no todo!()");
    }

    // The reference solution passes: the exercise's checks, or (not converted) all tests.
    let (outcome, log) = cargo_test(lesson, &Build::Reference);
    match outcome {
        Outcome::Passed => report.ok("the solution passes"),
        other => report.bad(&format!(
            "the solution must pass, but: {other:?}\n          {}",
            first_failure(&log)
        )),
    }

    // The starter fails (unless the learner has solved it: then git's copy is checked).
    let starter = read("src/exercise.rs");
    if starter.contains("todo!(") {
        expect_failure(lesson, report, "the starter", &Build::Feature("exercise"));
    } else {
        match git_starter(lesson) {
            Some(copy) if converted => {
                report.note("src/exercise.rs is solved (yours): checking git's starter instead");
                expect_failure(lesson, report, "the starter", &Build::Variant(&copy));
            }
            _ => report.note("src/exercise.rs is solved (yours): the starter is not checked"),
        }
    }

    if !converted {
        // Not converted yet: one src/wrong.rs, and one hint.md.
        if read("src/wrong.rs").is_empty() {
            report.bad("src/wrong.rs (a plausible wrong solution) is missing");
        } else {
            expect_failure(lesson, report, "src/wrong.rs", &Build::Feature("wrong"));
        }
        if read("hint.md").trim().is_empty() && read("hints/1.md").trim().is_empty() {
            report.bad("hint.md is missing");
        }
        return;
    }

    // Converted: graded hints, the exercise's checks, and the variants.
    if read("hints/1.md").trim().is_empty() || read("hints/2.md").trim().is_empty() {
        report.bad("hints/1.md and hints/2.md (at least two graded hints) are missing");
    }
    if starter.contains("//!") {
        report.bad("src/exercise.rs must use // comments, not //! (it may be built as a variant)");
    }
    let (correct, wrong) = (variants(lesson, "correct_"), variants(lesson, "wrong_"));
    if correct.is_empty() {
        report.bad("variants/ needs at least one correct_*.rs, written differently");
    }
    if wrong.len() < 3 {
        report.bad(&format!(
            "variants/ needs at least three wrong_*.rs (has {})",
            wrong.len()
        ));
    }
    for file in &correct {
        let (outcome, log) = cargo_test(lesson, &Build::Variant(file));
        match outcome {
            Outcome::Passed => report.ok(&format!("{} passes", name(file))),
            other => report.bad(&format!(
                "{} must pass, but: {other:?}\n          {}",
                name(file),
                first_failure(&log)
            )),
        }
    }
    for file in &wrong {
        expect_failure(lesson, report, &name(file), &Build::Variant(file));
    }
}

/// This build must compile and fail its checks; say how it failed.
fn expect_failure(lesson: &Lesson, report: &mut Report, what: &str, build: &Build) {
    let (outcome, log) = cargo_test(lesson, build);
    match outcome {
        Outcome::TestsFailed => {
            let failing = failing_checks(&log);
            report.ok(&format!(
                "{what} fails {} check(s): {}\n          first: {}",
                failing.len(),
                failing.join(", "),
                first_failure(&log)
            ))
        }
        other => report.bad(&format!(
            "{what} must build and fail its checks, but: {other:?}\n          {}",
            if other == Outcome::BuildFailed {
                tail(&log)
            } else {
                first_failure(&log)
            }
        )),
    }
}

/// The starter as committed (`git show HEAD:lessons/NN-topic/src/exercise.rs`), in target/.
fn git_starter(lesson: &Lesson) -> Option<PathBuf> {
    let folder = lesson.dir.file_name()?.to_string_lossy().into_owned();
    let output = Command::new("git")
        .current_dir(root())
        .args(["show", &format!("HEAD:lessons/{folder}/src/exercise.rs")])
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let dir = root().join("target/xtask");
    std::fs::create_dir_all(&dir).ok()?;
    let file = dir.join(format!("starter-{}.rs", lesson.package));
    std::fs::write(&file, output.stdout).ok()?;
    Some(file)
}
