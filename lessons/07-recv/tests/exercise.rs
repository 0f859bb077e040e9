//! The exercise's checks: your `read_message` runs here, in the test, on fake connections
//! that deliver the bytes in the pieces the check chooses (one byte per recv(), two messages
//! in one, a cut in the middle, an error on cue). They check what it returns, what it leaves
//! for the next call and how much memory it asks for, never what anything prints.
//! (`cargo exercise lesson-07-recv` runs them on src/exercise.rs.)

use std::io::{self, ErrorKind, Read};

use lesson_07_recv::read_message;
use testkit::allocations::{largest_during, Counting};
use testkit::{fail, yours};

/// Counts, per thread, what the check's thread asks the allocator for (testkit::allocations).
#[global_allocator]
static COUNTING: Counting = Counting;

/// A fake connection: each `read` (recv) hands out the next piece, cut to the buffer's size
/// (what is left of a piece stays for the next read); then 0, end of stream. A piece can
/// also be an error.
struct Pieces {
    pieces: Vec<Result<Vec<u8>, ErrorKind>>,
    reads: usize,
}

impl Pieces {
    fn new(pieces: Vec<Result<Vec<u8>, ErrorKind>>) -> Pieces {
        Pieces { pieces, reads: 0 }
    }

    /// All these bytes, one byte per recv().
    fn one_byte_at_a_time(bytes: &[u8]) -> Pieces {
        Pieces::new(bytes.iter().map(|&b| Ok(vec![b])).collect())
    }

    /// All these bytes at once: a recv() gets as many as its buffer holds.
    fn all_at_once(bytes: &[u8]) -> Pieces {
        Pieces::new(vec![Ok(bytes.to_vec())])
    }

    /// The bytes no read has taken yet.
    fn left(&self) -> Vec<u8> {
        self.pieces
            .iter()
            .filter_map(|p| p.as_ref().ok())
            .flatten()
            .copied()
            .collect()
    }
}

impl Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads += 1;
        if self.reads > 100_000 {
            fail(
                "read_message called read() 100000 times: it loops for ever.",
                "read_message returns once the message is whole, or at end of stream",
                "read() after read() after read() ...",
            );
        }
        if buf.is_empty() {
            return Ok(0);
        }
        match self.pieces.first_mut() {
            None => Ok(0),
            Some(Err(kind)) => {
                let kind = *kind;
                let _ = self.pieces.remove(0);
                Err(kind.into())
            }
            Some(Ok(piece)) => {
                let n = piece.len().min(buf.len());
                buf[..n].copy_from_slice(&piece[..n]);
                piece.drain(..n);
                if piece.is_empty() {
                    let _ = self.pieces.remove(0);
                }
                Ok(n)
            }
        }
    }
}

/// Length framing: 4 bytes of length, big-endian, then the bytes.
fn frame(message: &[u8]) -> Vec<u8> {
    let mut framed = (message.len() as u32).to_be_bytes().to_vec();
    framed.extend_from_slice(message);
    framed
}

