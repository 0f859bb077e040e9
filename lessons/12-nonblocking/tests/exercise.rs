//! The exercise's checks: your `read_ready` runs here on a test socket that behaves like a
//! non-blocking one: each read hands over the next scripted chunk of bytes, or WouldBlock, or
//! an error. They check the lines, what stays pending, how the call ended and how many reads it
//! made, never what anything prints.
//! (`cargo exercise lesson-12-nonblocking` runs them on src/exercise.rs.)

use std::collections::VecDeque;
use std::io::{self, ErrorKind, Read};

use lesson_12_nonblocking::{read_ready, Ended, MAX_LINE, READS_PER_TURN};
use testkit::{fail, yours};

/// What one read hands over.
enum Step {
    Bytes(Vec<u8>),
    WouldBlock,
    Interrupted,
    Fail,
}

/// A non-blocking socket with a script. Once the script is done it keeps answering WouldBlock,
/// or, if `endless`, hands over 4 KiB of `x` each time, as a client that never stops sending.
struct Script {
    steps: VecDeque<Step>,
    endless: bool,
    reads: usize,
    /// How many bytes the reads handed over in all.
    given: usize,
    /// Fail the check at once if read more often than this (a read that should not happen).
    most: usize,
    /// Why a read past `most` is wrong, as the failure says it.
    why: &'static str,
}

fn script(steps: Vec<Step>) -> Script {
    Script {
        steps: steps.into(),
        endless: false,
        reads: 0,
        given: 0,
        most: 1000,
        why: "read_ready read again when it should have returned.",
    }
}

fn bytes(b: &[u8]) -> Step {
    Step::Bytes(b.to_vec())
}

impl Read for Script {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads += 1;
        if self.reads > self.most {
            fail(
                self.why,
                &format!("at most {} reads in this call", self.most),
                &format!("read number {}", self.reads),
            );
        }
        let step = match self.steps.pop_front() {
            Some(step) => step,
            None if self.endless => Step::Bytes(vec![b'x'; 4096]),
            None => Step::WouldBlock,
        };
        match step {
            Step::Bytes(b) => {
                // A read takes at most what fits in the caller's buffer; the rest waits.
                let n = b.len().min(buf.len());
                buf[..n].copy_from_slice(&b[..n]);
                if n < b.len() {
                    self.steps.push_front(Step::Bytes(b[n..].to_vec()));
                }
                self.given += n;
                Ok(n)
            }
            Step::WouldBlock => Err(ErrorKind::WouldBlock.into()),
            Step::Interrupted => Err(ErrorKind::Interrupted.into()),
            Step::Fail => Err(io::Error::new(ErrorKind::ConnectionReset, "reset by peer")),
        }
    }
}

/// Run your read_ready once: (how it ended, the lines, what is pending, reads made).
fn run(socket: Script, pending: Vec<u8>) -> (io::Result<Ended>, Vec<Vec<u8>>, Vec<u8>, usize) {
    let (ended, lines, pending, reads, _) = run_counted(socket, pending);
    (ended, lines, pending, reads)
}

/// The same, and how many bytes the reads handed over.
fn run_counted(
    mut socket: Script,
    mut pending: Vec<u8>,
) -> (io::Result<Ended>, Vec<Vec<u8>>, Vec<u8>, usize, usize) {
    let mut lines = Vec::new();
    let ended = yours(|| read_ready(&mut socket, &mut pending, &mut lines));
    (ended, lines, pending, socket.reads, socket.given)
}

fn show(lines: &[Vec<u8>]) -> String {
    let shown: Vec<String> = lines
        .iter()
        .map(|l| format!("b\"{}\"", l.escape_ascii()))
        .collect();
    format!("[{}]", shown.join(", "))
}

fn short(bytes: &[u8]) -> String {
    match bytes.len() > 60 {
        true => format!("{} bytes", bytes.len()),
        false => format!("b\"{}\"", bytes.escape_ascii()),
    }
}

