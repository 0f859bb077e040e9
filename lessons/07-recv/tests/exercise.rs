//! The exercise's checks: your `MessageReader` runs here, in the test, on fake connections
//! that deliver the bytes in the pieces the check chooses (every size, `WouldBlock` between
//! any two bytes, two messages in one, a cut in the middle, an error on cue before, in or
//! after the length; a read that asks for more than the message still lacks fails), and on a
//! real non-blocking socket with a trickling writer. They check what it returns, what it leaves
//! for the next call and how much memory it asks for, never what anything prints.
//! (`cargo exercise lesson-07-recv` runs them on src/exercise.rs.)

use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lesson_07_recv::{MessageReader, Polled};
use testkit::allocations::{largest_during, Counting};
use testkit::{fail, timeout, yours};

/// Counts, per thread, what the check's thread asks the allocator for (testkit::allocations).
#[global_allocator]
static COUNTING: Counting = Counting;

/// A fake connection: each `read` (recv) hands out the next piece, cut to the buffer's size
/// (what is left of a piece stays for the next read); then 0, end of stream. A piece can
/// also be an error. It knows the framing of its bytes, and fails any read that asks for
/// more than what is still missing of the current length or body: on a real socket, the
/// next message's bytes may already be waiting, and such a recv() would take them.
struct Pieces {
    pieces: Vec<Result<Vec<u8>, ErrorKind>>,
    /// All the bytes, as they were at the start (to find where each length and body ends).
    stream: Vec<u8>,
    /// How many of them reads have taken.
    taken: usize,
    reads: usize,
    /// A read said WouldBlock in this call of poll_message.
    blocked: bool,
}

/// Which part of a message the next byte of the stream belongs to.
enum Part {
    /// The 4 bytes of length; this many of them still to come.
    Length(usize),
    /// The body; this many of its bytes still to come, of this many.
    Body(usize, usize),
}

impl Pieces {
    fn new(pieces: Vec<Result<Vec<u8>, ErrorKind>>) -> Pieces {
        let stream = pieces
            .iter()
            .filter_map(|p| p.as_ref().ok())
            .flatten()
            .copied()
            .collect();
        Pieces {
            pieces,
            stream,
            taken: 0,
            reads: 0,
            blocked: false,
        }
    }

    /// Where the next byte falls: in a length or in a body, and how much of it is missing.
    fn part(&self) -> Part {
        let mut start = 0;
        loop {
            let body = start + 4;
            if self.taken < body {
                return Part::Length(body - self.taken);
            }
            let length: [u8; 4] = self.stream[start..body].try_into().unwrap();
            let len = u32::from_be_bytes(length) as usize;
            if self.taken < body + len {
                return Part::Body(body + len - self.taken, len);
            }
            start = body + len;
        }
    }

