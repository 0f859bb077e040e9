//! The hostile battery for a server that serves ONE client and exits (chapters 1, 2, 5, 7,
//! 18): there is no "next client" to serve, so what it must prove is that a rude first client
//! never makes it hang or panic. Each case starts a fresh server, is its first (and only)
//! client, misbehaves, and then the server must have EXITED within its limit + a margin,
//! cleanly: code 0, or code 1 with an `error: …` line on stderr saying what happened; never a
//! panic, never still running.
//!
//! ```no_run
//! use std::time::Duration;
//! use testkit::hostile::once::Once;
//! use testkit::Conn;
//!
//! const BIN: &str = "";
//!
//! fn target() -> Once {
//!     // A fresh `BIN server --addr 127.0.0.1:0 --limit-ms 1500` per case; one valid request;
//!     // the normal exchange (asserting the reply); the longest the server may keep a client.
//!     Once::server(BIN, &["--limit-ms", "1500"], b"hello\n", |addr| {
//!         Conn::open(addr).send(b"hello\n").expect(b"HELLO\n");
//!     })
//!     .limit(Duration::from_millis(1500))
//! }
//!
//! testkit::hostile_once_battery!(target);
//! ```
//!
//! The cases (the test names, in a module `hostile_once`): `normal` (the normal client, exit
//! code 0: the harness itself works), `silent` (connect, say nothing, stay), `trickle` (the
//! request without its last byte, then `x` every 150 ms), `flood` (the first line without its
//! newline, then up to 32 MiB of `x`), `never_reads` (the request over and over, never reading:
//! bounded by how long the buffers take to fill + the limit), `reset_at_once`,
//! `reset_after_request`, `connect_and_close`, `half_close`, `non_utf8` (as in the battery),
//! and on Linux `stop_continue` (half the request, `kill -STOP`, `kill -CONT`, the rest: the
//! client must still get its answer, exit code 0). `.skip(case, reason)` as in the battery.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::{connect, kill, reset, Stopped};
use crate::{timeout, Run, Server};

/// Every case of the one-shot battery.
pub const CASES: &[&str] = &[
    "normal",
    "silent",
    "trickle",
    "flood",
    "never_reads",
    "reset_at_once",
    "reset_after_request",
    "connect_and_close",
    "half_close",
    "non_utf8",
    "stop_continue",
];

/// A server that serves one client and exits. See the module's documentation.
pub struct Once {
    bin: &'static str,
    args: &'static [&'static str],
    request: Vec<u8>,
    normal: Box<dyn Fn(SocketAddr)>,
    limit: Duration,
    margin: Duration,
    skips: Vec<(&'static str, String)>,
}

impl Once {
    /// `bin server --addr 127.0.0.1:0 ARGS` for each case; `request`: one valid request as
    /// sent; `normal(addr)`: the whole normal exchange, asserting the reply. Limit 1 s until
    /// `.limit(..)` says otherwise.
    pub fn server(
        bin: &'static str,
        args: &'static [&'static str],
        request: &[u8],
        normal: impl Fn(SocketAddr) + 'static,
    ) -> Once {
        assert!(request.len() > 1, "the request needs at least two bytes");
        Once {
            bin,
            args,
            request: request.to_vec(),
            normal: Box::new(normal),
            limit: Duration::from_millis(1000),
            // As in the battery: eight tests at once on two cores.
            margin: Duration::from_millis(3000),
            skips: Vec::new(),
        }
    }

    /// The longest the server may keep a hostile client before it gives up and exits.
    pub fn limit(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    /// How much later than its limit the server may exit (default 3 s).
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// A case that does not apply: it prints `reason` and passes.
    pub fn skip(mut self, case: &'static str, reason: &str) -> Self {
        assert!(CASES.contains(&case), "no one-shot case is called {case:?}");
        self.skips.push((case, reason.to_string()));
        self
    }

    fn skipped(&self, case: &str) -> bool {
        super::skipped("hostile_once", &self.skips, case)
    }

    fn start(&self) -> Server {
        Server::start(self.bin, self.args)
    }

    fn unfinished(&self) -> Vec<u8> {
        let end = self.request.iter().position(|&b| b == b'\n');
        let end = end.unwrap_or(self.request.len() - 1);
        self.request[..end].to_vec()
    }
}