#[track_caller]
fn ended_as(got: &io::Result<Ended>, expected: Ended, why: &str) {
    match got {
        Ok(e) if *e == expected => {}
        other => fail(
            why,
            &format!("Ok(Ended::{expected:?})"),
            &format!("{other:?}"),
        ),
    }
}

#[track_caller]
fn lines_are(got: &[Vec<u8>], expected: &[&[u8]], why: &str) {
    let expected: Vec<Vec<u8>> = expected.iter().map(|l| l.to_vec()).collect();
    if got != expected {
        fail(why, &show(&expected), &show(got));
    }
}

#[test]
fn lines_are_split_across_and_within_reads() {
    let (ended, lines, pending, _) = run(
        script(vec![
            bytes(b"hel"),
            bytes(b"lo\nwo"),
            bytes(b"r"),
            bytes(b"l"),
            bytes(b"d\n\nand"),
        ]),
        Vec::new(),
    );
    lines_are(
        &lines,
        &[b"hello\n", b"world\n", b"\n"],
        "Wrong lines: a line is the bytes up to and with its \\n, whatever the reads were \
         (reads: b\"hel\", b\"lo\\nwo\", b\"r\", b\"l\", b\"d\\n\\nand\", then WouldBlock; \
         a line may take many reads, and each read's bytes join what is pending).",
    );
    if pending != b"and" {
        fail(
            "What follows the last \\n must stay in `pending`, for the next call.",
            "b\"and\"",
            &short(&pending),
        );
    }
    ended_as(
        &ended,
        Ended::WouldBlock,
        "The last read said WouldBlock: nothing more for now.",
    );
}

#[test]
fn lines_are_bytes_not_text() {
    // "café ÿ" in Latin-1 and UTF-8 at once, a \r, and a UTF-8 character cut between reads.
    let (ended, lines, _, _) = run(
        script(vec![bytes(b"caf\xc3"), bytes(b"\xa9 \xff\r\n\x00\n")]),
        Vec::new(),
    );
    lines_are(
        &lines,
        &[b"caf\xc3\xa9 \xff\r\n", b"\x00\n"],
        "The lines must be the bytes the client sent, exactly: the protocol is bytes, not \
         UTF-8 text (reads: b\"caf\\xc3\", b\"\\xa9 \\xff\\r\\n\\x00\\n\").",
    );
    ended_as(&ended, Ended::WouldBlock, "The last read said WouldBlock.");
}

#[test]
fn a_line_begun_in_an_earlier_call_is_finished_from_pending() {
    let (ended, lines, pending, _) = run(script(vec![bytes(b"ld\nnext")]), b"hello wor".to_vec());
    lines_are(
        &lines,
        &[b"hello world\n"],
        "`pending` held b\"hello wor\" from the last call; this call read b\"ld\\nnext\".",
    );
    if pending != b"next" {
        fail(
            "What stays pending is wrong.",
            "b\"next\"",
            &short(&pending),
        );
    }
    ended_as(&ended, Ended::WouldBlock, "The last read said WouldBlock.");
}

#[test]
fn edge_triggered_reading_goes_on_until_would_block() {
    let (ended, lines, _, reads) = run(
        script(vec![bytes(b"one\n"), bytes(b"two\n"), bytes(b"three\n")]),
        Vec::new(),
    );
    lines_are(
        &lines,
        &[b"one\n", b"two\n", b"three\n"],
        "Three reads' worth of bytes were waiting, and readiness is reported once (edge-\
         triggered): bytes left unread now get no event of their own, so they would wait for \
         ever.",
    );
    ended_as(&ended, Ended::WouldBlock, "Read until WouldBlock.");
    if reads != 4 {
        fail(
            "read_ready should read until a read says WouldBlock.",
            "4 reads (3 with bytes, then WouldBlock)",
            &format!("{reads} reads"),
        );
    }
}

