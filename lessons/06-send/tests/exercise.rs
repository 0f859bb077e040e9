//! The exercise's checks: your `send_all` runs here, in the test, on connections that take
//! fewer bytes than offered, slowly: fakes that follow a script (take a few bytes after a
//! wait, time out, fail on cue, their send timeout's calls too) and watch the send timeout in
//! force at each `send()` (their peer may stop reading at any moment), and a real socket
//! whose reader takes a little every 50 ms. They check the bytes that arrive,
//! what `send_all` returns, when it returns and the calls it makes, never what it prints.
//! (`cargo exercise lesson-06-send` runs them on src/exercise.rs.)

use std::cell::Cell;
use std::collections::VecDeque;
use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::sleep;
use std::time::{Duration, Instant};

use lesson_06_send::{send_all, Sender, Unsent};
use socket2::{Domain, SockAddr, Socket, Type};
use testkit::{fail, timeout, yours};

/// 0, 1, 2, … 250, 0, 1, …: a lost, repeated or moved byte shows up as a wrong byte.
fn payload(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

/// How late a send timeout may end past the deadline before the checks call it too long
/// (the contract's 250 ms): room for a loaded machine between your `Instant::now()` and the
/// fake's.
const SLACK: Duration = Duration::from_millis(250);

/// What one `send()` of a fake connection does, in order; after the script, `then`.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// The peer makes room after this many ms: then take at most this many bytes. If the
    /// send timeout is shorter, wait that long and fail with WouldBlock, taking nothing.
    Take(usize, u64),
    /// Take at most this many bytes, but return only when the send timeout runs out: what a
    /// real send() returns when SO_SNDTIMEO ends it after a partial copy, or when the peer
    /// made room for the last bytes just as it ran out.
    TakeThenTimeOut(usize),
    /// Wait this many ms, then fail with this error, taking nothing.
    Fail(ErrorKind, u64),
}

/// A fake connection: its `send()` follows a script and keeps every byte it took, as the
/// peer would receive them; its send timeout is a field, refused at zero as std does. Its
/// peer may stop reading at any moment: so each send() must start with a send timeout that
/// ends by the limit, or it could wait past it.
struct Fake {
    script: VecDeque<Step>,
    then: Step,
    timeout: Option<Duration>,
    /// The send timeout the caller had set (the fake's when send_all first touched it).
    caller: Option<Duration>,
    /// How many times send_all read the send timeout.
    reads: Cell<usize>,
    /// Reading the send timeout fails so.
    read_fails: Option<ErrorKind>,
    /// The first setting of the send timeout after a send(), to anything but the caller's,
    /// fails so; then `set_refused`.
    set_fails: Option<ErrorKind>,
    set_refused: bool,
    /// Setting the send timeout back to the caller's fails so.
    restore_fails: Option<ErrorKind>,
    received: Vec<u8>,
    calls: Vec<String>,
    sends: usize,
    /// When `send_all` first touched the connection, and the limit it was given.
    first: Option<Instant>,
    limit: Duration,
    zero_refused: bool,
}

impl Fake {
    fn new(script: &[Step], then: Step, limit: Duration) -> Fake {
        Fake {
            script: script.iter().copied().collect(),
            then,
            timeout: None,
            caller: None,
            reads: Cell::new(0),
            read_fails: None,
            set_fails: None,
            set_refused: false,
            restore_fails: None,
            received: Vec::new(),
            calls: Vec::new(),
            sends: 0,
            first: None,
            limit,
            zero_refused: false,
        }
    }

    fn touched(&mut self) -> Instant {
        if self.first.is_none() {
            self.caller = self.timeout;
        }
        *self.first.get_or_insert_with(Instant::now)
    }

