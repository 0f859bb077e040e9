//! The exercise's checks: your `handle` and `spawn_handler` run here, in the test, on a test
//! `Connection` that plays a client: it hands over lines, records what is sent back, and looks
//! at the tally's lock each time your code makes it wait. They check the bytes sent, the
//! tally, what the functions return and when, never what anything prints.
//! (`cargo exercise lesson-11-threads` runs them on src/exercise.rs.)

use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{LessonError, Result};
use lesson_11_threads::{handle, spawn_handler, Connection, Shared, Tally};
use testkit::{fail, yours};

/// What the test client saw of your code.
#[derive(Debug, Default)]
struct Seen {
    sent: Vec<Vec<u8>>,
    closed: bool,
    /// The first wait (recv or send) made while the tally's lock was held.
    locked_wait: Option<String>,
    /// The first answer sent before its line was counted: (answer, lines counted then).
    uncounted: Option<(Vec<u8>, u64)>,
}

/// A client: the lines it sends (then it closes, or fails with `error`), and, if `gate` is
/// set, a first recv that waits until the test lets it go.
struct Client {
    lines: Vec<Vec<u8>>,
    error: Option<&'static str>,
    gate: Option<Receiver<()>>,
    tally: Shared,
    seen: Arc<Mutex<Seen>>,
}

impl Client {
    fn new(lines: &[&[u8]], tally: &Shared) -> (Client, Arc<Mutex<Seen>>) {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let client = Client {
            lines: lines.iter().rev().map(|l| l.to_vec()).collect(),
            error: None,
            gate: None,
            tally: Arc::clone(tally),
            seen: Arc::clone(&seen),
        };
        (client, seen)
    }

    /// A recv or send waits now: note it if the tally is locked meanwhile.
    fn waits(&self, call: String) {
        let locked = self.tally.try_lock().is_err();
        let mut seen = self.seen.lock().unwrap();
        if locked && seen.locked_wait.is_none() {
            seen.locked_wait = Some(call);
        }
    }
}

impl Connection for Client {
    fn recv_line(&mut self) -> Result<Option<Vec<u8>>> {
        let next = self
            .lines
            .last()
            .map(|l| format!("b\"{}\"", l.escape_ascii()));
        self.waits(format!(
            "recv_line() (the client was about to send {})",
            next.as_deref().unwrap_or("nothing more")
        ));
        if let Some(gate) = self.gate.take() {
            // A client that takes its time: only the test lets it go on.
            let _ = gate.recv_timeout(testkit::timeout());
        }
        match self.lines.pop() {
            Some(line) => Ok(Some(line)),
            None => match self.error {
                Some(reason) => Err(LessonError::protocol("recv(1024)", reason)),
                None => Ok(None),
            },
        }
    }

    fn send_all(&mut self, bytes: &[u8]) -> Result<()> {
        self.waits(format!("send_all(b\"{}\")", bytes.escape_ascii()));
        let counted = self.tally.try_lock().map(|t| t.lines).ok();
        let mut seen = self.seen.lock().unwrap();
        seen.sent.push(bytes.to_vec());
        // The answer to line N goes out once N lines are counted (unless the lock is held
        // now, which another check reports).
        if let Some(lines) = counted.filter(|&n| n < seen.sent.len() as u64) {
            seen.uncounted.get_or_insert((bytes.to_vec(), lines));
        }
        Ok(())
    }

    fn close(self) {
        self.seen.lock().unwrap().closed = true;
    }
}

fn show(lines: &[Vec<u8>]) -> String {
    if lines.is_empty() {
        return "(nothing sent)".into();
    }
    let shown: Vec<String> = lines
        .iter()
        .map(|l| format!("b\"{}\"", l.escape_ascii()))
        .collect();
    shown.join(", ")
}

#[track_caller]
fn sent_exactly(seen: &Seen, expected: &[&[u8]]) {
    let expected: Vec<Vec<u8>> = expected.iter().map(|l| l.to_vec()).collect();
    if seen.sent != expected {
        fail(
            "The client got the wrong answers: each line, in upper case, in order.",
            &show(&expected),
            &show(&seen.sent),
        );
    }
}

#[track_caller]
fn tally_is(tally: &Shared, lines: u64, bytes: u64) {
    let t = tally.lock().unwrap_or_else(|e| e.into_inner());
    if (t.lines, t.bytes) != (lines, bytes) {
        fail(
            "The tally is wrong: each line answered counts once (Tally::count).",
            &format!("{lines} lines, {bytes} bytes"),
            &format!("{} lines, {} bytes", t.lines, t.bytes),
        );
    }
}

#[track_caller]
fn never_waited_locked(seen: &Seen) {
    if let Some(call) = &seen.locked_wait {
        fail(
            "The tally's lock was held while the connection waited: every other thread that \
             counts a line waits for this client too.",
            "the lock taken and let go around Tally::count only",
            &format!("the lock held during {call}"),
        );
    }
}

#[test]
fn each_line_is_answered_in_upper_case_counted_and_the_connection_closed() {
    let tally = Shared::default();
    // The last line is not UTF-8 text: only its ASCII letters change.
    let lines: [&[u8]; 4] = [
        b"hi from carol\n",
        b"Mixed 42 case!\n",
        b"\n",
        b"caf\xc3\xa9 \xff\n",
    ];
    let (client, seen) = Client::new(&lines, &tally);
    let result = yours(|| handle(client, &tally));
    let seen = seen.lock().unwrap();
    sent_exactly(
        &seen,
        &[
            b"HI FROM CAROL\n",
            b"MIXED 42 CASE!\n",
            b"\n",
            b"CAF\xc3\xa9 \xff\n",
        ],
    );
    tally_is(&tally, 4, 38);
    if let Some((answer, counted)) = &seen.uncounted {
        fail(
            "An answer went out before its line was counted in the tally.",
            "Tally::count(line), then send_all(answer)",
            &format!(
                "send_all(b\"{}\") with {counted} line(s) counted so far",
                answer.escape_ascii()
            ),
        );
    }
    if let Err(e) = result {
        fail(
            "handle returned an error for a client that closed normally.",
            "Ok(())",
            &format!("Err({e})"),
        );
    }
    if !seen.closed {
        fail(
            "The connection was not closed once the client had closed its side.",
            "conn.close() after the last line",
            "handle returned without closing it",
        );
    }
}