/// Wait for the server to exit; it must within `bound` of `began`, cleanly. Prints the figure.
fn exited(case: &str, server: Server, began: Instant, bound: Duration, note: &str) -> Run {
    let run = server.finish();
    let took = began.elapsed();
    let fail = |what: String| -> ! {
        panic!(
            "\n\nhostile_once {case}: {what}\n\n--- the server's transcript ---\n{}\n",
            run.transcript()
        )
    };
    if run.timed_out {
        fail(format!(
            "the server was still running {} ms after its hostile client began (it should give up within {} ms)",
            took.as_millis(),
            bound.as_millis()
        ));
    }
    if run.stderr.contains("panicked") {
        fail("the server panicked".into());
    }
    match run.code {
        Some(0) => {}
        Some(1) if run.stderr.contains("error: ") => {}
        Some(1) => fail("the server failed without saying why on stderr".into()),
        other => fail(format!("the server ended with {other:?}, not 0 or 1")),
    }
    if took > bound {
        fail(format!(
            "the server exited, but only after {} ms (bound {} ms)",
            took.as_millis(),
            bound.as_millis()
        ));
    }
    let how = match run.code {
        Some(0) => "exit 0".to_string(),
        _ => {
            let said = run.stderr.lines().find(|l| l.contains("error: "));
            format!("exit 1, {:?}", said.unwrap_or_default())
        }
    };
    let figures = format!(
        "{note}; server exited after {} ms (bound {} ms): {how}",
        took.as_millis(),
        bound.as_millis()
    );
    eprintln!("hostile_once {case}: {figures}");
    super::figures::record("hostile_once", case, &figures);
    run
}

/// Generate one `#[test]` per case, in a module `hostile_once`, from a function returning the
/// [`Once`]: `testkit::hostile_once_battery!(target);`
#[macro_export]
macro_rules! hostile_once_battery {
    ($target:ident) => {
        mod hostile_once {
            #[test]
            fn normal() {
                $crate::hostile::once::normal(&super::$target());
            }
            #[test]
            fn silent() {
                $crate::hostile::once::silent(&super::$target());
            }
            #[test]
            fn trickle() {
                $crate::hostile::once::trickle(&super::$target());
            }
            #[test]
            fn flood() {
                $crate::hostile::once::flood(&super::$target());
            }
            #[test]
            fn never_reads() {
                $crate::hostile::once::never_reads(&super::$target());
            }
            #[test]
            fn reset_at_once() {
                $crate::hostile::once::reset_at_once(&super::$target());
            }
            #[test]
            fn reset_after_request() {
                $crate::hostile::once::reset_after_request(&super::$target());
            }
            #[test]
            fn connect_and_close() {
                $crate::hostile::once::connect_and_close(&super::$target());
            }
            #[test]
            fn half_close() {
                $crate::hostile::once::half_close(&super::$target());
            }
            #[test]
            fn non_utf8() {
                $crate::hostile::once::non_utf8(&super::$target());
            }
            #[cfg(target_os = "linux")]
            #[test]
            fn stop_continue() {
                $crate::hostile::once::stop_continue(&super::$target());
            }
        }
    };
}

/// The normal client, then exit code 0: proves the harness (and the server) work at all.
pub fn normal(t: &Once) {
    if t.skipped("normal") {
        return;
    }
    let server = t.start();
    let began = Instant::now();
    (t.normal)(server.addr);
    let run = exited("normal", server, began, t.margin, "normal client served");
    assert_eq!(run.code, Some(0), "a normal exchange must end with code 0");
}