    /// Before each send(): something to send, no endless loop, and a send timeout that ends
    /// by the limit (the peer may stop reading now, and the send() then waits all of it).
    fn check_send(&mut self, len: usize) {
        let first = self.touched();
        let since = first.elapsed();
        if len == 0 {
            fail(
                "send_all called send() with 0 bytes: there was nothing to send. An empty \
                 message needs no send() at all (and once every byte went, the sending is over).",
                "no send() of 0 bytes",
                "send(0 bytes)",
            );
        }
        if self.sends >= 100_000 {
            fail(
                "send_all called send() 100000 times without finishing: it loops for ever (a \
                 send() that took 0 bytes, offered the same bytes again, takes 0 again).",
                "send_all returns once every byte is taken, or at the first real error",
                &last_calls(&self.calls),
            );
        }
        if since > self.limit + Duration::from_secs(3) {
            fail(
                &format!(
                    "send_all is still sending {} ms after it was called, with a limit of {} ms \
                     for the whole message ({} send() calls so far).",
                    ms(since),
                    ms(self.limit),
                    self.sends
                ),
                "send_all returns by the limit: TimedOut, with the bytes sent so far",
                &last_calls(&self.calls),
            );
        }
        let left = self.limit.saturating_sub(since);
        match self.timeout {
            None => fail(
                &format!(
                    "send({len} bytes) started {} ms into the call with no send timeout: if \
                     the peer stops reading now, this send() waits for ever, and send_all \
                     never returns (the limit is {} ms).",
                    ms(since),
                    ms(self.limit)
                ),
                &format!(
                    "a send() that cannot wait past the limit: {} ms left",
                    ms(left)
                ),
                "a send timeout of None: no end",
            ),
            Some(t) if t > left + SLACK => fail(
                &format!(
                    "send({len} bytes) started {} ms into the call with a send timeout of {} \
                     ms: if the peer stops reading now, send_all returns {} ms after the call, \
                     past its limit of {} ms (and the {} ms of margin). A reader that takes a \
                     little now and then could do this at every send().",
                    ms(since),
                    ms(t),
                    ms(since + t),
                    ms(self.limit),
                    ms(SLACK)
                ),
                &format!(
                    "a send() that cannot wait past the limit: {} ms left",
                    ms(left)
                ),
                &format!("a send timeout of {} ms", ms(t)),
            ),
            Some(_) => {}
        }
        self.sends += 1;
    }
}

impl Sender for Fake {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.check_send(bytes.len());
        let step = self.script.pop_front().unwrap_or(self.then);
        let len = bytes.len();
        let wait = |limit: u64| Duration::from_millis(limit);
        let result: std::io::Result<usize> = match step {
            Step::Take(_, after) if self.timeout.is_some_and(|t| t < wait(after)) => {
                sleep(self.timeout.unwrap_or_default());
                Err(ErrorKind::WouldBlock.into())
            }
            Step::Take(most, after) => {
                sleep(wait(after));
                Ok(most.min(len))
            }
            Step::TakeThenTimeOut(most) => {
                sleep(self.timeout.unwrap_or_default());
                Ok(most.min(len))
            }
            Step::Fail(kind, after) => {
                sleep(wait(after));
                Err(kind.into())
            }
        };
        match &result {
            Ok(n) => {
                self.received.extend_from_slice(&bytes[..*n]);
                self.calls.push(format!("send({len} bytes) -> Ok({n})"));
            }
            Err(e) => self
                .calls
                .push(format!("send({len} bytes) -> Err({:?})", e.kind())),
        }
        result
    }

    fn send_timeout(&self) -> std::io::Result<Option<Duration>> {
        self.reads.set(self.reads.get() + 1);
        match self.read_fails {
            Some(kind) => Err(kind.into()),
            None => Ok(self.timeout),
        }
    }

    fn set_send_timeout(&mut self, timeout: Option<Duration>) -> std::io::Result<()> {
        self.touched();
        let refused = match (self.set_fails, self.restore_fails) {
            (_, Some(kind)) if timeout == self.caller => Some(kind),
            (Some(kind), _) if self.sends > 0 && !self.set_refused && timeout != self.caller => {
                self.set_refused = true;
                Some(kind)
            }
            _ => None,
        };
        if let Some(kind) = refused {
            self.calls
                .push(format!("set_send_timeout({timeout:?}) -> Err({kind:?})"));
            return Err(kind.into());
        }
        if timeout == Some(Duration::ZERO) {
            // std's set_write_timeout: "An Err is returned if the zero Duration is passed".
            self.zero_refused = true;
            self.calls
                .push("set_send_timeout(Some(0)) -> Err(InvalidInput)".into());
            return Err(ErrorKind::InvalidInput.into());
        }
        self.timeout = timeout;
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
             ({how}): a byte sent twice, or the start offered again after a short send.",
            expected.len()
        )
    };
    let near = |b: &[u8]| {
        let to = (at + 8).min(b.len());
        let from = at.saturating_sub(4).min(to);
        format!(
            "{} bytes; at offset {at}: b\"{}\"",
            b.len(),
            b[from..to].escape_ascii()
        )
    };
    fail(&what, &near(expected), &near(received));
}

