//! The learner's exercise tools (the maintainers' are in `xtask/`):
//!
//! - `cargo progress`: every lesson with the state of its exercise — not started, failing,
//!   or SOLVED — so a learner sees where they stand.
//! - `cargo hint lesson-NN-topic`: the lesson's next hint, one at a time (hints/1.md, 2.md, …;
//!   or its one hint.md). Which hints were shown is kept in target/hints/.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lessons = lessons();
    let rest: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    match args.first().map(String::as_str) {
        Some("progress") => progress(&lessons, &rest),
        Some("hint") => hint(&lessons, &rest),
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: cargo progress [lesson-NN-topic ...]\n       \
         cargo hint lesson-NN-topic [N | --reset]   (also: cargo hint 04)"
    );
    ExitCode::from(2)
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
fn lessons() -> Vec<Lesson> {
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

/// The lesson a learner named: `lesson-04-accept`, `04-accept` or `04`.
fn find<'a>(lessons: &'a [Lesson], name: &str) -> Option<&'a Lesson> {
    lessons.iter().find(|l| {
        let short = l.package.trim_start_matches("lesson-");
        l.package == name || short == name || short.split('-').next() == Some(name)
    })
}

fn progress(lessons: &[Lesson], only: &[&str]) -> ExitCode {
    println!("{:<26} your exercise", "lesson");
    let mut solved = 0;
    let chosen: Vec<&Lesson> = lessons
        .iter()
        .filter(|l| {
            only.is_empty()
                || only
                    .iter()
                    .any(|o| find(lessons, o).is_some_and(|f| f.package == l.package))
        })
        .collect();
    for lesson in &chosen {
        let exercise =
            std::fs::read_to_string(lesson.dir.join("src/exercise.rs")).unwrap_or_default();
        let state = if exercise.contains("todo!(") {
            "not started (src/exercise.rs still has its todo!())".to_string()
        } else {
            match test_exercise(lesson) {
                Tested::Passed => {
                    solved += 1;
                    "SOLVED".to_string()
                }
                Tested::Failed(counts) => format!(
                    "failing{counts} (see: cargo exercise {}; stuck? cargo hint {})",
                    lesson.package, lesson.package
                ),
                Tested::DoesNotBuild => {
                    format!(
                        "does not build yet (see: cargo exercise {})",
                        lesson.package
                    )
                }
            }
        };
        println!("{:<26} {state}", lesson.package);
    }
    println!("\n{solved} of {} exercises solved.", chosen.len());
    ExitCode::SUCCESS
}

enum Tested {
    Passed,
    /// ": 3 of 7 checks" when the counts could be read.
    Failed(String),
    DoesNotBuild,
}

/// `cargo test -p LESSON --features exercise`: the learner's own `cargo exercise`.
fn test_exercise(lesson: &Lesson) -> Tested {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root())
        .args([
            "test",
            "-q",
            "--features",
            "exercise",
            "-p",
            &lesson.package,
        ])
        .stdin(Stdio::null())
        .output();
    let Ok(output) = output else {
        return Tested::DoesNotBuild;
    };
    if output.status.success() {
        return Tested::Passed;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    if !text.contains("test result: FAILED") {
        return Tested::DoesNotBuild;
    }
    // "test result: FAILED. 4 passed; 3 failed; …", once per test binary.
    let (mut passed, mut failed) = (0, 0);
    for line in text.lines().filter(|l| l.starts_with("test result:")) {
        let number = |word: &str| -> usize {
            line.split(';')
                .find(|part| part.trim_end().ends_with(word))
                .and_then(|part| part.split_whitespace().rev().nth(1)?.parse().ok())
                .unwrap_or(0)
        };
        passed += number("passed");
        failed += number("failed");
    }
    Tested::Failed(format!(": {failed} of {} checks", passed + failed))
}

/// The lesson's hints, in order: hints/1.md, hints/2.md, … or its one hint.md.
fn hints_of(lesson: &Lesson) -> Vec<String> {
    let mut hints = Vec::new();
    for n in 1.. {
        match std::fs::read_to_string(lesson.dir.join(format!("hints/{n}.md"))) {
            Ok(text) => hints.push(text.trim().to_string()),
            Err(_) => break,
        }
    }
    if hints.is_empty() {
        if let Ok(text) = std::fs::read_to_string(lesson.dir.join("hint.md")) {
            hints.push(text.trim().to_string());
        }
    }
    hints
}

/// Where we remember how many hints of a lesson were shown.
fn shown_file(lesson: &Lesson) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    target.join("hints").join(&lesson.package)
}

fn hint(lessons: &[Lesson], args: &[&str]) -> ExitCode {
    let Some(lesson) = args.first().and_then(|name| find(lessons, name)) else {
        return usage();
    };
    let hints = hints_of(lesson);
    if hints.is_empty() {
        println!("{} has no hints.", lesson.package);
        return ExitCode::SUCCESS;
    }
    let file = shown_file(lesson);
    let shown: usize = std::fs::read_to_string(&file)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let which = match args.get(1) {
        Some(&"--reset") => {
            let _ = std::fs::remove_file(&file);
            println!("{}: hints reset; the next is hint 1.", lesson.package);
            return ExitCode::SUCCESS;
        }
        Some(n) => match n.parse::<usize>() {
            Ok(n) if (1..=hints.len()).contains(&n) => n,
            _ => return usage(),
        },
        // The next one; after the last, the last again.
        None => (shown + 1).min(hints.len()),
    };
    println!(
        "{} — hint {which} of {}\n\n{}\n",
        lesson.package,
        hints.len(),
        hints[which - 1]
    );
    if which < hints.len() {
        println!(
            "Still stuck? `cargo hint {}` gives hint {}.",
            lesson.package,
            which + 1
        );
    } else {
        println!(
            "That was the last hint. The chapter has the solution, folded at its end \
             (read it once yours works, or when you have had enough)."
        );
    }
    if which > shown {
        let _ = std::fs::create_dir_all(file.parent().unwrap_or(Path::new(".")));
        let _ = std::fs::write(&file, which.to_string());
    }
    ExitCode::SUCCESS
}
