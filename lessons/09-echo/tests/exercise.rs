//! The exercise's checks: your `echo_lines` runs here on a test connection that hands out the
//! lines a client sent and records every echo. They check what goes back to the client, in
//! which order, what the loop returns and when it stops, never what anything prints.
//! (`cargo exercise lesson-09-echo` runs them on src/exercise.rs.)

use std::io::ErrorKind;

use common::{LessonError, Result};
use lesson_09_echo::{echo_lines, Lines};
use testkit::{fail, yours};

/// One client, as the echo loop sees it: the lines it sends (then end of stream, or an
/// error), and everything the loop did on the connection.
struct Client {
    lines: Vec<Vec<u8>>,
    /// After the lines: end of stream (None), or this error from read_line.
    then_error: Option<ErrorKind>,
    /// write_all fails on this echo (1 = the first).
    write_fails_at: Option<usize>,
    calls: Vec<String>,
    echoes: Vec<Vec<u8>>,
}

impl Client {
    fn sending(lines: &[&[u8]]) -> Self {
        Client {
            lines: lines.iter().rev().map(|l| l.to_vec()).collect(),
            then_error: None,
            write_fails_at: None,
            calls: Vec::new(),
            echoes: Vec::new(),
        }
    }
}

impl Lines for Client {
    fn read_line(&mut self, line: &mut Vec<u8>) -> Result<usize> {
        if self.calls.len() > 1000 {
            fail(
                "Your loop goes on calling read_line after the client has ended its stream.",
                "no call after read_line returned 0 (or an error)",
                "more than 1000 calls",
            );
        }
        match self.lines.pop() {
            Some(next) => {
                self.calls.push(format!("read_line -> {}", show(&next)));
                line.extend_from_slice(&next);
                Ok(next.len())
            }
            None => match self.then_error {
                Some(kind) => {
                    self.calls.push(format!("read_line -> error {kind:?}"));
                    Err(LessonError::io("read_line", kind.into(), "lesson-09-echo"))
                }
                None => {
                    self.calls.push("read_line -> 0 (end of stream)".into());
                    Ok(0)
                }
            },
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.calls.push(format!("write_all({})", show(bytes)));
        self.echoes.push(bytes.to_vec());
        if self.write_fails_at == Some(self.echoes.len()) {
            return Err(LessonError::io(
                "write_all",
                ErrorKind::BrokenPipe.into(),
                "lesson-09-echo",
            ));
        }
        Ok(())
    }
}

fn show(bytes: &[u8]) -> String {
    format!("b\"{}\"", bytes.escape_ascii())
}

fn show_all(lines: &[Vec<u8>]) -> String {
    if lines.is_empty() {
        return "(nothing)".into();
    }
    lines.iter().map(|l| show(l)).collect::<Vec<_>>().join(", ")
}

/// Run the learner's loop on this client; check the echoes and the count.
fn echoes_each_line(sent: &[&[u8]]) {
    let mut client = Client::sending(sent);
    let result = yours(|| echo_lines(&mut client));
    let expected: Vec<Vec<u8>> = sent.iter().map(|l| l.to_vec()).collect();
    if client.echoes != expected {
        fail(
            &format!(
                "The client sent {} and got the wrong echoes back (each line, alone, as sent).",
                show_all(&expected)
            ),
            &show_all(&expected),
            &format!(
                "{}\n(calls: {})",
                show_all(&client.echoes),
                client.calls.join("; ")
            ),
        );
    }
    match result {
        Ok(n) if n == sent.len() as u64 => {}
        other => fail(
            "After end of stream, echo_lines returns how many lines it echoed.",
            &format!("Ok({})", sent.len()),
            &format!("{other:?}"),
        ),
    }
}

#[test]
fn one_line_comes_back() {
    echoes_each_line(&[b"hello\n"]);
}

#[test]
fn each_line_comes_back_alone() {
    echoes_each_line(&[b"hello\n", b"world\n", b"third\n"]);
}

#[test]
fn the_bytes_come_back_unchanged_utf8_or_not() {
    echoes_each_line(&[b"caf\xc3\xa9 \xff\xfe\n", b"  spaces kept \t\r\n", b"\n"]);
}

#[test]
fn a_client_that_sends_nothing_gets_nothing() {
    echoes_each_line(&[]);
}

#[test]
fn many_lines_all_come_back_in_order() {
    let lines: Vec<Vec<u8>> = (0..200)
        .map(|i| format!("line {i}\n").into_bytes())
        .collect();
    let sent: Vec<&[u8]> = lines.iter().map(|l| l.as_slice()).collect();
    echoes_each_line(&sent);
}

#[test]
fn errors_from_read_line_end_the_loop() {
    let mut client = Client::sending(&[b"hello\n"]);
    client.then_error = Some(ErrorKind::TimedOut);
    let result = yours(|| echo_lines(&mut client));
    let expected =
        "read_line -> b\"hello\\n\"; write_all(b\"hello\\n\"); read_line -> error TimedOut";
    if client.calls.join("; ") != expected {
        fail(
            "read_line failed (the client was too slow): the loop stops there, no more calls.",
            expected,
            &client.calls.join("; "),
        );
    }
    if result.as_ref().map_err(|e| e.kind()) != Err(Some(ErrorKind::TimedOut)) {
        fail(
            "read_line's error is returned as it is.",
            "Err(timed out)",
            &format!("{result:?}"),
        );
    }
}

#[test]
fn errors_from_write_all_end_the_loop() {
    let mut client = Client::sending(&[b"one\n", b"two\n", b"three\n"]);
    client.write_fails_at = Some(1);
    let result = yours(|| echo_lines(&mut client));
    let expected = "read_line -> b\"one\\n\"; write_all(b\"one\\n\")";
    if client.calls.join("; ") != expected {
        fail(
            "write_all failed (the client stopped reading): the loop stops there, no more calls.",
            expected,
            &client.calls.join("; "),
        );
    }
    if result.as_ref().map_err(|e| e.kind()) != Err(Some(ErrorKind::BrokenPipe)) {
        fail(
            "write_all's error is returned as it is.",
            "Err(broken pipe)",
            &format!("{result:?}"),
        );
    }
}
