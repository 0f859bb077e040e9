//! What a learner reads when a check fails: which check, what was expected, what happened, and
//! where to get a hint — short, and with nothing meant for maintainers.
//!
//! [`fail`] is how every check fails. [`yours`] calls the learner's function in a test, so that
//! a `todo!()` left in it reads "your function reached todo!() at src/exercise.rs:LINE", not as
//! some later symptom (a refused connection, a missing answer).

use std::backtrace::Backtrace;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock, Weak};
use std::time::{Duration, Instant};

use crate::quiet::{self, mark};

/// Fail a check: what should have happened, what did (both usually bytes), which test, and the
/// command that gives the lesson's next hint.
#[track_caller]
pub fn fail(what: &str, expected: &str, actual: &str) -> ! {
    let test = std::thread::current().name().map(str::to_string);
    // The message is all a learner needs: no "panicked at testkit/…" line, and no backtrace
    // of the checks' own frames even when RUST_BACKTRACE is set (a newcomer's trial found the
    // message buried under 30 frames).
    install_hook();
    FAILING.with(|f| f.set(true));
    panic!("{}", message(what, test.as_deref(), expected, actual));
}

/// The failure's text, as [`fail`] shows it (`test`: the check's name, if known).
fn message(what: &str, test: Option<&str>, expected: &str, actual: &str) -> String {
    let mut message = format!("\n{}\n", what.trim_end());
    if let Some(test) = test.filter(|n| *n != "main") {
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
    message
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

/// A panic inside the learner's function, as our panic hook saw it.
struct Caught {
    /// The panic's message.
    text: String,
    /// Where it panicked in the lesson's own files (`src/exercise.rs:31`), or, for a panic
    /// inside a library call (`Duration * 2` overflowing, in core), the line of the lesson
    /// that made the call, if a backtrace could tell.
    place: Option<String>,
    /// The panic is in a library the learner's function called, not in the lesson's code.
    in_library: bool,
}

thread_local! {
    /// The panic caught by our panic hook inside [`yours`].
    static PANIC: RefCell<Option<Caught>> = const { RefCell::new(None) };
    /// Whether this thread is inside [`yours`].
    static INSIDE: Cell<bool> = const { Cell::new(false) };
    /// Whether the panic under way is a check's [`fail`]: the hook prints its message alone.
    static FAILING: Cell<bool> = const { Cell::new(false) };
}

/// Call the learner's function. A panic inside it fails the check with a sentence that says
/// where: `todo!()` above all ("your function reached todo!() at src/exercise.rs:31"), a
/// panic in the learner's code ("your function panicked at src/exercise.rs:40"), or one in a
/// library call it made (`Duration * 2` overflowing: "your function panicked: overflow when
/// multiplying duration by scalar, in a library call at src/exercise.rs:40"). Panics of the
/// checks themselves (a [`fail`] from a test helper it called) go through as they are.
///
/// A call that does not return within [`STUCK`] (an endless loop, a blocked thread, a wait
/// with no end) stops the whole test run with a message saying so: a check's own timeouts
/// cannot fire while the learner's code holds the thread they run on.
#[track_caller]
pub fn yours<T>(call: impl FnOnce() -> T) -> T {
    install_hook();
    PANIC.with(|p| p.borrow_mut().take());
    let outer = INSIDE.with(|i| i.replace(true));
    // The outermost call is watched (an inner one would end the watch when it returns).
    let place = std::panic::Location::caller();
    let watched = (!outer).then(|| watch(place));
    mark(quiet::BEGIN);
    let result = panic::catch_unwind(AssertUnwindSafe(call));
    mark(quiet::END);
    drop(watched);
    INSIDE.with(|i| i.set(outer));
    match result {
        Ok(value) => value,
        Err(payload) => match PANIC.with(|p| p.borrow_mut().take()) {
            Some(caught) => {
                let (what, got) = describe(&caught);
                fail(&what, "(your function returns)", &got)
            }
            None => panic::resume_unwind(payload),
        },
    }
}

/// How long one call of the learner's function may take: six times testkit's timeout (one
/// minute by default), far more than any check waits for.
pub fn stuck_after() -> Duration {
    crate::timeout() * 6
}

/// One thread's call of the learner's function, as the watcher sees it. Written without a
/// lock at every call: a lock here would make the threads of a race check take turns, and hide
/// the very races the checks look for.
struct Slot {
    /// When the call began, in nanoseconds since [`base`], plus one; 0: no call under way.
    began: AtomicU64,
    /// Where the check called it.
    at: AtomicPtr<std::panic::Location<'static>>,
    /// The check (the thread's name).
    test: Option<String>,
}

/// The instant the watch's clock counts from.
fn base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

/// Every thread's slot (a lock only when a thread makes its first call).
static SLOTS: Mutex<Vec<Weak<Slot>>> = Mutex::new(Vec::new());

thread_local! {
    static SLOT: Arc<Slot> = {
        let slot = Arc::new(Slot {
            began: AtomicU64::new(0),
            at: AtomicPtr::new(std::ptr::null_mut()),
            test: std::thread::current().name().map(str::to_string),
        });
        SLOTS.lock().unwrap_or_else(|e| e.into_inner()).push(Arc::downgrade(&slot));
        start_watcher();
        slot
    };
}

/// One call being watched; dropping it ends the watch.
struct Watched;

impl Drop for Watched {
    fn drop(&mut self) {
        SLOT.with(|slot| slot.began.store(0, Ordering::Relaxed));
    }
}

/// Watch a call made at `place` (the outermost call of a thread only).
fn watch(place: &'static std::panic::Location<'static>) -> Watched {
    SLOT.with(|slot| {
        let at = place as *const std::panic::Location<'static> as *mut _;
        slot.at.store(at, Ordering::Relaxed);
        let began = base().elapsed().as_nanos() as u64 + 1;
        slot.began.store(began, Ordering::Relaxed);
    });
    Watched
}

/// One thread (started once) looks at every call under way twice a second, and ends the
/// process with a check's failure message when one has run too long.
fn start_watcher() {
    static WATCHER: Once = Once::new();
    WATCHER.call_once(|| {
        std::thread::spawn(|| loop {
            std::thread::sleep(Duration::from_millis(500));
            let slots = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
            for slot in slots.iter().filter_map(Weak::upgrade) {
                let began = slot.began.load(Ordering::Relaxed);
                let now = base().elapsed().as_nanos() as u64 + 1;
                let running = Duration::from_nanos(now.saturating_sub(began));
                if began == 0 || running <= stuck_after() {
                    continue;
                }
                // SAFETY: only ever a `&'static Location` stored by `watch`, before `began`.
                let at = unsafe { slot.at.load(Ordering::Relaxed).as_ref() };
                let at = at.map_or("?".to_string(), |l| format!("{}:{}", l.file(), l.line()));
                let what = format!(
                    "Your function has not returned (called by the check at {at}): an endless \
                     loop, a thread blocked (a blocking call or sleep inside async code), or \
                     a wait with no end? The whole run stops here."
                );
                let got = format!("still running after {} s", running.as_secs());
                let expected = "(your function returns)";
                // Straight to the standard error: the test harness captures `eprintln!`
                // (this thread inherits the capture), and the process ends before it shows.
                let text = message(&what, slot.test.as_deref(), expected, &got);
                let _ = std::io::Write::write_all(&mut std::io::stderr(), text.as_bytes());
                std::process::exit(101);
            }
        });
    });
}

/// The sentence and the `got:` line for a panic of the learner's function.
fn describe(caught: &Caught) -> (String, String) {
    let Caught {
        text,
        place,
        in_library,
    } = caught;
    let got = format!("a panic: {text}");
    let what = match (place, in_library) {
        (Some(place), false) if text.starts_with("not yet implemented") => {
            format!("Your function reached todo!() at {place}: write it first.")
        }
        (Some(place), false) => format!("Your function panicked at {place}."),
        (Some(place), true) => format!(
            "Your function panicked: {text}.\nThe panic is inside a library call your \
             function made at {place}."
        ),
        (None, _) => format!(
            "Your function panicked: {text}.\nThe panic is inside a library call your \
             function made (no backtrace says which line of yours made it)."
        ),
    };
    (what, got)
}

/// Where a panic happened, as the hook sorts it.
enum Origin {
    /// In the lesson's own code (`src/…` or `variants/…`): the learner's.
    Learner(String),
    /// In the lesson's checks (`tests/…`) or in testkit: a check failing.
    Check,
    /// Elsewhere: std, core, another crate.
    Library,
}

/// Sort a source file (as a panic location or a backtrace gives it) by where it is.
fn origin(file: &str, line: u32, lesson: &str) -> Origin {
    let file = file.replace('\\', "/");
    for part in ["src/", "variants/"] {
        if let Some((_, rest)) = file.split_once(&format!("{lesson}/{part}")) {
            return Origin::Learner(format!("{part}{rest}:{line}"));
        }
    }
    if file.contains(&format!("{lesson}/tests/")) || file.contains("testkit/src/") {
        return Origin::Check;
    }
    Origin::Library
}

/// The first frame of a backtrace, after the panic's own machinery (the hook, std's
/// `panicking`), that is in the lesson's folder or in testkit, sorted. A backtrace prints each
/// frame's function on one line (`12: core::panicking::panic_fmt`) and its place on the next
/// (`at ./src/exercise.rs:40:9`: a file under the current directory `cwd`, a test's
/// package folder, starts with `./`).
fn first_own_frame(backtrace: &str, lesson: &str, cwd: &str) -> Option<Origin> {
    let lines: Vec<&str> = backtrace.lines().collect();
    // The hook's frames come first, then std's, down to where the panic began.
    let began = |line: &&str| {
        ["begin_unwind", "begin_panic"]
            .iter()
            .any(|b| line.contains(b))
    };
    let hook = |line: &&str| line.contains("install_hook");
    let after = lines
        .iter()
        .position(began)
        .or_else(|| lines.iter().rposition(hook))
        .map_or(0, |i| i + 1);
    lines[after..].iter().find_map(|line| {
        let place = line.trim().strip_prefix("at ")?;
        // FILE:LINE:COLUMN (a Windows file has a colon of its own: split from the right).
        let mut parts = place.rsplitn(3, ':');
        let (_column, line, file) = (parts.next()?, parts.next()?, parts.next()?);
        let line: u32 = line.parse().ok()?;
        let file = match file.strip_prefix("./").or_else(|| file.strip_prefix(".\\")) {
            Some(rest) => format!("{cwd}/{rest}"),
            None => file.to_string(),
        };
        match origin(&file, line, lesson) {
            Origin::Library => None,
            own => Some(own),
        }
    })
}

/// A panic hook that keeps quiet about the learner's panics inside [`yours`] (which reports
/// them), prints a check's [`fail`] as its message alone, and leaves every other panic to the
/// usual hook.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let usual = panic::take_hook();
        // Panic locations are relative to the workspace (lessons/04-accept/src/exercise.rs),
        // a variant's is its full path (…/lessons/04-accept/variants/wrong_x.rs).
        let lesson = std::env::var("CARGO_MANIFEST_DIR")
            .ok()
            .and_then(|d| Some(Path::new(&d).file_name()?.to_string_lossy().into_owned()));
        panic::set_hook(Box::new(move |info| {
            if FAILING.with(|f| f.replace(false)) {
                if let Some(text) = info.payload().downcast_ref::<String>() {
                    eprintln!("{text}");
                    return;
                }
            }
            let (Some(lesson), Some(location)) = (lesson.as_deref(), info.location()) else {
                return usual(info);
            };
            if !INSIDE.with(|i| i.get()) {
                return usual(info);
            }
            let (place, in_library) = match origin(location.file(), location.line(), lesson) {
                Origin::Learner(place) => (Some(place), false),
                Origin::Check => return usual(info),
                // In a library: which line of the lesson called it? The first of the
                // lesson's frames says, and whether it was the learner's or a check's.
                Origin::Library => {
                    let backtrace = Backtrace::force_capture().to_string();
                    let cwd = std::env::current_dir().unwrap_or_default();
                    match first_own_frame(&backtrace, lesson, &cwd.to_string_lossy()) {
                        Some(Origin::Learner(place)) => (Some(place), true),
                        Some(_) => return usual(info),
                        None => (None, true),
                    }
                }
            };
            let text = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            PANIC.with(|p| {
                *p.borrow_mut() = Some(Caught {
                    text,
                    place,
                    in_library,
                })
            });
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// What `yours` fails with when `call` panics: the message of its [`fail`].
    fn failure_of(call: fn()) -> String {
        let payload = panic::catch_unwind(|| yours(call)).expect_err("the call panics");
        payload
            .downcast_ref::<String>()
            .cloned()
            .expect("a fail() message")
    }

    // testkit's own src/ plays the lesson's src/ here: these functions are "the learner's".
    fn learner_panics() {
        panic!("the list is empty");
    }

    fn learner_doubles_too_far() {
        let longest = std::hint::black_box(Duration::MAX);
        let _ = longest * 2;
    }
    /// The line of `longest * 2` above.
    const DOUBLING: u32 = line!() - 3;

    #[test]
    fn a_panic_in_the_learners_code_names_its_line() {
        let message = failure_of(learner_panics);
        assert!(
            message.contains("Your function panicked at src/report.rs:"),
            "{message}"
        );
        assert!(
            message.contains("got:      a panic: the list is empty"),
            "{message}"
        );
        assert!(
            message.contains("check:    report::tests::a_panic_in_the_learners_code"),
            "{message}"
        );
    }

    #[test]
    fn todo_in_the_learners_code_says_write_it_first() {
        let message = failure_of(|| todo!());
        assert!(
            message.contains("Your function reached todo!() at src/report.rs:"),
            "{message}"
        );
    }

    #[test]
    fn a_panic_in_std_names_the_learners_line_that_called_it() {
        let message = failure_of(learner_doubles_too_far);
        assert!(
            message.contains("Your function panicked: overflow when multiplying duration"),
            "{message}"
        );
        // The line of `longest * 2`, from the backtrace (the panic itself is in core).
        assert!(
            message.contains(&format!(
                "library call your function made at src/report.rs:{DOUBLING}"
            )),
            "{message}"
        );
        assert!(
            message.contains("check:    report::tests::a_panic_in_std"),
            "{message}"
        );
    }

    #[test]
    fn without_a_backtrace_a_library_panic_is_still_reported() {
        let (what, got) = describe(&Caught {
            text: "overflow when adding duration to instant".into(),
            place: None,
            in_library: true,
        });
        assert!(
            what.starts_with("Your function panicked: overflow when adding"),
            "{what}"
        );
        assert!(
            what.contains("inside a library call your function made"),
            "{what}"
        );
        assert_eq!(got, "a panic: overflow when adding duration to instant");
    }

    #[test]
    fn backtrace_frames_are_sorted_by_folder() {
        let trace =
            "   0: core::time::mul\n             at /rustc/abc/library/core/src/time.rs:9:1\n   \
                     1: x::latencies\n             at ./lessons/29-load/src/exercise.rs:40:9\n";
        assert!(matches!(
            first_own_frame(trace, "29-load", "/w"),
            Some(Origin::Learner(place)) if place == "src/exercise.rs:40"
        ));
        // Under the current directory (a test's: the lesson's folder).
        let trace = "   1: tests::helper\n             at ./tests/exercise.rs:7:3\n";
        let cwd = "/w/lessons/29-load";
        assert!(matches!(
            first_own_frame(trace, "29-load", cwd),
            Some(Origin::Check)
        ));
        let variant = "at C:\\w\\lessons\\04-accept\\variants\\wrong_x.rs:12:5";
        assert!(matches!(
            first_own_frame(variant, "04-accept", "C:\\w"),
            Some(Origin::Learner(place)) if place == "variants/wrong_x.rs:12"
        ));
    }
}