    /// Fail a read that asks for more than the current part still lacks.
    fn asks_no_more_than_the_part(&self, asked: usize) {
        let (what, missing) = match self.part() {
            Part::Length(missing) if asked > missing => (
                format!(
                    "read({asked}) asked for {asked} bytes, but only {missing} of this message's \
                     4-byte length are still missing ({} came already). Ask for no more: until \
                     the length is whole, nobody knows where the message ends (after a length \
                     of 0, the next byte is the NEXT message's).",
                    4 - missing
                ),
                missing,
            ),
            Part::Body(missing, len) if asked > missing => (
                format!(
                    "read({asked}) asked for {asked} bytes, but only {missing} of this message's \
                     {len} bytes are still missing ({} came already). Ask for no more: on a real \
                     socket the next message's bytes may already be waiting, and a recv() that \
                     big takes them.",
                    len - missing
                ),
                missing,
            ),
            _ => return,
        };
        fail(
            &what,
            &format!("read() with a buffer of at most {missing} bytes"),
            &format!("read() with a buffer of {asked} bytes"),
        );
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
                "poll_message called read() 100000 times: it loops for ever.",
                "poll_message returns once the message is whole, at WouldBlock or at end of stream",
                "read() after read() after read() ...",
            );
        }
        if self.blocked {
            fail(
                "poll_message read again after a read said WouldBlock: on a real socket that \
                 spins, burning a core until the peer sends.",
                "Ok(Polled::NotYet) at the first WouldBlock",
                "read() again, in the same call",
            );
        }
        self.asks_no_more_than_the_part(buf.len());
        if buf.is_empty() {
            return Ok(0);
        }
        match self.pieces.first_mut() {
            None => Ok(0),
            Some(Err(kind)) => {
                let kind = *kind;
                let _ = self.pieces.remove(0);
                self.blocked = kind == ErrorKind::WouldBlock;
                Err(kind.into())
            }
            Some(Ok(piece)) => {
                let n = piece.len().min(buf.len());
                buf[..n].copy_from_slice(&piece[..n]);
                piece.drain(..n);
                self.taken += n;
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

/// These bytes in pieces, with a WouldBlock after each piece.
fn blocking_between(pieces: &[&[u8]]) -> Pieces {
    let mut all = Vec::new();
    for piece in pieces {
        all.push(Ok(piece.to_vec()));
        all.push(Err(ErrorKind::WouldBlock));
    }
    Pieces::new(all)
}

/// Messages as text: [b"one", b""].
fn texts(messages: &[impl AsRef<[u8]>]) -> String {
    let each: Vec<String> = messages
        .iter()
        .map(|m| format!("b\"{}\"", m.as_ref().escape_ascii()))
        .collect();
    format!("[{}]", each.join(", "))
}

fn show(result: &io::Result<Polled>) -> String {
    match result {
        Ok(Polled::Message(message)) => format!("Ok(Message(b\"{}\"))", message.escape_ascii()),
        Ok(other) => format!("Ok({other:?})"),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}

/// One call of your poll_message (the fake may read again afterwards).
fn poll(reader: &mut MessageReader, conn: &mut Pieces) -> io::Result<Polled> {
    conn.blocked = false;
    yours(|| reader.poll_message(conn))
}

/// Call poll_message until it says something other than NotYet; how many NotYet it said.
fn poll_until_done(reader: &mut MessageReader, conn: &mut Pieces) -> (io::Result<Polled>, usize) {
    let mut not_yet = 0;
    loop {
        match poll(reader, conn) {
            Ok(Polled::NotYet) if not_yet < 10_000 => not_yet += 1,
            other => return (other, not_yet),
        }
    }
}

/// Your function's answer must be this message.
#[track_caller]
fn got_message(result: &io::Result<Polled>, expected: &[u8], how: &str) {
    if !matches!(result, Ok(Polled::Message(m)) if m == expected) {
        fail(
            &format!("poll_message did not return the whole message ({how})."),
            &format!("Ok(Message(b\"{}\"))", expected.escape_ascii()),
            &show(result),
        );
    }
}

/// Your function's answer must be exactly this.
#[track_caller]
fn got(result: &io::Result<Polled>, expected: Polled, why: &str) {
    if !matches!(result, Ok(p) if *p == expected) {
        fail(
            &format!("poll_message should say {expected:?}: {why}."),
            &format!("Ok({expected:?})"),
            &show(result),
        );
    }
}

/// Your function's answer must be an error of this kind.
#[track_caller]
fn got_error(result: &io::Result<Polled>, kind: ErrorKind, why: &str) {
    if !matches!(result, Err(e) if e.kind() == kind) {
        fail(
            &format!("poll_message should fail with {kind:?}: {why}."),
            &format!("Err({kind:?}: any words you like)"),
            &show(result),
        );
    }
}

/// The bytes of the next message are still in the connection, for the next call.
#[track_caller]
fn next_message_left(conn: &Pieces, expected: &[u8]) {
    if conn.left() != expected {
        fail(
            "poll_message took bytes that belong to the NEXT message: they are gone for the \
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
fn a_message_in_pieces_of_every_size_comes_out_whole() {
    let framed = frame(b"hello, world");
    for size in 1..=framed.len() {
        let mut conn = Pieces::new(framed.chunks(size).map(|c| Ok(c.to_vec())).collect());
        let mut reader = MessageReader::new(1024);
        let result = poll(&mut reader, &mut conn);
        got_message(
            &result,
            b"hello, world",
            &format!("in pieces of {size} bytes, no WouldBlock; the length 00 00 00 0c says 12, big-endian"),
        );
    }
}

#[test]
fn would_block_between_any_two_bytes_keeps_what_arrived() {
    let framed = frame(b"hello, world");
    for cut in 1..framed.len() {
        let mut conn = blocking_between(&[&framed[..cut], &framed[cut..]]);
        let mut reader = MessageReader::new(1024);
        let first = poll(&mut reader, &mut conn);
        got(
            &first,
            Polled::NotYet,
            &format!(
                "a recv() said WouldBlock after {cut} of {} bytes",
                framed.len()
            ),
        );
        let second = poll(&mut reader, &mut conn);
        got_message(
            &second,
            b"hello, world",
            &format!(
                "the first call got {cut} bytes then WouldBlock; the second call got the other {}",
                framed.len() - cut
            ),
        );
    }
}

#[test]
fn one_byte_per_call_comes_out_whole() {
    let framed = frame(b"hello, world");
    let bytes: Vec<&[u8]> = framed.chunks(1).collect();
    let mut conn = blocking_between(&bytes);
    let mut reader = MessageReader::new(1024);
    let (result, not_yet) = poll_until_done(&mut reader, &mut conn);
    got_message(
        &result,
        b"hello, world",
        "one byte per call, a WouldBlock after each",
    );
    if not_yet != framed.len() - 1 {
        fail(
            "poll_message returned NotYet more or fewer times than recv() said WouldBlock before the message was whole.",
            &format!("{} NotYet, then the message", framed.len() - 1),
            &format!("{not_yet} NotYet, then the message"),
        );
    }
}

#[test]
fn would_block_between_messages_is_nothing_yet() {
    let mut conn = Pieces::new(vec![
        Err(ErrorKind::WouldBlock),
        Ok(frame(b"first")),
        Err(ErrorKind::WouldBlock),
        Ok(frame(b"second")[..3].to_vec()),
        Err(ErrorKind::WouldBlock),
        Ok(frame(b"second")[3..].to_vec()),
    ]);
    let mut reader = MessageReader::new(1024);
    got(
        &poll(&mut reader, &mut conn),
        Polled::NotYet,
        "the first recv() said WouldBlock: nothing has come yet",
    );
    got_message(
        &poll(&mut reader, &mut conn),
        b"first",
        "after a WouldBlock, the whole message came",
    );
    got(
        &poll(&mut reader, &mut conn),
        Polled::NotYet,
        "WouldBlock between two messages: nothing yet",
    );
    got(
        &poll(&mut reader, &mut conn),
        Polled::NotYet,
        "3 bytes of the next length, then WouldBlock",
    );
    got_message(
        &poll(&mut reader, &mut conn),
        b"second",
        "the second message, its length cut after 3 bytes; a fresh start after the first",
    );
    got(
        &poll(&mut reader, &mut conn),
        Polled::Closed,
        "end of stream after the last message",
    );
}

#[test]
fn two_messages_in_one_recv_come_out_one_at_a_time() {
    // This reader takes only the bytes of the message it reads; it never buffers ahead.
    let both = [frame(b"first"), frame(b"second")].concat();
    let mut conn = Pieces::all_at_once(&both);
    let mut reader = MessageReader::new(1024);
    got_message(
        &poll(&mut reader, &mut conn),
        b"first",
        "both messages had arrived together",
    );
    next_message_left(&conn, &frame(b"second"));
    got_message(
        &poll(&mut reader, &mut conn),
        b"second",
        "the second of two that arrived together",
    );
    got(
        &poll(&mut reader, &mut conn),
        Polled::Closed,
        "end of stream after the last message",
    );
}

#[test]
fn an_empty_message_is_a_message() {
    let mut conn = Pieces::all_at_once(&[frame(b""), frame(b"next")].concat());
    let mut reader = MessageReader::new(1024);
    got_message(
        &poll(&mut reader, &mut conn),
        b"",
        "a length of 0 announces an empty message",
    );
    next_message_left(&conn, &frame(b"next"));
    got_message(
        &poll(&mut reader, &mut conn),
        b"next",
        "the message after an empty one",
    );
}

#[test]
fn end_of_stream_before_a_message_is_closed() {
    let mut conn = Pieces::new(vec![]);
    got(
        &poll(&mut MessageReader::new(1024), &mut conn),
        Polled::Closed,
        "the peer closed before a message began",
    );
}

#[test]
fn end_of_stream_in_the_length_is_an_error() {
    let mut conn = Pieces::all_at_once(b"\0\0");
    got_error(
        &poll(&mut MessageReader::new(1024), &mut conn),
        ErrorKind::UnexpectedEof,
        "the peer closed after 2 of the 4 length bytes",
    );
    // The same, with a WouldBlock in between: the 2 bytes of the first call still count.
    let mut conn = blocking_between(&[b"\0\0"]);
    let mut reader = MessageReader::new(1024);
    let (result, _) = poll_until_done(&mut reader, &mut conn);
    got_error(
        &result,
        ErrorKind::UnexpectedEof,
        "2 length bytes, WouldBlock, then the peer closed",
    );
}

#[test]
fn end_of_stream_in_the_body_is_an_error_not_a_shorter_message() {
    let framed = frame(b"hello, world");
    let mut conn = Pieces::all_at_once(&framed[..9]);
    got_error(
        &poll(&mut MessageReader::new(1024), &mut conn),
        ErrorKind::UnexpectedEof,
        "the peer closed after 5 of the 12 bytes announced",
    );
    let mut conn = blocking_between(&[&framed[..6], &framed[6..9]]);
    let mut reader = MessageReader::new(1024);
    let (result, _) = poll_until_done(&mut reader, &mut conn);
    got_error(
        &result,
        ErrorKind::UnexpectedEof,
        "2 bytes of the body, WouldBlock, 3 more, WouldBlock, then the peer closed",
    );
}

#[test]
fn a_message_of_exactly_max_bytes_passes_one_more_does_not() {
    let mut five = Pieces::all_at_once(&frame(b"12345"));
    got_message(
        &poll(&mut MessageReader::new(5), &mut five),
        b"12345",
        "5 bytes, and the limit is 5",
    );
    let mut six = blocking_between(&[b"\0\0", b"\0\x06123456"]);
    let (result, _) = poll_until_done(&mut MessageReader::new(5), &mut six);
    got_error(
        &result,
        ErrorKind::InvalidData,
        "6 bytes announced (the length in two pieces), and the limit is 5",
    );
}

#[test]
fn the_length_is_checked_before_any_memory_is_set_aside() {
    let announced: u32 = 64 * 1024 * 1024;
    let mut conn = Pieces::all_at_once(&announced.to_be_bytes());
    let mut reader = MessageReader::new(1024);
    let (result, largest) = largest_during(|| poll(&mut reader, &mut conn));
    got_error(
        &result,
        ErrorKind::InvalidData,
        "64 MiB announced, and the limit is 1024 bytes",
    );
    if largest > 64 * 1024 {
        fail(
            "poll_message refused the 64 MiB message, but only after setting aside memory \
             for it: check the length BEFORE allocating.",
            "no allocation over 64 KiB (the limit is 1024 bytes)",
            &format!("an allocation of {largest} bytes"),
        );
    }
}

#[test]
fn a_small_message_takes_memory_for_its_length_not_for_the_limit() {
    // The limit is generous (64 MiB), the message is 5 bytes: a server with many connections
    // cannot set the limit aside for every message it is waiting for.
    let mut conn = blocking_between(&[b"\0\0\0\x05he", b"llo"]);
    let (result, largest) = largest_during(|| {
        let mut reader = MessageReader::new(64 * 1024 * 1024);
        poll_until_done(&mut reader, &mut conn).0
    });
    got_message(&result, b"hello", "5 bytes announced, the limit 64 MiB");
    if largest > 64 * 1024 {
        fail(
            "The reader set aside memory for the limit, not for the message: a 5-byte \
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
        Ok(b"\x02".to_vec()),
        Err(ErrorKind::Interrupted),
        Ok(b"o".to_vec()),
        Err(ErrorKind::Interrupted),
        Ok(b"k".to_vec()),
    ]);
    got_message(
        &poll(&mut MessageReader::new(1024), &mut conn),
        b"ok",
        "four recv() calls were Interrupted: before the length, in it, before the body and in \
         it. A signal, nothing taken: read again, in the same call",
    );
}

#[test]
fn any_other_error_is_returned_as_it_is() {
    let reset = || Err(ErrorKind::ConnectionReset);
    let mut conn = Pieces::new(vec![reset()]);
    got_error(
        &poll(&mut MessageReader::new(1024), &mut conn),
        ErrorKind::ConnectionReset,
        "the first recv() failed so, before any byte: an error is neither a clean end of \
         stream (Closed) nor nothing yet (NotYet)",
    );
    let mut conn = Pieces::new(vec![Ok(frame(b"first")), reset()]);
    let mut reader = MessageReader::new(1024);
    got_message(
        &poll(&mut reader, &mut conn),
        b"first",
        "a whole message, before a recv() failed with ConnectionReset",
    );
    got_error(
        &poll(&mut reader, &mut conn),
        ErrorKind::ConnectionReset,
        "the recv() after a whole message, before the next one, failed so: an error is \
         neither a clean end of stream (Closed) nor nothing yet (NotYet)",
    );
    let mut conn = Pieces::new(vec![Ok(b"\0\0".to_vec()), reset()]);
    got_error(
        &poll(&mut MessageReader::new(1024), &mut conn),
        ErrorKind::ConnectionReset,
        "the recv() after 2 of the 4 length bytes failed so",
    );
    let mut conn = Pieces::new(vec![
        Ok(b"\0\0".to_vec()),
        Err(ErrorKind::WouldBlock),
        reset(),
    ]);
    let mut reader = MessageReader::new(1024);
    got(
        &poll(&mut reader, &mut conn),
        Polled::NotYet,
        "2 of the 4 length bytes, then WouldBlock",
    );
    got_error(
        &poll(&mut reader, &mut conn),
        ErrorKind::ConnectionReset,
        "2 length bytes, WouldBlock, then the next call's recv() failed so",
    );
    let mut conn = Pieces::new(vec![Ok(b"\0\0\0\x05he".to_vec()), reset()]);
    got_error(
        &poll(&mut MessageReader::new(1024), &mut conn),
        ErrorKind::ConnectionReset,
        "the recv() in the middle of the body failed so",
    );
}

/// A real non-blocking socket: the writer sends one byte at a time, each only after the
/// reader has said NotYet, so every message arrives cut at every byte.
#[test]
fn a_real_non_blocking_socket_with_a_trickling_writer() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut writer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut conn, _) = listener.accept().unwrap();
    conn.set_nonblocking(true).unwrap();
    let messages: [&[u8]; 3] = [b"one", b"", b"three, the last"];
    let bytes: Vec<u8> = messages.iter().flat_map(|m| frame(m)).collect();
    let (not_yet_tx, not_yet_rx) = mpsc::channel::<()>();
    let trickle = std::thread::spawn(move || {
        // Did the reader ever keep us waiting 2 s for its NotYet? (A reader that loops inside
        // poll_message never says it: then the rest goes at once, and the check fails below.)
        let mut never_said = false;
        for byte in bytes {
            // Wait for the reader to have found nothing (with a timeout: never block for ever).
            if !never_said && not_yet_rx.recv_timeout(Duration::from_secs(2)).is_err() {
                never_said = true;
            }
            writer.write_all(&[byte]).unwrap();
        }
        // Dropping the writer closes the connection: end of stream.
        never_said
    });
    let deadline = Instant::now() + timeout();
    let mut reader = MessageReader::new(1024);
    let mut received = Vec::new();
    loop {
        if Instant::now() > deadline {
            fail(
                "The messages did not all come out in time on a real non-blocking socket.",
                &format!("{}, then Closed", texts(&messages)),
                &format!("{}, then nothing", texts(&received)),
            );
        }
        match yours(|| reader.poll_message(&mut conn)) {
            Ok(Polled::Message(m)) => received.push(m),
            Ok(Polled::Closed) => break,
            Ok(Polled::NotYet) => {
                let _ = not_yet_tx.send(());
                // A readiness loop would wait for the socket here (chapter 12); a short nap does.
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => fail(
                "poll_message failed on a real non-blocking socket that delivered one byte at a time.",
                &format!("{}, then Closed", texts(&messages)),
                &format!("{}, then Err({:?}: {e})", texts(&received), e.kind()),
            ),
        }
    }
    if trickle.join().unwrap() {
        fail(
            "poll_message kept the thread for 2 s while the socket had nothing to read: on \
             WouldBlock it must come back with NotYet (a readiness loop has other sockets to serve).",
            "NotYet each time the socket is empty",
            "no NotYet for 2 s",
        );
    }
    if received != messages {
        fail(
            "The messages from a real non-blocking socket came out wrong.",
            &texts(&messages),
            &texts(&received),
        );
    }
}

#[test]
fn poll_message_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your poll_message runs.
    testkit::prints_nothing(
        "poll_message",
        &[
            "a_message_in_pieces_of_every_size_comes_out_whole",
            "end_of_stream_in_the_body_is_an_error_not_a_shorter_message",
            "a_message_of_exactly_max_bytes_passes_one_more_does_not",
        ],
    );
}