/// Write `bytes` on a background thread until told to stop or the server closes.
fn background(mut s: TcpStream, first: Vec<u8>, next: Vec<u8>, pause: Duration) -> Stop {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let progress = Arc::new(Mutex::new(Instant::now()));
    let last = progress.clone();
    let handle = thread::spawn(move || {
        let _ = s.set_write_timeout(Some(Duration::from_millis(200)));
        let _ = s.write_all(&first);
        while !flag.load(Ordering::SeqCst) {
            match s.write(&next) {
                Ok(_) => *last.lock().unwrap() = Instant::now(),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => break,
            }
            if !pause.is_zero() {
                thread::sleep(pause);
            }
        }
        // Keep the connection open (never reading) until the case ends.
        while !flag.load(Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(20));
        }
    });
    Stop(stop, Some(handle), progress)
}

/// Stops a background client when dropped; knows when its last write went through.
struct Stop(
    Arc<AtomicBool>,
    Option<thread::JoinHandle<()>>,
    Arc<Mutex<Instant>>,
);
impl Drop for Stop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
        if let Some(handle) = self.1.take() {
            let _ = handle.join();
        }
    }
}

/// Connect and say nothing; stay connected.
pub fn silent(t: &Once) {
    if t.skipped("silent") {
        return;
    }
    let server = t.start();
    let began = Instant::now();
    let s = connect(server.addr);
    exited(
        "silent",
        server,
        began,
        t.limit + t.margin,
        "a client said nothing",
    );
    drop(s);
}

/// The request without its last byte, then one `x` every 150 ms.
pub fn trickle(t: &Once) {
    if t.skipped("trickle") {
        return;
    }
    let server = t.start();
    let began = Instant::now();
    let s = connect(server.addr);
    let hostile = background(s, t.unfinished(), b"x".to_vec(), Duration::from_millis(150));
    let bound = t.limit + t.margin;
    exited(
        "trickle",
        server,
        began,
        bound,
        "a client trickled a byte every 150 ms",
    );
    drop(hostile);
}

/// The first line without its newline, then `x` as fast as it goes (32 MiB at most).
pub fn flood(t: &Once) {
    if t.skipped("flood") {
        return;
    }
    let server = t.start();
    let began = Instant::now();
    let s = connect(server.addr);
    let hostile = background(s, t.unfinished(), vec![b'x'; 64 * 1024], Duration::ZERO);
    let bound = t.limit + t.margin;
    exited(
        "flood",
        server,
        began,
        bound,
        "a client flooded without a newline",
    );
    drop(hostile);
}

/// The request over and over, never reading a reply.
pub fn never_reads(t: &Once) {
    if t.skipped("never_reads") {
        return;
    }
    let server = t.start();
    let began = Instant::now();
    let s = connect_small_window(server.addr);
    let block = t.request.repeat(64 * 1024 / t.request.len() + 1);
    let hostile = background(s, Vec::new(), block, Duration::ZERO);
    // The server's sends can only block once the buffers between us are full, which takes as
    // long as the server needs to answer megabytes (seconds, for one that prints lines for
    // each message): its limit counts from when it stopped taking our bytes for a second.
    let cap = Instant::now() + timeout() * 2;
    let mut server = server;
    let blocked = loop {
        let last = *hostile.2.lock().unwrap();
        if !server.is_running() || last.elapsed() >= Duration::from_secs(1) {
            break last;
        }
        if Instant::now() > cap {
            break Instant::now();
        }
        // Polling our own writer's progress, not waiting for the server.
        thread::sleep(Duration::from_millis(20));
    };
    let note = format!(
        "a client never read; the server took its bytes for {} ms",
        blocked.duration_since(began).as_millis()
    );
    exited("never_reads", server, blocked, t.limit + t.margin, &note);
    drop(hostile);
}