#[test]
fn a_client_that_says_nothing_is_closed_with_nothing_counted() {
    let tally = Shared::default();
    let (client, seen) = Client::new(&[], &tally);
    let result = yours(|| handle(client, &tally));
    let seen = seen.lock().unwrap();
    sent_exactly(&seen, &[]);
    tally_is(&tally, 0, 0);
    if result.is_err() || !seen.closed {
        fail(
            "A client that closes at once: handle closes the connection and returns Ok.",
            "Ok(()), connection closed",
            &format!("{result:?}, closed: {}", seen.closed),
        );
    }
}

#[test]
fn the_lock_is_never_held_while_the_connection_waits() {
    let tally = Shared::default();
    let (client, seen) = Client::new(&[b"one\n", b"two\n", b"three\n"], &tally);
    let _ = yours(|| handle(client, &tally));
    let seen = seen.lock().unwrap();
    never_waited_locked(&seen);
    sent_exactly(&seen, &[b"ONE\n", b"TWO\n", b"THREE\n"]);
}

#[test]
fn errors_from_the_connection_end_handle_with_them() {
    let tally = Shared::default();
    let (mut client, seen) = Client::new(&[b"half a conversation\n"], &tally);
    client.error = Some("the peer closed in the middle of a line");
    let result = yours(|| handle(client, &tally));
    sent_exactly(&seen.lock().unwrap(), &[b"HALF A CONVERSATION\n"]);
    match result {
        Err(e) if e.to_string().contains("in the middle of a line") => {}
        other => fail(
            "recv_line failed, and handle did not return that error.",
            "Err(the error recv_line returned)",
            &format!("{other:?}"),
        ),
    }
}

#[test]
fn spawn_handler_returns_while_the_client_is_still_being_served() {
    let tally = Shared::default();
    let (mut client, seen) = Client::new(&[b"slow\n"], &tally);
    let (go, gate) = mpsc::channel();
    client.gate = Some(gate);
    let started = Instant::now();
    let builder = std::thread::Builder::new().name("conn7".into());
    let thread = yours(|| spawn_handler(builder, client, Arc::clone(&tally)));
    let took = started.elapsed();
    // Let the client go on, then wait for its thread (bounded by the gate's own timeout).
    let _ = go.send(());
    if took > Duration::from_secs(2) {
        fail(
            "spawn_handler waited for the connection to end before it returned: the server \
             cannot accept() anyone else meanwhile, and one silent client stops everyone.",
            "spawn_handler returns at once (the client had not sent its line yet)",
            &format!("it returned after {:.1} s", took.as_secs_f64()),
        );
    }
    let thread = match thread {
        Ok(thread) => thread,
        Err(e) => fail(
            "spawn_handler could not start a thread.",
            "Ok(handle)",
            &e.to_string(),
        ),
    };
    if thread.thread().name() != Some("conn7") {
        fail(
            "The connection's thread is not the one the builder makes: the lesson's builder \
             names it, and `ps -T` would show no conn7.",
            "a thread named conn7 (builder.spawn(...))",
            &format!("a thread named {:?}", thread.thread().name()),
        );
    }
    match thread.join() {
        Ok(Ok(())) => {}
        Ok(Err(e)) => fail(
            "The connection's thread ended with an error.",
            "Ok(())",
            &e.to_string(),
        ),
        Err(_) => fail(
            "The connection's thread panicked (its message is above: todo!() in handle?).",
            "Ok(())",
            "a panic",
        ),
    }
    sent_exactly(&seen.lock().unwrap(), &[b"SLOW\n"]);
    tally_is(&tally, 1, 5);
}

#[test]
fn many_threads_share_one_tally() {
    let tally = Shared::default();
    let mut threads = Vec::new();
    let mut seen_all = Vec::new();
    for _ in 0..16 {
        let lines: Vec<&[u8]> = vec![b"abc\n"; 50];
        let (client, seen) = Client::new(&lines, &tally);
        seen_all.push(seen);
        let builder = std::thread::Builder::new();
        match yours(|| spawn_handler(builder, client, Arc::clone(&tally))) {
            Ok(thread) => threads.push(thread),
            Err(e) => fail(
                "spawn_handler could not start a thread.",
                "Ok(handle)",
                &e.to_string(),
            ),
        }
    }
    for thread in threads {
        if !matches!(thread.join(), Ok(Ok(()))) {
            fail(
                "A connection's thread did not end well.",
                "Ok(())",
                "an error or a panic",
            );
        }
    }
    for seen in &seen_all {
        // (Another thread may hold the lock for its own count while this one waits: the
        // lock's scope is checked above, one connection at a time.)
        sent_exactly(&seen.lock().unwrap(), &[&b"ABC\n"[..]; 50]);
    }
    tally_is(&tally, 16 * 50, 16 * 50 * 4);
}

/// (Tally itself is given, not yours; this keeps its meaning pinned for the checks above.)
#[test]
fn tally_counts_lines_and_bytes() {
    let mut tally = Tally::default();
    tally.count(b"hi\n");
    assert_eq!((tally.lines, tally.bytes), (1, 3));
}