fn show(result: &io::Result<Option<Vec<u8>>>) -> String {
    match result {
        Ok(Some(message)) => format!("Ok(Some(b\"{}\"))", message.escape_ascii()),
        Ok(None) => "Ok(None)".into(),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}

/// Your function's answer must be this message.
#[track_caller]
fn got_message(result: &io::Result<Option<Vec<u8>>>, expected: &[u8], how: &str) {
    if !matches!(result, Ok(Some(m)) if m == expected) {
        fail(
            &format!("read_message did not return the whole message ({how})."),
            &format!("Ok(Some(b\"{}\"))", expected.escape_ascii()),
            &show(result),
        );
    }
}

/// Your function's answer must be an error of this kind.
#[track_caller]
fn got_error(result: &io::Result<Option<Vec<u8>>>, kind: ErrorKind, why: &str) {
    if !matches!(result, Err(e) if e.kind() == kind) {
        fail(
            &format!("read_message should fail with {kind:?}: {why}."),
            &format!("Err({kind:?}: any words you like)"),
            &show(result),
        );
    }
}

#[test]
fn a_message_that_comes_one_byte_per_recv_comes_out_whole() {
    let mut conn = Pieces::one_byte_at_a_time(&frame(b"hello, world"));
    let result = yours(|| read_message(&mut conn, 1024));
    got_message(
        &result,
        b"hello, world",
        "each recv() gave one byte; the length bytes 00 00 00 0c say 12, big-endian",
    );
}

#[test]
fn a_message_cut_anywhere_comes_out_whole() {
    // The length in two pieces, the body in three, as TCP may well deliver them.
    let pieces = [&b"\0\0"[..], b"\0\x0c", b"hel", b"lo, wo", b"rld"];
    let mut conn = Pieces::new(pieces.iter().map(|p| Ok(p.to_vec())).collect());
    let result = yours(|| read_message(&mut conn, 1024));
    got_message(
        &result,
        b"hello, world",
        "cut in five pieces; the length bytes 00 00 00 0c say 12, big-endian",
    );
}

/// The bytes of the next message are still in the connection, for the next call.
#[track_caller]
fn next_message_left(conn: &Pieces, expected: &[u8]) {
    if conn.left() != expected {
        fail(
            "read_message took bytes that belong to the NEXT message: they are gone for the \
             next call.",
            &format!("left in the connection: b\"{}\"", expected.escape_ascii()),
            &format!(
                "left in the connection: b\"{}\"",
                conn.left().escape_ascii()
            ),
        );
    }
}

#[test]
fn two_messages_in_one_recv_come_out_one_at_a_time() {
    let both = [frame(b"first"), frame(b"second")].concat();
    let mut conn = Pieces::all_at_once(&both);
    let first = yours(|| read_message(&mut conn, 1024));
    got_message(&first, b"first", "both messages had arrived together");
    next_message_left(&conn, &frame(b"second"));
    let second = yours(|| read_message(&mut conn, 1024));
    got_message(
        &second,
        b"second",
        "the second of two that arrived together",
    );
    let end = yours(|| read_message(&mut conn, 1024));
    if !matches!(end, Ok(None)) {
        fail(
            "After the last message, end of stream is Ok(None).",
            "Ok(None)",
            &show(&end),
        );
    }
}

#[test]
fn an_empty_message_is_a_message() {
    let mut conn = Pieces::all_at_once(&[frame(b""), frame(b"next")].concat());
    let result = yours(|| read_message(&mut conn, 1024));
    got_message(&result, b"", "a length of 0 announces an empty message");
    next_message_left(&conn, &frame(b"next"));
    let next = yours(|| read_message(&mut conn, 1024));
    got_message(&next, b"next", "the message after an empty one");
}

#[test]
fn end_of_stream_between_messages_is_none() {
    let mut conn = Pieces::new(vec![]);
    let result = yours(|| read_message(&mut conn, 1024));
    if !matches!(result, Ok(None)) {
        fail(
            "The peer closed before a message began: a clean end, Ok(None).",
            "Ok(None)",
            &show(&result),
        );
    }
}

#[test]
fn end_of_stream_in_the_length_is_an_error() {
    let mut conn = Pieces::all_at_once(b"\0\0");
    let result = yours(|| read_message(&mut conn, 1024));
    got_error(
        &result,
        ErrorKind::UnexpectedEof,
        "the peer closed after 2 of the 4 length bytes",
    );
}

#[test]
fn end_of_stream_in_the_body_is_an_error_not_a_shorter_message() {
    let mut conn = Pieces::all_at_once(&frame(b"hello, world")[..9]);
    let result = yours(|| read_message(&mut conn, 1024));
    got_error(
        &result,
        ErrorKind::UnexpectedEof,
        "the peer closed after 5 of the 12 bytes announced",
    );
}

#[test]
fn a_message_of_exactly_max_bytes_passes_one_more_does_not() {
    let mut five = Pieces::all_at_once(&frame(b"12345"));
    let result = yours(|| read_message(&mut five, 5));
    got_message(&result, b"12345", "5 bytes, and the limit is 5");
    let mut six = Pieces::all_at_once(&frame(b"123456"));
    let result = yours(|| read_message(&mut six, 5));
    got_error(
        &result,
        ErrorKind::InvalidData,
        "6 bytes announced, and the limit is 5",
    );
}

#[test]
fn the_length_is_checked_before_any_memory_is_set_aside() {
    let announced: u32 = 64 * 1024 * 1024;
    let mut conn = Pieces::all_at_once(&announced.to_be_bytes());
    let (result, largest) = largest_during(|| yours(|| read_message(&mut conn, 1024)));
    got_error(
        &result,
        ErrorKind::InvalidData,
        "64 MiB announced, and the limit is 1024 bytes",
    );
    if largest > 64 * 1024 {
        fail(
            "read_message refused the 64 MiB message, but only after setting aside memory \
             for it: check the length BEFORE allocating.",
            "no allocation over 64 KiB (the limit is 1024 bytes)",
            &format!("an allocation of {largest} bytes"),
        );
    }
}

#[test]
fn a_small_message_takes_memory_for_its_length_not_for_the_limit() {
    // The limit is generous (64 MiB), the message is 5 bytes: a server with many connections
    // cannot set the limit aside for every message.
    let mut conn = Pieces::all_at_once(b"\0\0\0\x05hello");
    let (result, largest) = largest_during(|| yours(|| read_message(&mut conn, 64 * 1024 * 1024)));
    got_message(&result, b"hello", "5 bytes announced, the limit 64 MiB");
    if largest > 64 * 1024 {
        fail(
            "read_message set aside memory for the limit, not for the message: a 5-byte \
             message needs 5 bytes.",
            "no allocation over 64 KiB (the message is 5 bytes, the limit 64 MiB)",
            &format!("an allocation of {largest} bytes"),
        );
    }
}

#[test]
fn an_interrupted_recv_is_tried_again() {
    let mut conn = Pieces::new(vec![
        Err(ErrorKind::Interrupted),
        Ok(b"\0\0\0".to_vec()),
        Err(ErrorKind::Interrupted),
        Ok(b"\x02ok".to_vec()),
    ]);
    let result = yours(|| read_message(&mut conn, 1024));
    got_message(
        &result,
        b"ok",
        "two recv() calls were Interrupted: a signal, nothing taken",
    );
}

#[test]
fn any_other_error_is_returned_as_it_is() {
    for kind in [ErrorKind::ConnectionReset, ErrorKind::WouldBlock] {
        let mut conn = Pieces::new(vec![Ok(b"\0\0\0\x05he".to_vec()), Err(kind)]);
        let result = yours(|| read_message(&mut conn, 1024));
        got_error(
            &result,
            kind,
            "the recv() in the middle of the body failed so",
        );
    }
}