/// Connect with a 4 KiB receive buffer (SO_RCVBUF, set before connect(), so that the window
/// the handshake announces is small): a client that never reads then stops the server's
/// sends after a few KiB of replies, not after the megabytes loopback's autotuning allows.
fn connect_small_window(addr: SocketAddr) -> TcpStream {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket
        .connect_timeout(&addr.into(), timeout())
        .unwrap_or_else(|e| panic!("connect({addr}) failed: {e}"));
    TcpStream::from(socket)
}

/// Connect, then reset at once.
pub fn reset_at_once(t: &Once) {
    if t.skipped("reset_at_once") {
        return;
    }
    let server = t.start();
    let began = Instant::now();
    reset(connect(server.addr));
    exited("reset_at_once", server, began, t.margin, "a client reset");
}

/// The request, then a reset before the reply.
pub fn reset_after_request(t: &Once) {
    if t.skipped("reset_after_request") {
        return;
    }
    let server = t.start();
    let began = Instant::now();
    let mut s = connect(server.addr);
    let _ = s.write_all(&t.request);
    reset(s);
    let note = "a client sent its request and reset";
    exited("reset_after_request", server, began, t.margin, note);
}

/// Connect and close without a byte.
pub fn connect_and_close(t: &Once) {
    if t.skipped("connect_and_close") {
        return;
    }
    let server = t.start();
    let began = Instant::now();
    drop(connect(server.addr));
    let note = "a client closed without a byte";
    exited("connect_and_close", server, began, t.margin, note);
}

/// The request and shutdown(Write) at once, then read until the server closes.
pub fn half_close(t: &Once) {
    if t.skipped("half_close") {
        return;
    }
    let server = t.start();
    let began = Instant::now();
    let mut s = connect(server.addr);
    let _ = s.write_all(&t.request);
    let _ = s.shutdown(Shutdown::Write);
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let note = format!("a half-closed client got {} bytes", got.len());
    exited("half_close", server, began, t.limit + t.margin, &note);
}

/// The request with every byte but newlines and spaces replaced by bytes that are not UTF-8.
pub fn non_utf8(t: &Once) {
    if t.skipped("non_utf8") {
        return;
    }
    let mut bad = Vec::new();
    for &b in &t.request {
        match b {
            b'\n' | b'\r' | b' ' => bad.push(b),
            _ => bad.extend_from_slice(b"\xff\xfe\xc3("),
        }
    }
    let server = t.start();
    let began = Instant::now();
    let mut s = connect(server.addr);
    let _ = s.write_all(&bad);
    let _ = s.shutdown(Shutdown::Write);
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let note = format!("a non-UTF-8 client got {} bytes", got.len());
    exited("non_utf8", server, began, t.limit + t.margin, &note);
}

/// Half the request; the server stopped and continued while it waits; then the rest: the
/// client must get its answer and the server exit with code 0.
pub fn stop_continue(t: &Once) {
    if t.skipped("stop_continue") {
        return;
    }
    let server = t.start();
    let pid = server.pid();
    let began = Instant::now();
    let mut s = connect(server.addr);
    let (head, tail) = t.request.split_at(t.request.len() - 1);
    let _ = s.write_all(head);
    // A slow client: the server is now waiting in recv() for the rest.
    thread::sleep(Duration::from_millis(200));
    {
        let stopped = Stopped(pid);
        kill("STOP", pid);
        thread::sleep(Duration::from_millis(300));
        drop(stopped);
    }
    thread::sleep(Duration::from_millis(50));
    let _ = s.write_all(tail);
    let _ = s.shutdown(Shutdown::Write);
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let note = format!("read across SIGSTOP+SIGCONT, {} bytes back", got.len());
    let run = exited("stop_continue", server, began, t.limit + t.margin, &note);
    assert!(
        !got.is_empty() && run.code == Some(0),
        "after a stop and continue the client got no answer (EINTR not retried?): {}",
        run.transcript()
    );
}