#[test]
fn the_reads_per_turn_are_bounded_for_a_client_that_never_stops() {
    let mut socket = script(Vec::new());
    // Valid lines, without pause: 100 reads' worth, more than one turn may take.
    socket.steps = (0..100).map(|_| bytes(&b"hi\n".repeat(1000))).collect();
    socket.most = READS_PER_TURN;
    socket.why = "A client that never stops sending: after READS_PER_TURN reads read_ready \
                  must return Ended::MoreLeft, and it read again.";
    let (ended, lines, pending, reads, given) = run_counted(socket, Vec::new());
    ended_as(
        &ended,
        Ended::MoreLeft,
        "A client that sends without pause must not keep the loop here: after READS_PER_TURN \
         reads, return MoreLeft, and the loop serves the others first.",
    );
    if reads != READS_PER_TURN || lines.is_empty() || pending.len() > MAX_LINE {
        fail(
            "Exactly READS_PER_TURN reads, each one's lines taken.",
            &format!("{READS_PER_TURN} reads"),
            &format!("{reads} reads, {} lines", lines.len()),
        );
    }
    let kept = lines.iter().map(Vec::len).sum::<usize>() + pending.len();
    if kept != given {
        fail(
            "Every byte read must end up in `lines` or `pending`, the last read's too: those \
             bytes are out of the kernel, and nothing will bring them back.",
            &format!("{given} bytes read, {given} bytes in lines and pending"),
            &format!("{given} bytes read, {kept} bytes in lines and pending"),
        );
    }
}

#[test]
fn a_line_of_max_line_bytes_is_accepted() {
    let mut line = vec![b'a'; MAX_LINE - 1];
    line.push(b'\n');
    let (ended, lines, _, _) = run(script(vec![bytes(&line)]), Vec::new());
    if lines != [line.clone()] {
        fail(
            "A line of exactly MAX_LINE bytes, its \\n included, is allowed.",
            &format!("1 line of {MAX_LINE} bytes"),
            &format!("{:?} ({} lines)", ended, lines.len()),
        );
    }
    ended_as(&ended, Ended::WouldBlock, "The last read said WouldBlock.");
}

#[test]
fn the_newline_counts_in_the_line_limit() {
    let mut line = vec![b'a'; MAX_LINE];
    line.push(b'\n');
    let (ended, lines, pending, _) = run(script(vec![bytes(&line)]), Vec::new());
    ended_as(
        &ended,
        Ended::TooLong,
        &format!(
            "A line of MAX_LINE + 1 bytes ({} with its \\n) is too long, even when it is whole.",
            MAX_LINE + 1
        ),
    );
    if !lines.is_empty() {
        fail("A refused line is not a line.", "[]", &show(&lines));
    }
    if pending.len() > MAX_LINE {
        fail(
            "`pending` never holds more than MAX_LINE bytes, not even the line being refused.",
            &format!("at most {MAX_LINE} bytes pending"),
            &format!("{} bytes pending", pending.len()),
        );
    }
}

#[test]
fn the_line_limit_counts_what_is_pending() {
    // 1000 bytes from an earlier call; this call brings the end of the line, with its \n.
    let start = vec![b'a'; 1000];
    let mut fits = vec![b'b'; MAX_LINE - 1000 - 1];
    fits.push(b'\n');
    let (ended, lines, _, _) = run(script(vec![bytes(&fits)]), start.clone());
    if lines.len() != 1 || lines[0].len() != MAX_LINE {
        fail(
            "1000 bytes were pending, and this read brought 23 more and the \\n: a line of \
             exactly MAX_LINE bytes, allowed.",
            &format!("1 line of {MAX_LINE} bytes"),
            &format!("{ended:?}, {} lines", lines.len()),
        );
    }
    let mut over = vec![b'b'; MAX_LINE - 1000];
    over.push(b'\n');
    let mut socket = script(vec![bytes(&over)]);
    socket.most = 1;
    socket.why = "The line passed MAX_LINE in the first read, and read_ready read on instead of \
                  returning Ended::TooLong.";
    let (ended, lines, pending, _) = run(socket, start);
    ended_as(
        &ended,
        Ended::TooLong,
        "1000 bytes were pending, and this read brought 24 more and the \\n: a line of \
         MAX_LINE + 1 bytes. The limit is on the whole line, what was pending included.",
    );
    if !lines.is_empty() || pending.len() > MAX_LINE {
        fail(
            "A refused line is not a line, and `pending` never holds more than MAX_LINE bytes.",
            &format!("no lines, at most {MAX_LINE} bytes pending"),
            &format!("{} lines, {} bytes pending", lines.len(), pending.len()),
        );
    }
}