fn shown(result: &Result<(), Unsent>) -> String {
    match result {
        Ok(()) => "Ok(())".into(),
        Err(u) => format!(
            "Err(Unsent {{ sent: {}, error: {:?}: {} }})",
            u.sent,
            u.error.kind(),
            u.error
        ),
    }
}

/// `send_all` returned `Err(Unsent)` of this kind with this `sent`.
#[track_caller]
fn stopped(result: &Result<(), Unsent>, kind: ErrorKind, sent: usize, why: &str, zero: bool) {
    if matches!(result, Err(u) if u.error.kind() == kind && u.sent == sent) {
        return;
    }
    let zero = match zero {
        true => {
            " (it asked for a zero send timeout, which std refuses with InvalidInput: no \
                  time left is a timeout, not a zero one)"
        }
        false => "",
    };
    fail(
        &format!("send_all returned the wrong thing: {why}{zero}"),
        &format!("Err(Unsent {{ sent: {sent}, error: {kind:?} }})"),
        &shown(result),
    );
}

#[track_caller]
fn finished(result: &Result<(), Unsent>, why: &str) {
    if result.is_err() {
        fail(
            &format!("send_all returned an error: {why}"),
            "Ok(())",
            &shown(result),
        );
    }
}

const LONG: Duration = Duration::from_secs(10);

#[test]
fn a_few_bytes_per_send_and_every_byte_arrives() {
    // 1000 bytes, 7 per call; 995 leaves ONE byte for the last call.
    for size in [1000, 995] {
        let bytes = payload(size);
        let mut conn = Fake::new(&[], Step::Take(7, 0), LONG);
        let result = yours(|| send_all(&mut conn, &bytes, LONG));
        arrived_intact(&conn.received, &bytes, "each send() took 7 bytes");
        finished(&result, "every byte was taken, long before the deadline.");
    }
}

#[test]
fn an_empty_message_needs_no_send_at_all() {
    let mut conn = Fake::new(&[], Step::Take(7, 0), LONG);
    let result = yours(|| send_all(&mut conn, b"", LONG));
    if conn.sends > 0 {
        fail(
            "Nothing to send, yet send_all called send().",
            "(no send() at all)",
            &last_calls(&conn.calls),
        );
    }
    finished(&result, "nothing to send is nothing to fail.");
}

#[test]
fn a_send_that_takes_nothing_is_a_write_zero_error() {
    let mut conn = Fake::new(&[Step::Take(10, 0)], Step::Take(0, 0), LONG);
    let result = yours(|| send_all(&mut conn, &payload(100), LONG));
    let why = "a send() took 0 bytes of a non-empty slice after 10 went: WriteZero, with the \
               10 bytes sent (offering the same bytes again would take nothing again).";
    stopped(&result, ErrorKind::WriteZero, 10, why, conn.zero_refused);
}

#[test]
fn an_interrupted_send_is_tried_again() {
    let bytes = payload(100);
    let script = [
        Step::Fail(ErrorKind::Interrupted, 0),
        Step::Take(30, 0),
        Step::Fail(ErrorKind::Interrupted, 0),
    ];
    let mut conn = Fake::new(&script, Step::Take(50, 0), LONG);
    let result = yours(|| send_all(&mut conn, &bytes, LONG));
    finished(
        &result,
        "Interrupted means a signal came first and nothing was taken: try again.",
    );
    arrived_intact(&conn.received, &bytes, "two send() calls were interrupted");
}

