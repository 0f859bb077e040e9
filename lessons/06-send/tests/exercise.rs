//! The exercise's checks: your `send_all` runs here, in the test, on connections that take
//! fewer bytes than offered: fakes that take a few bytes per `send()` (or fail on cue), and a
//! real socket whose buffers are full. They check the bytes that arrive, what `send_all`
//! returns and the calls it makes, never what anything prints.
//! (`cargo exercise lesson-06-send` runs them on src/exercise.rs.)

use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use lesson_06_send::send_all;
use socket2::{Domain, SockAddr, Socket, Type};
use testkit::{fail, timeout, yours};

/// 0, 1, 2, … 250, 0, 1, …: a lost, repeated or moved byte shows up as a wrong byte.
fn payload(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

/// What one `send()` of a fake connection does, in order; after the script, `Take(per_call)`.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// Take at most this many bytes.
    Take(usize),
    /// Fail with this error, taking nothing.
    Fail(ErrorKind),
}

/// A fake connection: its `send()` (`write`) follows a script, and it keeps every byte it
/// took, as the peer would receive them.
struct Fake {
    script: Vec<Step>,
    per_call: usize,
    received: Vec<u8>,
    calls: Vec<String>,
}

impl Fake {
    fn new(script: &[Step], per_call: usize) -> Fake {
        Fake {
            script: script.to_vec(),
            per_call,
            received: Vec::new(),
            calls: Vec::new(),
        }
    }
}