#[test]
fn pending_may_hold_max_line_bytes_and_no_more() {
    // The line's first MAX_LINE bytes, in two reads, no newline yet: not refused yet.
    let (ended, _, pending, _) = run(
        script(vec![bytes(&[b'x'; 1000]), bytes(&[b'x'; MAX_LINE - 1000])]),
        Vec::new(),
    );
    ended_as(
        &ended,
        Ended::WouldBlock,
        "Reads of 1000 and 24 bytes, no newline, then WouldBlock: a line of MAX_LINE bytes so \
         far is not too long yet (the refusal comes with its byte MAX_LINE + 1).",
    );
    if pending.len() != MAX_LINE {
        fail(
            "The line on its way stays in `pending`, all MAX_LINE bytes of it.",
            &format!("{MAX_LINE} bytes pending"),
            &format!("{} bytes pending", pending.len()),
        );
    }
    for (next, what) in [(b"x", "b\"x\""), (b"\n", "b\"\\n\"")] {
        let mut socket = script(vec![bytes(next)]);
        socket.most = 1;
        socket.why = "The line passed MAX_LINE in the first read, and read_ready read on \
                      instead of returning Ended::TooLong.";
        let (ended, lines, after, _) = run(socket, pending.clone());
        ended_as(
            &ended,
            Ended::TooLong,
            &format!(
                "MAX_LINE bytes were pending, and the read brought {what}: byte MAX_LINE + 1 \
                 of the line, too long."
            ),
        );
        if !lines.is_empty() || after.len() > MAX_LINE {
            fail(
                "A refused line is not a line, and `pending` never holds more than MAX_LINE \
                 bytes.",
                &format!("no lines, at most {MAX_LINE} bytes pending"),
                &format!("{} lines, {} bytes pending", lines.len(), after.len()),
            );
        }
    }
}

#[test]
fn the_lines_before_a_line_too_long_are_kept() {
    let mut read = b"ok\n".to_vec();
    read.extend_from_slice(&[b'x'; 2000]);
    let (ended, lines, _, _) = run(script(vec![bytes(&read)]), Vec::new());
    lines_are(
        &lines,
        &[b"ok\n"],
        "One read brought b\"ok\\n\" and then 2000 bytes with no newline: the complete line \
         before the one refused is in `lines` (the server answers it before its ERROR).",
    );
    ended_as(
        &ended,
        Ended::TooLong,
        "The second line passed MAX_LINE bytes.",
    );
}

#[test]
fn the_line_limit_holds_against_a_flood_without_newline() {
    // 600 bytes per read: byte 1025 comes with the second read. A third is never needed.
    let mut socket = script((0..8).map(|_| bytes(&[b'x'; 600])).collect());
    socket.endless = true;
    socket.most = 2;
    socket.why = "Two reads of 600 bytes, no newline: the line passed MAX_LINE in the second \
                  read, and read_ready read on instead of returning Ended::TooLong (is the \
                  limit checked on the whole line, `pending` included?).";
    let (ended, _, pending, reads) = run(socket, Vec::new());
    ended_as(
        &ended,
        Ended::TooLong,
        "A newline-less flood must be refused in the read that brings its byte MAX_LINE + 1, \
         not after reading on (the limit is checked at every read).",
    );
    if pending.len() > MAX_LINE {
        fail(
            "`pending` grew past MAX_LINE: the limit exists so that a client cannot make the \
             server hold its bytes.",
            &format!("at most {MAX_LINE} bytes pending"),
            &format!("{} bytes pending after {reads} reads", pending.len()),
        );
    }
}

