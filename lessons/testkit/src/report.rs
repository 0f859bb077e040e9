//! What a learner reads when a check fails: which check, what was expected, what happened, and
//! where to get a hint — short, and with nothing meant for maintainers.
//!
//! [`fail`] is how every check fails. [`yours`] calls the learner's function in a test, so that
//! a `todo!()` left in it reads "your function reached todo!() at src/exercise.rs:LINE", not as
//! some later symptom (a refused connection, a missing answer).

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Once;

/// Fail a check: what should have happened, what did (both usually bytes), which test, and the
/// command that gives the lesson's next hint.
#[track_caller]
pub fn fail(what: &str, expected: &str, actual: &str) -> ! {
    let mut message = format!("\n{}\n", what.trim_end());
    if let Some(test) = std::thread::current().name().filter(|n| *n != "main") {
        message.push_str(&format!("  check:    {test}\n"));
    }
    message.push_str(&format!(
        "  expected: {}\n  got:      {}\n",
        indent(expected),
        indent(actual)
    ));
    if let Some(command) = hint_command() {
        message.push_str(&format!("\nstuck? {command}\n"));
    }
    panic!("{message}");
}

/// Multi-line text, indented under its label.
fn indent(text: &str) -> String {
    let lines: Vec<String> = text
        .trim_end()
        .lines()
        .enumerate()
        .map(|(i, line)| match (i, line.is_empty()) {
            (0, _) | (_, true) => line.to_string(),
            _ => format!("            {line}"),
        })
        .collect();
    lines.join("\n")
}

/// `cargo hint lesson-NN-topic`, for a lesson that has hints (hints/1.md…, or hint.md).
pub fn hint_command() -> Option<String> {
    let dir = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    let dir = Path::new(&dir);
    if !dir.join("hints/1.md").exists() && !dir.join("hint.md").exists() {
        return None;
    }
    let package = std::env::var("CARGO_PKG_NAME").ok()?;
    Some(format!("cargo hint {package}"))
}

thread_local! {
    /// Where the learner's code panicked (file, line, message), caught by our panic hook.
    static PANIC: RefCell<Option<(String, u32, String)>> = const { RefCell::new(None) };
    /// Whether this thread is inside [`yours`].
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

/// Call the learner's function. A panic inside it fails the check with a sentence that says
/// where: `todo!()` above all ("your function reached todo!() at src/exercise.rs:31").
/// Panics of the checks themselves (a [`fail`] from a test helper it called) go through as
/// they are.
#[track_caller]
pub fn yours<T>(call: impl FnOnce() -> T) -> T {
    install_hook();
    PANIC.with(|p| p.borrow_mut().take());
    INSIDE.with(|i| i.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(call));
    INSIDE.with(|i| i.set(false));
    match result {
        Ok(value) => value,
        Err(payload) => match PANIC.with(|p| p.borrow_mut().take()) {
            Some((file, line, text)) => {
                let place = format!("{file}:{line}");
                let (what, got) = if text.starts_with("not yet implemented") {
                    (
                        format!("Your function reached todo!() at {place}: write it first."),
                        format!("a panic: {text}"),
                    )
                } else {
                    (
                        format!("Your function panicked at {place}."),
                        format!("a panic: {text}"),
                    )
                };
                fail(&what, "(your function returns)", &got)
            }
            None => panic::resume_unwind(payload),
        },
    }
}

/// A panic hook that keeps quiet about panics, inside [`yours`], in this lesson's `src/` (the
/// learner's code: [`yours`] reports them) and leaves every other panic to the usual hook.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let usual = panic::take_hook();
        // Panic locations are relative to the workspace: lessons/04-accept/src/exercise.rs.
        let lesson_src = std::env::var("CARGO_MANIFEST_DIR")
            .ok()
            .and_then(|d| Some(Path::new(&d).file_name()?.to_string_lossy().into_owned()))
            .map(|folder| format!("{folder}/src/"));
        panic::set_hook(Box::new(move |info| {
            let place = info
                .location()
                .map(|l| (l.file().replace('\\', "/"), l.line()))
                .filter(|_| INSIDE.with(|i| i.get()));
            let in_src = place.as_ref().and_then(|(file, line)| {
                let src = lesson_src.as_deref()?;
                Some((file.split_once(src)?.1.to_string(), *line))
            });
            match in_src {
                Some((file, line)) => {
                    let text = info
                        .payload()
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| info.payload().downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    PANIC.with(|p| *p.borrow_mut() = Some((format!("src/{file}"), line, text)));
                }
                None => usual(info),
            }
        }));
    });
}