#[test]
fn an_error_is_returned_as_it_is_with_the_bytes_sent() {
    for kind in [ErrorKind::BrokenPipe, ErrorKind::ConnectionReset] {
        let script = [Step::Take(10, 0), Step::Fail(kind, 0)];
        let mut conn = Fake::new(&script, Step::Take(10, 0), LONG);
        let result = yours(|| send_all(&mut conn, &payload(100), LONG));
        if conn.sends != 2 {
            fail(
                &format!("send_all went on after send() failed with {kind:?}: the connection is dead, no later send() can work."),
                &format!("send(100 bytes) -> Ok(10)\nsend(90 bytes) -> Err({kind:?})   and no more"),
                &conn.calls[..conn.calls.len().min(4)].join("\n"),
            );
        }
        let why = format!(
            "send() failed with {kind:?} after 10 bytes went: that error, as it is, and 10."
        );
        stopped(&result, kind, 10, &why, conn.zero_refused);
    }
}

#[test]
fn a_slow_reader_cannot_stretch_the_deadline() {
    // The peer makes room for 5 bytes every 100 ms: 1000 bytes would take 20 s. With one
    // second for the message, send_all must give up at about one second, never later.
    let limit = Duration::from_secs(1);
    let mut conn = Fake::new(&[], Step::Take(5, 100), limit);
    let started = Instant::now();
    let result = yours(|| send_all(&mut conn, &payload(1000), limit));
    let took = started.elapsed();
    let sent = conn.received.len();
    let why = format!("the peer took {sent} bytes, then the 1 s deadline passed.");
    stopped(&result, ErrorKind::TimedOut, sent, &why, conn.zero_refused);
    if took < limit - Duration::from_millis(150) {
        fail(
            "send_all gave up before the deadline: the peer was still taking bytes.",
            &format!("TimedOut at about {} ms", ms(limit)),
            &format!("returned after {} ms", ms(took)),
        );
    }
}

#[test]
fn a_signal_late_in_the_call_does_not_restart_the_clock() {
    // 600 ms into a 1 s limit a signal interrupts send(): the send() tried again may wait
    // only the 400 ms left, not the timeout set before the signal (the fake checks).
    let limit = Duration::from_secs(1);
    let script = [Step::Take(10, 0), Step::Fail(ErrorKind::Interrupted, 600)];
    let bytes = payload(100);
    let mut conn = Fake::new(&script, Step::Take(10, 0), limit);
    let result = yours(|| send_all(&mut conn, &bytes, limit));
    finished(
        &result,
        "after the signal there was time enough for every byte.",
    );
    arrived_intact(&conn.received, &bytes, "one send() was interrupted");
}

#[test]
fn no_time_left_is_a_timeout_not_a_zero_timeout() {
    // The second send() takes 5 bytes and uses up the time left, as a real send() whose
    // timeout ran out after a partial copy: no time is left for a third send().
    let limit = Duration::from_millis(300);
    let script = [Step::Take(10, 0), Step::TakeThenTimeOut(5)];
    let mut conn = Fake::new(&script, Step::Take(10, 0), limit);
    let result = yours(|| send_all(&mut conn, &payload(100), limit));
    let why = "15 bytes went, then no time was left: TimedOut, with 15.";
    stopped(&result, ErrorKind::TimedOut, 15, why, conn.zero_refused);
    if conn.sends != 2 {
        fail(
            "send_all called send() after the deadline had passed.",
            "2 send() calls",
            &last_calls(&conn.calls),
        );
    }
}

#[test]
fn the_send_timeout_is_left_as_it_was() {
    let limit = Duration::from_millis(300);
    let cases: [(&str, Vec<Step>, Step); 3] = [
        ("every byte went", vec![], Step::Take(50, 0)),
        (
            "the deadline passed",
            vec![Step::Take(10, 0)],
            Step::TakeThenTimeOut(5),
        ),
        (
            "the peer was gone",
            vec![Step::Take(10, 0)],
            Step::Fail(ErrorKind::BrokenPipe, 0),
        ),
    ];
    for before in [Some(Duration::from_secs(7)), None] {
        for (what, script, then) in &cases {
            let mut conn = Fake::new(script, *then, limit);
            conn.timeout = before;
            let _ = yours(|| send_all(&mut conn, &payload(100), limit));
            if conn.timeout != before {
                fail(
                    &format!("After send_all ({what}), the connection's send timeout was not what the caller had set: the next send() on it inherits a timeout nobody asked for."),
                    &format!("{before:?}"),
                    &format!("{:?}", conn.timeout),
                );
            }
        }
    }
}

