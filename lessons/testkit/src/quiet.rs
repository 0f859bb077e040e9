//! The contract's last line, "print nothing: the lesson narrates around your function",
//! checked. A test cannot see what a check prints (libtest captures it), so
//! [`prints_nothing`] runs some of the checks again in a child of the test binary, with its
//! output not captured, and [`crate::yours`] marks on stderr where each call of the learner's
//! function begins and ends. Whatever comes out between two marks, the learner's function
//! printed.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

use crate::fail;

/// Set in the child: [`crate::yours`] then marks its calls.
const MARKING: &str = "TESTKIT_MARK_YOURS";
/// The marks, never printed by anybody else (control characters around a name).
pub(crate) const BEGIN: &str = "\u{2}yours-begins\u{3}";
pub(crate) const END: &str = "\u{2}yours-ends\u{3}";

/// In the child run only: flush what the learner's code left in stdout's buffer (a `print!`
/// without a newline), then write the mark on stderr, so that both land in order in the one
/// pipe the parent reads.
pub(crate) fn mark(which: &str) {
    static ON: OnceLock<bool> = OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os(MARKING).is_some()) {
        let _ = std::io::stdout().flush();
        eprint!("{which}");
    }
}

/// Check "print nothing": run `checks` (names of tests of this test binary, each of which
/// calls the learner's function through [`crate::yours`]) again in a child process, its
/// stdout and stderr not captured and read as one stream, and fail if anything was printed
/// while a call of the learner's function was under way. A child whose checks fail (the
/// function is wrong in another way, or still `todo!()`) decides nothing here: those checks
/// fail in this run too, with their own message.
pub fn prints_nothing(function: &str, checks: &[&str]) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let (mut reader, writer) = std::io::pipe().expect("a pipe");
    let mut child = Command::new(exe)
        .args(checks)
        .args(["--exact", "--nocapture", "--test-threads", "1"])
        .env(MARKING, "1")
        .stdin(Stdio::null())
        .stdout(writer.try_clone().expect("a pipe"))
        .stderr(writer)
        .spawn()
        .expect("the test binary, run again");
    // Read on a thread, so that a child that never ends cannot block this check.
    let output = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = reader.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    });
    // The child's own watchdog ends a call stuck for 6 × the timeout; this is after that.
    let deadline = Instant::now() + crate::timeout() * 8;
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child's status") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            fail(
                &format!("{function}, run again by the checks {checks:?}, did not finish"),
                "the checks end",
                "still running",
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let output = output.join().expect("the child's output");
    if !status.success() {
        return;
    }
    let printed = without_the_harness(&printed_inside(&output));
    if !printed.is_empty() {
        let shown: String = printed.chars().take(600).collect();
        fail(
            &format!(
                "Your {function} printed while the checks called it: it must print nothing \
                 (the lesson narrates around it; remove your println!/eprintln!/dbg!)"
            ),
            "(nothing)",
            &shown,
        );
    }
}

/// Everything printed between a [`BEGIN`] and its [`END`] (calls may nest, or overlap on
/// several threads: what comes while any call is under way counts).
fn printed_inside(output: &str) -> String {
    let mut printed = String::new();
    let mut depth = 0usize;
    let mut rest = output;
    loop {
        let next = [(BEGIN, rest.find(BEGIN)), (END, rest.find(END))]
            .into_iter()
            .filter_map(|(mark, at)| Some((at?, mark)))
            .min();
        let Some((at, mark)) = next else { break };
        if depth > 0 {
            printed.push_str(&rest[..at]);
        }
        depth = if mark == BEGIN {
            depth + 1
        } else {
            depth.saturating_sub(1)
        };
        rest = &rest[at + mark.len()..];
    }
    printed
}

/// Leave out what libtest itself prints: a function that never returns (a server on a thread
/// of its own) keeps its call open while the harness reports the checks around it.
fn without_the_harness(printed: &str) -> String {
    let harness = |line: &str| {
        let line = line.trim();
        line.is_empty()
            || ["ok", "FAILED", "ignored"].contains(&line)
            || (line.starts_with("test ") && (line.contains(" ... ") || line.ends_with(" ...")))
            || line.starts_with("running ")
            || line.starts_with("test result: ")
            || line.starts_with("successes:")
            || line.starts_with("failures:")
    };
    printed
        .lines()
        .filter(|line| !harness(line))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_comes_between_the_marks_counts() {
        let output = format!(
            "running 1 test\ntest a ... {BEGIN}{END}{BEGIN}hello\n{BEGIN}x{END}{END}ok\n\
             {BEGIN}{END}test result: ok\n"
        );
        assert_eq!(printed_inside(&output), "hello\nx");
        assert_eq!(printed_inside("no marks at all\n"), "");
        assert_eq!(printed_inside(&format!("{BEGIN}{END}{END}after")), "");
    }

    #[test]
    fn the_harness_lines_are_not_the_functions() {
        let inside =
            "ok\ntest b ... ok\nrunning 2 tests\nclient 1 joined\n\ntest result: ok. 2 passed";
        assert_eq!(without_the_harness(inside), "client 1 joined");
        assert_eq!(
            without_the_harness("[narration][narration]"),
            "[narration][narration]"
        );
    }
}