#[test]
fn end_of_stream_is_eof_and_earlier_lines_are_kept() {
    let (ended, lines, _, reads) = run(
        script(vec![bytes(b"last words\n"), bytes(b""), bytes(b"ghost\n")]),
        Vec::new(),
    );
    lines_are(
        &lines,
        &[b"last words\n"],
        "The line before the end of stream is kept; nothing after it is read.",
    );
    ended_as(
        &ended,
        Ended::Eof,
        "A read of 0 bytes is the end of the stream, not data, and not WouldBlock.",
    );
    if reads != 2 {
        fail(
            "After the end of stream there is nothing more to read.",
            "2 reads",
            &format!("{reads} reads"),
        );
    }
}

#[test]
fn end_of_stream_in_the_middle_of_a_line_leaves_it_pending() {
    let (ended, lines, pending, _) = run(
        script(vec![bytes(b"whole\nhal"), bytes(b"f"), bytes(b"")]),
        Vec::new(),
    );
    lines_are(
        &lines,
        &[b"whole\n"],
        "The client left in the middle of a line (reads: b\"whole\\nhal\", b\"f\", then 0 \
         bytes): a line ends with its \\n, never with the end of stream, so b\"half\" is no \
         line and gets no answer.",
    );
    if pending != b"half" {
        fail(
            "The unfinished line stays in `pending` (the lesson reports it as dropped).",
            "b\"half\"",
            &short(&pending),
        );
    }
    ended_as(
        &ended,
        Ended::Eof,
        "A read of 0 bytes is the end of the stream.",
    );
}

#[test]
fn an_interrupted_read_is_read_again() {
    let (ended, lines, _, _) = run(
        script(vec![Step::Interrupted, bytes(b"after the signal\n")]),
        Vec::new(),
    );
    lines_are(
        &lines,
        &[b"after the signal\n"],
        "A read interrupted by a signal (EINTR) lost nothing: read again.",
    );
    ended_as(&ended, Ended::WouldBlock, "The last read said WouldBlock.");
}

#[test]
fn an_interrupted_read_counts_toward_the_reads_of_a_turn() {
    // A signal storm (EINTR after EINTR) must not keep the call going: every read counts.
    let mut steps: Vec<Step> = (0..READS_PER_TURN + 4).map(|_| Step::Interrupted).collect();
    steps.push(bytes(b"too late\n"));
    let (ended, lines, _, reads) = run(script(steps), Vec::new());
    if !matches!(ended, Ok(Ended::MoreLeft)) || reads != READS_PER_TURN || !lines.is_empty() {
        fail(
            "Every read counts toward READS_PER_TURN, an interrupted one too: after that many \
             reads (each interrupted by a signal here), read_ready returns MoreLeft.",
            &format!("Ok(MoreLeft) after {READS_PER_TURN} reads, no line"),
            &format!("{ended:?} after {reads} reads, lines {}", show(&lines)),
        );
    }
}

#[test]
fn other_errors_are_returned() {
    let (ended, _, _, _) = run(script(vec![bytes(b"a\n"), Step::Fail]), Vec::new());
    match ended {
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => fail(
            "A read failed (connection reset): read_ready returns that error.",
            "Err(ConnectionReset)",
            &format!("{other:?}"),
        ),
    }
}

#[test]
fn read_ready_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your read_ready runs.
    testkit::prints_nothing(
        "read_ready",
        &[
            "lines_are_split_across_and_within_reads",
            "the_lines_before_a_line_too_long_are_kept",
            "end_of_stream_is_eof_and_earlier_lines_are_kept",
        ],
    );
}