#[test]
fn a_message_whose_last_bytes_go_as_the_limit_passes_is_sent() {
    // The second send() takes the last 90 bytes, but only as its timeout, and with it the
    // limit, runs out: every byte went, so the message was sent. TimedOut is for a message
    // cut short.
    let limit = Duration::from_millis(300);
    let bytes = payload(100);
    let mut conn = Fake::new(&[Step::Take(10, 0)], Step::TakeThenTimeOut(90), limit);
    let result = yours(|| send_all(&mut conn, &bytes, limit));
    arrived_intact(
        &conn.received,
        &bytes,
        "the last 90 bytes went as the limit passed",
    );
    finished(
        &result,
        "the last 90 bytes went just as the limit passed: every byte went, and that is \
         success. TimedOut is only for a message the limit cut short.",
    );
}

#[test]
fn errors_with_the_send_timeout_are_returned_as_they_are() {
    let limit = Duration::from_millis(300);
    let caller = Some(Duration::from_secs(7));
    let new = |script: &[Step], then: Step| {
        let mut conn = Fake::new(script, then, limit);
        conn.timeout = caller;
        conn
    };
    let timeout_kept = |conn: &Fake, what: &str| {
        if conn.timeout != caller {
            fail(
                &format!("After send_all ({what}), the connection's send timeout was not what the caller had set: put it back on every path."),
                &format!("{caller:?}"),
                &format!("{:?}\n(the calls: {})", conn.timeout, last_calls(&conn.calls)),
            );
        }
    };

    // Reading the caller's timeout fails: without it, it could not be put back.
    let mut conn = new(&[], Step::Take(50, 0));
    conn.read_fails = Some(ErrorKind::Unsupported);
    let result = yours(|| send_all(&mut conn, &payload(100), limit));
    if conn.reads.get() == 0 {
        fail(
            "send_all never read the caller's send timeout (conn.send_timeout()): then it \
             cannot put it back as it was.",
            "a call of send_timeout() before the first set_send_timeout()",
            &format!("no call; the calls: {}", last_calls(&conn.calls)),
        );
    }
    let why = "reading the caller's send timeout failed with Unsupported: that error, as it \
               is, with 0 bytes sent (and no send(): the caller's timeout could not be put back).";
    stopped(&result, ErrorKind::Unsupported, 0, why, conn.zero_refused);
    if conn.sends > 0 {
        fail(
            "send_all sent after reading the caller's send timeout failed.",
            "(no send() at all)",
            &last_calls(&conn.calls),
        );
    }
    timeout_kept(&conn, "reading the send timeout failed");

    // Setting the timeout after the first send() fails: that error; the caller's is put back.
    let mut conn = new(&[Step::Take(10, 0)], Step::Take(50, 0));
    conn.set_fails = Some(ErrorKind::PermissionDenied);
    let result = yours(|| send_all(&mut conn, &payload(100), limit));
    if conn.set_refused {
        let why = "the first send() took 10 bytes, then setting the send timeout failed with \
                   PermissionDenied: that error, as it is, and 10.";
        stopped(
            &result,
            ErrorKind::PermissionDenied,
            10,
            why,
            conn.zero_refused,
        );
    }
    timeout_kept(
        &conn,
        "setting the send timeout failed once, after 10 bytes",
    );

    // Every byte went, then putting the caller's timeout back fails: the caller must know.
    let bytes = payload(100);
    let mut conn = new(&[], Step::Take(50, 0));
    conn.restore_fails = Some(ErrorKind::PermissionDenied);
    let result = yours(|| send_all(&mut conn, &bytes, limit));
    arrived_intact(&conn.received, &bytes, "two send() calls of 50 bytes");
    let why = "every byte went, then putting the caller's send timeout back failed with \
               PermissionDenied: that error, as it is, with all 100 bytes sent (the \
               connection is not as the caller left it).";
    stopped(
        &result,
        ErrorKind::PermissionDenied,
        100,
        why,
        conn.zero_refused,
    );

    // A send() fails, then putting the timeout back fails too: the first error counts.
    let script = [Step::Take(10, 0), Step::Fail(ErrorKind::BrokenPipe, 0)];
    let mut conn = new(&script, Step::Take(10, 0));
    conn.restore_fails = Some(ErrorKind::PermissionDenied);
    let result = yours(|| send_all(&mut conn, &payload(100), limit));
    let why = "send() failed with BrokenPipe after 10 bytes, then putting the caller's send \
               timeout back failed with PermissionDenied: the first error, BrokenPipe, and 10.";
    stopped(&result, ErrorKind::BrokenPipe, 10, why, conn.zero_refused);
}