impl Write for Fake {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.calls.len() >= 100_000 {
            fail(
                "send_all called send() 100000 times without finishing: it loops for ever.",
                "send_all returns once every byte is taken, or at the first real error",
                &last_calls(&self.calls),
            );
        }
        let step = match self.script.is_empty() {
            true => Step::Take(self.per_call),
            false => self.script.remove(0),
        };
        match step {
            Step::Take(most) => {
                let n = most.min(bytes.len());
                self.received.extend_from_slice(&bytes[..n]);
                self.calls
                    .push(format!("send({} bytes) -> Ok({n})", bytes.len()));
                Ok(n)
            }
            Step::Fail(kind) => {
                self.calls
                    .push(format!("send({} bytes) -> Err({kind:?})", bytes.len()));
                Err(kind.into())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn last_calls(calls: &[String]) -> String {
    let from = calls.len().saturating_sub(4);
    let mut shown = calls[from..].join("\n");
    if from > 0 {
        shown = format!("... {from} calls, then:\n{shown}");
    }
    if calls.is_empty() {
        shown = "(no send() at all)".into();
    }
    shown
}

fn bytes_near(bytes: &[u8], at: usize) -> String {
    let from = at.saturating_sub(4);
    let to = (at + 8).min(bytes.len());
    format!("b\"{}\"", bytes[from.min(to)..to].escape_ascii())
}

/// The peer received exactly `expected`; if not, say where the first wrong byte is.
#[track_caller]
fn arrived_intact(received: &[u8], expected: &[u8], how: &str) {
    if received == expected {
        return;
    }
    let at = (0..)
        .find(|&i| received.get(i) != expected.get(i))
        .unwrap_or(0);
    let what = if received.len() < expected.len() && received == &expected[..received.len()] {
        format!(
            "The peer received only the first {} of {} bytes: the rest was never sent ({how}).",
            received.len(),
            expected.len()
        )
    } else {
        format!(
            "The peer received the wrong bytes: the first wrong one is at offset {at} of {} \
             ({how}).",
            expected.len()
        )
    };
    fail(
        &what,
        &format!(
            "{} bytes; at offset {at}: {}",
            expected.len(),
            bytes_near(expected, at)
        ),
        &format!(
            "{} bytes; at offset {at}: {}",
            received.len(),
            bytes_near(received, at)
        ),
    );
}

#[track_caller]
fn returned(
    result: &io::Result<usize>,
    why: &str,
    expected: &str,
    ok: impl Fn(&io::Result<usize>) -> bool,
) {
    if !ok(result) {
        let got = match result {
            Ok(calls) => format!("Ok({calls})"),
            Err(e) => format!("Err({:?}: {e})", e.kind()),
        };
        fail(
            &format!("send_all returned the wrong thing: {why}"),
            expected,
            &got,
        );
    }
}

#[test]
fn a_few_bytes_per_send_and_every_byte_arrives() {
    // 1000 bytes, 7 per call: 142 calls of 7 and one of 6. 995: 142 of 7, and ONE byte left
    // for the last call (a loop that stops one byte early loses it).
    for size in [1000, 995] {
        let bytes = payload(size);
        let mut conn = Fake::new(&[], 7);
        let result = yours(|| send_all(&mut conn, &bytes));
        arrived_intact(&conn.received, &bytes, "each send() took 7 bytes");
        let why = "the count of send() calls that took at least one byte.";
        returned(
            &result,
            why,
            "Ok(143): the send() calls that took bytes",
            |r| matches!(r, Ok(143)),
        );
    }
}

#[test]
fn a_buffer_that_fits_goes_in_one_send() {
    let bytes = payload(100);
    let mut conn = Fake::new(&[], 1 << 20);
    let result = yours(|| send_all(&mut conn, &bytes));
    arrived_intact(&conn.received, &bytes, "one send() took all 100 bytes");
    let why = "one send() took every byte, so one call.";
    returned(&result, why, "Ok(1)", |r| matches!(r, Ok(1)));
}

#[test]
fn an_empty_buffer_needs_no_send_at_all() {
    let mut conn = Fake::new(&[], 7);
    let result = yours(|| send_all(&mut conn, b""));
    if !conn.calls.is_empty() {
        fail(
            "Nothing to send, yet send_all called send().",
            "(no send() at all)",
            &last_calls(&conn.calls),
        );
    }
    returned(&result, "nothing to send, no call.", "Ok(0)", |r| {
        matches!(r, Ok(0))
    });
}

#[test]
fn a_send_that_takes_nothing_is_a_write_zero_error() {
    let mut conn = Fake::new(&[Step::Take(10)], 0);
    let result = yours(|| send_all(&mut conn, &payload(100)));
    returned(
        &result,
        "a send() took 0 bytes of a non-empty slice; that is an error of kind WriteZero \
         (offering the same bytes again would take nothing again).",
        "Err(WriteZero): a send() that takes 0 bytes makes no progress",
        |r| matches!(r, Err(e) if e.kind() == ErrorKind::WriteZero),
    );
}

#[test]
fn an_interrupted_send_is_tried_again() {
    let bytes = payload(100);
    let script = [
        Step::Fail(ErrorKind::Interrupted),
        Step::Take(30),
        Step::Fail(ErrorKind::Interrupted),
    ];
    let mut conn = Fake::new(&script, 50);
    let result = yours(|| send_all(&mut conn, &bytes));
    returned(
        &result,
        "two send() calls failed with Interrupted (a signal came first, nothing was taken): \
         no failure, and no call that took bytes.",
        "Ok(3): Interrupted (a signal, nothing taken) is no failure; 30 + 50 + 20 bytes",
        |r| matches!(r, Ok(3)),
    );
    arrived_intact(&conn.received, &bytes, "two send() calls were interrupted");
}

#[test]
fn an_error_is_returned_as_it_is() {
    for kind in [
        ErrorKind::BrokenPipe,
        ErrorKind::ConnectionReset,
        ErrorKind::WouldBlock,
    ] {
        let mut conn = Fake::new(&[Step::Take(10), Step::Fail(kind)], 10);
        let result = yours(|| send_all(&mut conn, &payload(100)));
        // The calls first: a loop that tries again after the error says more by its calls
        // than by what it returns in the end.
        if conn.calls.len() != 2 {
            let why = match kind {
                ErrorKind::WouldBlock => {
                    " (on a blocking socket, WouldBlock means the send timeout ran out: trying \
                     again waits as long again, for ever if the peer never reads)"
                }
                _ => " (the connection is dead: no later send() can work)",
            };
            fail(
                &format!(
                    "send_all went on after send() failed with {kind:?}: only Interrupted is \
                     tried again, any other error is returned at once{why}."
                ),
                &format!(
                    "send(100 bytes) -> Ok(10)\nsend(90 bytes) -> Err({kind:?})   and no more"
                ),
                &conn.calls[..conn.calls.len().min(4)].join("\n"),
            );
        }
        returned(
            &result,
            &format!("send() failed with {kind:?}; that error is returned, as it is."),
            &format!("Err({kind:?}): the error of the send() that failed, after 10 bytes"),
            |r| matches!(r, Err(e) if e.kind() == kind),
        );
    }
}

/// A real connection through loopback: the sending socket is non-blocking, with a small send
/// buffer, and the peer's receive buffer is small, so `send()` takes only what fits, again
/// and again. (A `send()` that finds no room at all waits here until some is free, as a
/// blocking one would: your function sees short counts, never `WouldBlock`.)
struct Full {
    socket: Socket,
    offered: usize,
    short: usize,
    /// Bytes the kernel took, and the most there should be (the buffer's length).
    taken: usize,
    limit: usize,
}

impl Write for Full {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let deadline = Instant::now() + timeout();
        loop {
            match self.socket.send(bytes) {
                Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_micros(200));
                }
                Ok(n) => {
                    self.taken += n;
                    if self.taken > self.limit {
                        fail(
                            "send_all sent more bytes than the buffer holds: some bytes went out \
                             twice.",
                            &format!("{} bytes sent in all", self.limit),
                            &format!("{} bytes sent, and still sending", self.taken),
                        );
                    }
                    self.offered += 1;
                    self.short += usize::from(n < bytes.len());
                    return Ok(n);
                }
                other => return other,
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A connected pair: the sending socket (socket2, non-blocking, 16 KiB send buffer) and the
/// receiving one (8 KiB receive buffer, set before connect: the window is announced then).
fn full_pair(limit: usize) -> (Full, std::net::TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let reader = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    reader.set_recv_buffer_size(8 * 1024).unwrap();
    reader.connect(&SockAddr::from(addr)).unwrap();
    let (sender, _) = listener.accept().unwrap();
    let sender = Socket::from(sender);
    sender.set_send_buffer_size(16 * 1024).unwrap();
    sender.set_nonblocking(true).unwrap();
    let reader = std::net::TcpStream::from(reader);
    reader.set_read_timeout(Some(timeout())).unwrap();
    let full = Full {
        socket: sender,
        offered: 0,
        short: 0,
        taken: 0,
        limit,
    };
    (full, reader)
}

#[test]
fn twenty_megabytes_arrive_intact_through_a_real_socket_with_a_slow_reader() {
    let size = 20_000_000;
    let bytes = payload(size);
    let (mut conn, mut reader) = full_pair(size);
    // The peer reads 4 KiB at a time until end of stream: slower than the sender writes.
    let reading = std::thread::spawn(move || {
        let mut received = Vec::with_capacity(size);
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return received,
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => panic!("the reader's recv() failed: {e}"),
            }
        }
    });
    let result = yours(|| send_all(&mut conn, &bytes));
    let (short, offered) = (conn.short, conn.offered);
    drop(conn); // close: the reader sees end of stream
    let received = reading.join().expect("the reader");
    assert!(
        short > 0,
        "the test's own premise: some send() must take fewer bytes than offered"
    );
    arrived_intact(
        &received,
        &bytes,
        &format!("a real socket; {short} of {offered} send() calls took fewer bytes than offered"),
    );
    returned(
        &result,
        "every byte arrived; the count is of the send() calls that took bytes.",
        &format!("Ok({offered})"),
        |r| matches!(r, Ok(n) if *n == offered),
    );
}