/// A real connection through loopback: a blocking sending socket with a small send buffer,
/// and a receiving one with a small receive buffer (set before connect: the window is
/// announced then), so a 2 MB message waits on its reader.
fn slow_pair() -> (Socket, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let reader = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    reader.set_recv_buffer_size(8 * 1024).unwrap();
    reader.connect(&SockAddr::from(addr)).unwrap();
    let (sender, _) = listener.accept().unwrap();
    let sender = Socket::from(sender);
    sender.set_send_buffer_size(16 * 1024).unwrap();
    let reader = TcpStream::from(reader);
    reader.set_read_timeout(Some(timeout())).unwrap();
    (sender, reader)
}

#[test]
fn a_real_slow_reader_meets_a_two_second_deadline() {
    // The reader takes 1 KiB every 50 ms: each send() makes SOME progress, so a timeout per
    // send() never fires. The whole message has 2 s: send_all must stop at about 2 s.
    let (sender, mut reader) = slow_pair();
    let stop = Arc::new(AtomicBool::new(false));
    let stopping = stop.clone();
    let reading = std::thread::spawn(move || {
        let (started, mut received, mut buf) = (Instant::now(), Vec::new(), [0u8; 1024]);
        // 8 s at most: then it closes with bytes unread, and send() fails with a reset.
        while !stopping.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(8) {
            match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => break,
            }
            sleep(Duration::from_millis(50));
        }
        received
    });
    let bytes = payload(2_000_000);
    let limit = Duration::from_secs(2);
    let started = Instant::now();
    let result = yours(|| send_all(&mut &sender, &bytes, limit));
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let received = reading.join().expect("the reader");
    let sent = match &result {
        Err(u) if u.error.kind() == ErrorKind::TimedOut => u.sent,
        _ => fail(
            &format!("send_all returned after {} ms without TimedOut: the reader was slow, not gone, and the message had 2 s.", ms(took)),
            "Err(Unsent { error: TimedOut, .. }) at about 2000 ms",
            &shown(&result),
        ),
    };
    if took > limit + Duration::from_millis(1500) || took < limit - Duration::from_millis(200) {
        fail(
            "send_all did not stop at the deadline: with one timeout per send(), a reader that takes a little now and then holds the sender far longer.",
            "TimedOut at about 2000 ms",
            &format!("TimedOut after {} ms", ms(took)),
        );
    }
    arrived_intact(
        &received,
        &bytes[..received.len()],
        "a real socket, a slow reader",
    );
    if sent < received.len() || sent == 0 {
        fail(
            "The count of bytes sent is wrong: the reader received more than that.",
            &format!("at least {} (what the reader received)", received.len()),
            &format!("sent: {sent}"),
        );
    }
    if sender.write_timeout().unwrap().is_some() {
        fail(
            "After send_all, the socket kept a send timeout the caller never set.",
            "None",
            &format!("{:?}", sender.write_timeout().unwrap()),
        );
    }
}

#[test]
fn send_all_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your send_all runs.
    testkit::prints_nothing(
        "send_all",
        &[
            "a_few_bytes_per_send_and_every_byte_arrives",
            "an_interrupted_send_is_tried_again",
            "an_error_is_returned_as_it_is_with_the_bytes_sent",
        ],
    );
}
