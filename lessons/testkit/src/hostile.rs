//! The hostile-client battery: clients that misbehave, each a regression test with a bound on
//! time, run against a fresh server; after each, a NORMAL client must be served correctly and
//! promptly, and the server's memory must have stayed bounded.
//!
//! # Using it in a lesson's tests
//!
//! ```no_run
//! use std::net::SocketAddr;
//! use std::time::Duration;
//! use testkit::hostile::Target;
//! use testkit::{Conn, Server};
//!
//! const BIN: &str = "";
//!
//! /// What the battery attacks: how to start the server, one valid request, a normal client.
//! fn target() -> Target {
//!     Target::server(
//!         // A fresh `BIN server --addr 127.0.0.1:0 --timeout-ms 1000` for each case (the
//!         // battery may add arguments; today it passes none). `Target::new` takes any
//!         // closure that starts one, for a server that needs more (files, say).
//!         BIN,
//!         &["--timeout-ms", "1000"],
//!         // One valid request, as a client sends it (for line protocols: ending in "\n").
//!         b"hello\n",
//!         // A normal client: the lesson's exchange, asserting the reply bytes.
//!         |addr: SocketAddr| {
//!             let mut conn = Conn::open(addr);
//!             conn.send(b"hello\n").expect(b"hello\n");
//!         },
//!     )
//!     // One client at a time: the normal client must be served once the server has given up
//!     // on the hostile one, within its deadline (+ a margin).
//!     .sequential(Duration::from_millis(1000))
//!     // Or: threads/tasks/events, the normal client is served WHILE the hostile one is
//!     // still connected (the deadline still bounds how long the hostile one is kept):
//!     // .concurrent(Duration::from_millis(3000))
//! }
//!
//! // One #[test] per case, in a module `hostile`: `cargo test -p LESSON hostile` runs them,
//! // `cargo test -p LESSON hostile::trickle -- --nocapture` one of them, with its figure.
//! testkit::hostile_battery!(target);
//! ```
//!
//! `Target` also has `.margin(Duration)` (default 3 s: how much later than its deadline the
//! server may be; also the bound for "promptly" when there is no deadline to wait for),
//! `.max_rss_mb(MB)` (default 64: the server's peak resident memory, VmHWM, after a case) and
//! `.skip(case, reason)` (a case that does not apply: it prints the reason and passes).
//! Each case is also a plain function (`testkit::hostile::trickle(&target())`, …) if a lesson
//! wants to call one by hand.
//!
//! # The cases (the test names)
//!
//! - `trickle`: a valid request without its final byte, then one byte (`x`) every 150 ms. A
//!   per-recv timeout never fires; a deadline for the whole message does. The server must cut
//!   it within deadline + margin.
//! - `flood`: the request's first line without its newline, then 32 MiB of `x`, as fast as it
//!   goes. The server must cut it at its limit (within deadline + margin), memory bounded.
//! - `never_reads`: the request over and over, never reading a reply. Once the buffers between
//!   them are full, the server is stuck writing and stops reading; when it has taken nothing
//!   for a second (or has closed on it), the normal client starts. (How long filling the
//!   buffers takes depends on them and on the server's speed, not on its limits.) The
//!   server's writes must have a time limit.
//! - `reset_at_once`: connect, then close with SO_LINGER 0 (an RST) before sending anything.
//! - `reset_after_request`: send the request, then reset, before the reply is written.
//! - `connect_and_close`: connect and close (FIN) without a byte.
//! - `half_close`: send the request and shut down the sending direction at once; the server
//!   must close the connection within deadline + margin (answering first or not).
//! - `non_utf8`: a request whose every word is bytes that are not UTF-8 (`\xff\xfe\xc3(`).
//! - `many_tiny`: 10,000 requests in one write, replies read as they come.
//! - `stop_continue` (Linux): half a request, `kill -STOP` the server, wait, `kill -CONT`,
//!   then the rest: the same client must get an answer (EINTR retried; signal(7)).
//! - `fd_exhaustion` (Linux): `prlimit --nofile` lowers the RUNNING server's descriptor limit
//!   to its lowest free descriptor number (no new descriptor can be made), then 20 clients
//!   send a request and half-close: accept() fails with EMFILE. The server must stay up, say
//!   so (a stdout line with "accept" and "too many open files"), not spin (in 500 ms: CPU
//!   under half of it, at most 200 lines printed), and serve a normal client once the limit is restored.
//! - `memory_limit` (Linux): `prlimit --as` lowers the running server's address-space limit to
//!   what it uses + 1 MiB, so a new thread's stack cannot be mapped; 5 clients send requests
//!   meanwhile. The server must stay up and serve a normal client once the limit is restored.
//!   (RLIMIT_NPROC does not bind root, and CI runs as root: the address space limit does.)
//! - `burst`: 200 clients at once (8 threads), each sends the request and half-closes.
//! - `idle_crowd` (NOT in `hostile_battery!`: call `testkit::hostile::idle_crowd(&target())`
//!   from a test of your own; concurrent servers only): 50 clients connect, say nothing, and
//!   stay; the normal client must be served while they are all connected. A server that
//!   serves one client at a time cannot (each silent client takes its deadline in turn: the
//!   case says so and returns), and neither can a fixed pool of fewer than 50 workers.
//!
//! After each: the normal client is served within its bound. In `trickle`, `flood` and
//! `never_reads` the hostile client is connected first and is still at it when the normal
//! client starts: a sequential server may make the normal client wait deadline + margin, a
//! concurrent one only the margin, and in `trickle` the trickling client must still be
//! connected when the normal one has been served. Then the server's peak memory (VmHWM) must be under
//! `max_rss_mb`. Each case prints one line to stderr (`cargo test -- --nocapture` shows it):
//!
//! `hostile trickle: normal client served in 1012 ms (bound 3000 ms); hostile cut after 1003 ms; server peak RSS 2.4 MB (bound 64 MB)`
//!
//! On a machine without `prlimit` or `kill` the Linux cases fail and say why (a case that
//! cannot run must not pass in silence).
//!
//! For a server that serves ONE client and exits (the early chapters' servers), the battery
//! does not apply (there is no next client): [`once`] proves instead that a rude first client
//! never makes it hang or panic. For UDP servers, [`udp`]: what strangers can do to a UDP port.
//!
//! Also here, for lessons' own tests: [`memory`] (VmHWM and VmRSS of a pid), [`kill`]
//! (`kill -SIGNAL pid`), [`prlimit`]; and on [`Server`]: `pid()`, `is_running()`,
//! `wait_for_line(what, predicate)`, `lines_so_far()`.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::{timeout, Server};

pub mod figures;
pub mod once;
pub mod udp;

/// Every case of the battery, by test name.
pub const CASES: &[&str] = &[
    "trickle",
    "flood",
    "never_reads",
    "reset_at_once",
    "reset_after_request",
    "connect_and_close",
    "half_close",
    "non_utf8",
    "many_tiny",
    "stop_continue",
    "fd_exhaustion",
    "memory_limit",
    "burst",
    "idle_crowd",
];

type Start = Box<dyn Fn(&[&str]) -> Server>;
type Normal = Box<dyn Fn(SocketAddr)>;

/// What the battery attacks. See the module's documentation.
pub struct Target {
    start: Start,
    request: Vec<u8>,
    normal: Normal,
    concurrent: bool,
    deadline: Duration,
    margin: Duration,
    max_rss_mb: f64,
    skips: Vec<(&'static str, String)>,
}

impl Target {
    /// `start(extra_args)` starts a fresh server; `request` is one valid request as sent on the
    /// wire; `normal(addr)` is a normal client's whole exchange, asserting the reply.
    /// Until `.sequential(..)` or `.concurrent(..)` says otherwise: sequential, 1 s deadline.
    pub fn new(
        start: impl Fn(&[&str]) -> Server + 'static,
        request: &[u8],
        normal: impl Fn(SocketAddr) + 'static,
    ) -> Target {
        assert!(
            !request.is_empty(),
            "the request must have at least one byte"
        );
        Target {
            start: Box::new(start),
            request: request.to_vec(),
            normal: Box::new(normal),
            concurrent: false,
            deadline: Duration::from_millis(1000),
            // 3 s: CI runs eight tests at once on two cores, and a server that answers in
            // milliseconds alone was measured at 2.15 s there once. A bug holds a client for
            // the deadline and more, so the bound still catches it.
            margin: Duration::from_millis(3000),
            max_rss_mb: 64.0,
            skips: Vec::new(),
        }
    }

    /// The usual target: a fresh `bin server --addr 127.0.0.1:0 ARGS` for each case (and the
    /// arguments the battery adds), `request` and `normal` as for [`Target::new`].
    pub fn server(
        bin: &'static str,
        args: &'static [&'static str],
        request: &[u8],
        normal: impl Fn(SocketAddr) + 'static,
    ) -> Target {
        Target::new(
            move |extra| Server::start(bin, &[args, extra].concat()),
            request,
            normal,
        )
    }

    /// One client at a time: others wait in the accept queue until the server is done with,
    /// or has given up on, the current one. `deadline`: the longest the server gives one
    /// client for a whole message (and for a write).
    pub fn sequential(mut self, deadline: Duration) -> Self {
        self.concurrent = false;
        self.deadline = deadline;
        self
    }

    /// Many clients at once: the normal client must be served while the hostile one is still
    /// connected, within the margin. `deadline`: as for `sequential` (choose it longer than
    /// the margin, so the hostile client is still there while the normal one is served).
    pub fn concurrent(mut self, deadline: Duration) -> Self {
        self.concurrent = true;
        self.deadline = deadline;
        self
    }

    /// How much later than its deadline the server may be (default 2 s).
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The server's peak resident memory (VmHWM) allowed after a case (default 64 MB).
    pub fn max_rss_mb(mut self, mb: f64) -> Self {
        self.max_rss_mb = mb;
        self
    }

    /// A case that does not apply to this server: it prints `reason` and passes.
    pub fn skip(mut self, case: &'static str, reason: &str) -> Self {
        assert!(CASES.contains(&case), "no hostile case is called {case:?}");
        self.skips.push((case, reason.to_string()));
        self
    }

    fn skipped(&self, case: &str) -> bool {
        skipped("hostile", &self.skips, case)
    }

    /// How long a normal client may wait behind a hostile one.
    fn bound_behind_hostile(&self) -> Duration {
        if self.concurrent {
            self.margin
        } else {
            self.deadline + self.margin
        }
    }

    /// The request's first line (or all of it), without its newline.
    fn unfinished_request(&self) -> &[u8] {
        let end = self
            .request
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(self.request.len());
        let end = if end == self.request.len() {
            end - 1
        } else {
            end
        };
        &self.request[..end]
    }
}

/// Generate one `#[test]` per case, in a module `hostile`, from a function returning the
/// [`Target`]: `testkit::hostile_battery!(target);`
#[macro_export]
macro_rules! hostile_battery {
    ($target:ident) => {
        mod hostile {
            #[test]
            fn trickle() {
                $crate::hostile::trickle(&super::$target());
            }
            #[test]
            fn flood() {
                $crate::hostile::flood(&super::$target());
            }
            #[test]
            fn never_reads() {
                $crate::hostile::never_reads(&super::$target());
            }
            #[test]
            fn reset_at_once() {
                $crate::hostile::reset_at_once(&super::$target());
            }
            #[test]
            fn reset_after_request() {
                $crate::hostile::reset_after_request(&super::$target());
            }
            #[test]
            fn connect_and_close() {
                $crate::hostile::connect_and_close(&super::$target());
            }
            #[test]
            fn half_close() {
                $crate::hostile::half_close(&super::$target());
            }
            #[test]
            fn non_utf8() {
                $crate::hostile::non_utf8(&super::$target());
            }
            #[test]
            fn many_tiny() {
                $crate::hostile::many_tiny(&super::$target());
            }
            #[cfg(target_os = "linux")]
            #[test]
            fn stop_continue() {
                $crate::hostile::stop_continue(&super::$target());
            }
            #[cfg(target_os = "linux")]
            #[test]
            fn fd_exhaustion() {
                $crate::hostile::fd_exhaustion(&super::$target());
            }
            #[cfg(target_os = "linux")]
            #[test]
            fn memory_limit() {
                $crate::hostile::memory_limit(&super::$target());
            }
            #[test]
            fn burst() {
                $crate::hostile::burst(&super::$target());
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// The pieces every case uses.

/// A running case: the server, and what to print at the end.
struct Case<'t> {
    name: &'static str,
    target: &'t Target,
    server: Server,
    figures: Vec<String>,
}

impl<'t> Case<'t> {
    fn start(name: &'static str, target: &'t Target) -> Case<'t> {
        Case {
            name,
            target,
            server: (target.start)(&[]),
            figures: Vec::new(),
        }
    }

    fn addr(&self) -> SocketAddr {
        self.server.addr
    }

    /// Fail the case: what went wrong, and the end of the server's transcript.
    fn fail(&mut self, what: &str) -> ! {
        let run = self.server.stop();
        let lines: Vec<&str> = run.stdout.lines().collect();
        let tail = lines[lines.len().saturating_sub(30)..].join("\n");
        let err: Vec<&str> = run.stderr.lines().collect();
        let err_tail = err[err.len().saturating_sub(10)..].join("\n");
        panic!(
            "\n\nhostile {}: {what}\n\n--- the server's last lines ---\n{tail}\n--- its stderr ---\n\
             {err_tail}\n--- {} ---\n",
            self.name,
            match (run.timed_out, run.code) {
                (true, _) => "still running: killed".to_string(),
                (false, Some(code)) => format!("it had exited, code {code}"),
                (false, None) => "it was killed by a signal".to_string(),
            }
        );
    }

    /// Run the normal client; it must succeed within `bound`. Returns how long it took.
    fn normal_client(&mut self, bound: Duration) -> Duration {
        let addr = self.addr();
        let began = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| (self.target.normal)(addr)));
        let took = began.elapsed();
        if let Err(payload) = outcome {
            let message = panic_message(&*payload);
            self.fail(&format!(
                "the normal client was not served correctly (after {} ms):\n{message}",
                took.as_millis()
            ));
        }
        if took > bound {
            self.fail(&format!(
                "the normal client was served, but only after {} ms (bound {} ms)",
                took.as_millis(),
                bound.as_millis()
            ));
        }
        self.figures.insert(
            0,
            format!(
                "normal client served in {} ms (bound {} ms)",
                took.as_millis(),
                bound.as_millis()
            ),
        );
        took
    }

    fn note(&mut self, figure: impl Into<String>) {
        self.figures.push(figure.into());
    }

    /// The server must still be running, its memory bounded; print the figures; stop it.
    fn end(mut self) {
        if !self.server.is_running() {
            self.fail("the server exited");
        }
        match memory(self.server.pid()) {
            Some((peak, now)) => {
                let bound = self.target.max_rss_mb;
                let figure =
                    format!("server peak RSS {peak:.1} MB, now {now:.1} MB (bound {bound:.0} MB)");
                if peak > bound {
                    self.fail(&format!("its memory was not bounded: {figure}"));
                }
                self.note(figure);
            }
            None => self.note("server memory: not measured (no /proc here)"),
        }
        let figures = self.figures.join("; ");
        eprintln!("hostile {}: {figures}", self.name);
        figures::record("hostile", self.name, &figures);
        self.server.stop();
    }
}

/// Is `case` among `skips`? If so, say why (`BATTERY CASE: skipped: REASON`) and return true.
fn skipped(battery: &str, skips: &[(&'static str, String)], case: &str) -> bool {
    match skips.iter().find(|(c, _)| *c == case) {
        Some((_, why)) => {
            eprintln!("{battery} {case}: skipped: {why}");
            figures::skipped(battery, case);
            true
        }
        None => false,
    }
}

/// What a caught panic said (its message, if it was a string).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// VmHWM and VmRSS of a process, in MB (Linux; None elsewhere).
pub fn memory(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, timeout())
        .unwrap_or_else(|e| panic!("connect({addr}) failed: {e}"));
    stream.set_read_timeout(Some(timeout())).unwrap();
    stream.set_write_timeout(Some(timeout())).unwrap();
    stream
}

/// Close with SO_LINGER 0: the kernel sends RST instead of FIN (socket(7)).
fn reset(stream: TcpStream) {
    let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
    drop(stream);
}

/// Read until the peer closes (or resets), or `bound` passes. Returns the bytes and whether
/// the peer closed.
fn read_until_closed(stream: &mut TcpStream, bound: Duration) -> (Vec<u8>, bool) {
    let until = Instant::now() + bound;
    let mut got = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (got, false);
        }
        let _ = stream.set_read_timeout(Some(left));
        match stream.read(&mut buf) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return (got, true),
        }
    }
}

/// What a hostile client in the background saw.
#[derive(Default)]
struct Seen {
    /// When the server closed (or reset) the connection, from the client's start.
    closed_after: Option<Duration>,
    sent: usize,
    received: usize,
    /// The client could not write any more: the server stopped taking bytes.
    blocked_after: Option<Duration>,
}

/// A hostile client running on its own thread until it is done or told to stop.
struct Background {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
    handle: Option<thread::JoinHandle<()>>,
}

impl Background {
    fn spawn(body: impl FnOnce(&AtomicBool, &Mutex<Seen>) + Send + 'static) -> Background {
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (s, n) = (stop.clone(), seen.clone());
        let handle = thread::spawn(move || body(&s, &n));
        Background {
            stop,
            seen,
            handle: Some(handle),
        }
    }

    fn closed_after(&self) -> Option<Duration> {
        self.seen.lock().unwrap().closed_after
    }

    /// Wait (up to `bound` from now) for the server to close the hostile connection.
    fn wait_closed(&self, bound: Duration) -> Option<Duration> {
        let until = Instant::now() + bound;
        while Instant::now() < until {
            if let Some(at) = self.closed_after() {
                return Some(at);
            }
            // Polling our own thread's progress, not waiting for the server.
            thread::sleep(Duration::from_millis(10));
        }
        self.closed_after()
    }

    fn finish(mut self) -> Seen {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

// ---------------------------------------------------------------------------------------------
// The cases.

/// A valid request without its final byte, then one byte every 150 ms, until the server cuts
/// the connection (or deadline + margin + 1 s pass: then the case fails).
pub fn trickle(t: &Target) {
    if t.skipped("trickle") {
        return;
    }
    let mut case = Case::start("trickle", t);
    let addr = case.addr();
    let start = t.unfinished_request().to_vec();
    let cap = t.deadline + t.margin + Duration::from_secs(1);
    // Connected before the normal client, so that a sequential server takes it first.
    let mut s = connect(addr);
    let hostile = Background::spawn(move |stop, seen| {
        let began = Instant::now();
        let _ = s.write_all(&start);
        seen.lock().unwrap().sent = start.len();
        let mut buf = [0u8; 4096];
        let _ = s.set_read_timeout(Some(Duration::from_millis(150)));
        while !stop.load(Ordering::SeqCst) && began.elapsed() < cap {
            // Waiting for a reply IS the pacing: 150 ms between two bytes.
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => seen.lock().unwrap().received += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    match s.write_all(b"x") {
                        Ok(_) => seen.lock().unwrap().sent += 1,
                        Err(_) => break,
                    }
                }
                Err(_) => break,
            }
        }
        if began.elapsed() < cap && !stop.load(Ordering::SeqCst) {
            seen.lock().unwrap().closed_after = Some(began.elapsed());
        }
    });
    let bound = t.bound_behind_hostile();
    case.normal_client(bound);
    if t.concurrent && hostile.closed_after().is_some() {
        case.fail("the normal client was served only after the trickling client was cut: a concurrent server must serve it while the trickle goes on");
    }
    let cut = t.deadline + t.margin;
    let Some(at) = hostile.wait_closed(cut) else {
        case.fail(&format!(
            "the server was still reading the trickle after {} ms (deadline {} ms + margin): a timeout per recv() is not a deadline for the whole message",
            ms(cut),
            ms(t.deadline)
        ));
    };
    let seen = hostile.finish();
    case.note(format!(
        "hostile cut after {} ms, {} bytes trickled",
        ms(at),
        seen.sent
    ));
    case.end();
}

/// The request's first line without its newline, then 32 MiB of `x` as fast as it goes.
pub fn flood(t: &Target) {
    if t.skipped("flood") {
        return;
    }
    let mut case = Case::start("flood", t);
    let addr = case.addr();
    let start = t.unfinished_request().to_vec();
    let cap = t.deadline + t.margin;
    let mut s = connect(addr);
    let hostile = Background::spawn(move |stop, seen| {
        let began = Instant::now();
        let _ = s.set_write_timeout(Some(Duration::from_millis(200)));
        let mut chunk = start;
        chunk.resize(64 * 1024, b'x');
        let total = 32 << 20;
        let mut sent = 0;
        while sent < total && !stop.load(Ordering::SeqCst) && began.elapsed() < cap {
            match s.write(&chunk) {
                Ok(n) => {
                    sent += n;
                    seen.lock().unwrap().sent = sent;
                    if n < chunk.len() {
                        chunk.drain(..n);
                        chunk.resize(64 * 1024, b'x');
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    // The server takes no more: has it closed? (A read says so at once.)
                    let _ = s.set_read_timeout(Some(Duration::from_millis(1)));
                    let mut byte = [0u8; 1024];
                    match s.read(&mut byte) {
                        Ok(0) => break,
                        Err(e)
                            if matches!(
                                e.kind(),
                                ErrorKind::WouldBlock
                                    | ErrorKind::TimedOut
                                    | ErrorKind::Interrupted
                            ) => {}
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                Err(_) => break,
            }
        }
        if sent < total && began.elapsed() < cap && !stop.load(Ordering::SeqCst) {
            seen.lock().unwrap().closed_after = Some(began.elapsed());
        } else if sent >= total {
            // All of it went in: whether it was kept, the memory figure will tell.
            let (_, closed) = read_until_closed(&mut s, cap.saturating_sub(began.elapsed()));
            if closed {
                seen.lock().unwrap().closed_after = Some(began.elapsed());
            }
        }
    });
    case.normal_client(t.bound_behind_hostile());
    let Some(at) = hostile.wait_closed(cap) else {
        let sent = hostile.finish().sent;
        case.fail(&format!(
            "the server did not cut a newline-less flood within {} ms ({} bytes sent): a limit must be checked while reading",
            ms(cap),
            sent
        ));
    };
    let seen = hostile.finish();
    case.note(format!(
        "flood cut after {} ms, {} KiB sent",
        ms(at),
        seen.sent / 1024
    ));
    case.end();
}

/// The request over and over, never reading a reply.
pub fn never_reads(t: &Target) {
    if t.skipped("never_reads") {
        return;
    }
    let mut case = Case::start("never_reads", t);
    let addr = case.addr();
    let mut block = Vec::new();
    while block.len() < 64 * 1024 {
        block.extend_from_slice(&t.request);
    }
    // Long enough for a slow server to fill the buffers between us first (see below).
    let cap = timeout() * 2 + t.deadline + t.margin;
    let mut s = connect(addr);
    let hostile = Background::spawn(move |stop, seen| {
        let began = Instant::now();
        let _ = s.set_write_timeout(Some(Duration::from_millis(200)));
        let mut sent = 0usize;
        let mut progress = Instant::now();
        while !stop.load(Ordering::SeqCst) && began.elapsed() < cap && sent < 512 << 20 {
            match s.write(&block) {
                Ok(n) => {
                    sent += n;
                    progress = Instant::now();
                    seen.lock().unwrap().sent = sent;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    // The server has taken nothing for a second: it no longer reads, because
                    // it is stuck writing to us. From then on its write limit must act.
                    let mut seen = seen.lock().unwrap();
                    if seen.blocked_after.is_none() && progress.elapsed() >= Duration::from_secs(1)
                    {
                        seen.blocked_after = Some(progress - began);
                    }
                }
                Err(_) => {
                    seen.lock().unwrap().closed_after = Some(began.elapsed());
                    break;
                }
            }
        }
        // Hold the connection, still never reading, until the case ends.
        while !stop.load(Ordering::SeqCst) && began.elapsed() < cap {
            thread::sleep(Duration::from_millis(20));
        }
    });
    // The server's writes can only block once the buffers between us are full: how long that
    // takes depends on the buffers and on the server's speed (a server that prints two lines
    // per echo of a short line needs seconds for megabytes), not on its time limits. So the
    // normal client comes once the server has stopped taking our bytes for a second (or has
    // closed on us), and its bound counts from then.
    let until = Instant::now() + timeout() * 2;
    while Instant::now() < until {
        let seen = hostile.seen.lock().unwrap();
        if seen.blocked_after.is_some() || seen.closed_after.is_some() {
            break;
        }
        drop(seen);
        thread::sleep(Duration::from_millis(10));
    }
    case.normal_client(t.bound_behind_hostile());
    let seen = hostile.finish();
    let what = match (seen.blocked_after, seen.closed_after) {
        (_, Some(at)) => format!("the server reset it after {} ms", ms(at)),
        (Some(at), None) => format!("the server stopped taking bytes at {} ms", ms(at)),
        (None, None) => "it was never stopped".to_string(),
    };
    case.note(format!(
        "the never-reading client sent {} KiB; {what}",
        seen.sent / 1024
    ));
    case.end();
}

/// Connect, and reset (SO_LINGER 0) before a byte.
pub fn reset_at_once(t: &Target) {
    if t.skipped("reset_at_once") {
        return;
    }
    let mut case = Case::start("reset_at_once", t);
    for _ in 0..3 {
        reset(connect(case.addr()));
    }
    case.note("3 clients reset right after connect()");
    case.normal_client(t.margin);
    case.end();
}

/// Send the request, then reset before the reply.
pub fn reset_after_request(t: &Target) {
    if t.skipped("reset_after_request") {
        return;
    }
    let mut case = Case::start("reset_after_request", t);
    for _ in 0..3 {
        let mut s = connect(case.addr());
        let _ = s.write_all(&t.request);
        reset(s);
    }
    case.note("3 clients sent a request and reset");
    case.normal_client(t.margin);
    case.end();
}

/// Connect and close (FIN) without sending a byte.
pub fn connect_and_close(t: &Target) {
    if t.skipped("connect_and_close") {
        return;
    }
    let mut case = Case::start("connect_and_close", t);
    for _ in 0..3 {
        drop(connect(case.addr()));
    }
    case.note("3 clients closed without a byte");
    case.normal_client(t.margin);
    case.end();
}

/// The request, then shutdown(Write) at once; the server must close within its deadline.
pub fn half_close(t: &Target) {
    if t.skipped("half_close") {
        return;
    }
    let mut case = Case::start("half_close", t);
    let began = Instant::now();
    let mut s = connect(case.addr());
    let _ = s.write_all(&t.request);
    let _ = s.shutdown(Shutdown::Write);
    let bound = t.deadline + t.margin;
    let (got, closed) = read_until_closed(&mut s, bound);
    if !closed {
        case.fail(&format!(
            "a client that half-closed after its request was still held after {} ms",
            ms(bound)
        ));
    }
    case.note(format!(
        "half-closed client answered with {} bytes, closed after {} ms",
        got.len(),
        ms(began.elapsed())
    ));
    case.normal_client(t.margin);
    case.end();
}

/// The request with every byte that is not a newline replaced by bytes that are not UTF-8.
pub fn non_utf8(t: &Target) {
    if t.skipped("non_utf8") {
        return;
    }
    let mut case = Case::start("non_utf8", t);
    let mut bad = Vec::new();
    for &b in &t.request {
        match b {
            b'\n' | b'\r' | b' ' => bad.push(b),
            _ => bad.extend_from_slice(b"\xff\xfe\xc3("),
        }
    }
    let mut s = connect(case.addr());
    let _ = s.write_all(&bad);
    let _ = s.shutdown(Shutdown::Write);
    let bound = t.deadline + t.margin;
    let (got, closed) = read_until_closed(&mut s, bound);
    if !closed {
        case.fail(&format!(
            "a client that sent bytes that are not UTF-8 was still held after {} ms",
            ms(bound)
        ));
    }
    case.note(format!("the non-UTF-8 client got {} bytes back", got.len()));
    case.normal_client(t.margin);
    case.end();
}

/// 10,000 requests in one write (replies read as they come), then half-close.
pub fn many_tiny(t: &Target) {
    if t.skipped("many_tiny") {
        return;
    }
    let mut case = Case::start("many_tiny", t);
    let began = Instant::now();
    let mut s = connect(case.addr());
    let mut reader = s.try_clone().unwrap();
    let bound = t.deadline + t.margin;
    let read = thread::spawn(move || read_until_closed(&mut reader, bound));
    let all = t.request.repeat(10_000);
    let _ = s.write_all(&all);
    let _ = s.shutdown(Shutdown::Write);
    let (got, closed) = read.join().unwrap();
    if !closed {
        case.fail(&format!(
            "a client that sent 10,000 requests in one write was still held after {} ms",
            ms(bound)
        ));
    }
    case.note(format!(
        "10,000 requests in one write ({} KiB): {} KiB back, closed after {} ms",
        all.len() / 1024,
        got.len() / 1024,
        ms(began.elapsed())
    ));
    case.normal_client(t.margin);
    case.end();
}

/// Run `kill -SIGNAL pid`; panic with the reason if it cannot be run.
pub fn kill(signal: &str, pid: u32) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap_or_else(|e| {
            panic!("hostile case needs the `kill` command (procps), which could not run: {e}")
        });
    assert!(status.success(), "kill -{signal} {pid} failed: {status}");
}

/// Sends SIGCONT when dropped, so that a failing case never leaves its server stopped.
struct Stopped(u32);
impl Drop for Stopped {
    fn drop(&mut self) {
        kill("CONT", self.0);
    }
}

/// Half a request; the server stopped (SIGSTOP) and continued (SIGCONT) while it waits for
/// the rest; then the rest: the same client must be answered.
pub fn stop_continue(t: &Target) {
    if t.skipped("stop_continue") {
        return;
    }
    let mut case = Case::start("stop_continue", t);
    let pid = case.server.pid();
    let began = Instant::now();
    let mut s = connect(case.addr());
    let (head, tail) = t.request.split_at(t.request.len() - 1);
    let _ = s.write_all(head);
    // A slow client: the server is now waiting in recv() for the rest of the request.
    thread::sleep(Duration::from_millis(200));
    {
        let stopped = Stopped(pid);
        kill("STOP", pid);
        thread::sleep(Duration::from_millis(300));
        drop(stopped);
    }
    thread::sleep(Duration::from_millis(50));
    if s.write_all(tail).is_err() {
        case.fail("after a stop and continue, the server had closed the connection of the client it was reading from (EINTR not retried?)");
    }
    let _ = s.shutdown(Shutdown::Write);
    let (got, _) = read_until_closed(&mut s, t.deadline + t.margin);
    if got.is_empty() {
        case.fail("after a stop and continue (kill -STOP, kill -CONT), the client it was reading from got no answer: an interrupted recv() fails with EINTR (signal(7)) and must be retried");
    }
    case.note(format!(
        "the client read across SIGSTOP+SIGCONT got {} bytes back after {} ms",
        got.len(),
        ms(began.elapsed())
    ));
    case.normal_client(t.margin);
    case.end();
}

/// `prlimit ARGS`; panic with the reason when it is missing or fails.
pub fn prlimit(args: &[&str]) {
    let out = std::process::Command::new("prlimit")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "this hostile case needs `prlimit` (util-linux) to limit the running server, \
                 and it could not run: {e}. Install util-linux, or skip the case explicitly."
            )
        });
    assert!(
        out.status.success(),
        "prlimit {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The lowest descriptor number process `pid` has not open at this moment (read once from
/// /proc/PID/fd; Linux only). Set its limit to that ([`limit_descriptors`]) and its next
/// new descriptor fails with EMFILE.
pub fn free_fd_now(pid: u32) -> u64 {
    let open: std::collections::BTreeSet<u64> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("/proc/PID/fd")
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<u64>().ok())
        .collect();
    (0..).find(|fd| !open.contains(fd)).unwrap_or(0)
}

/// Set the running process's soft limit of open descriptors (`prlimit --pid PID
/// --nofile=SOFT:`): `free_fd_now(pid)` to make it run out, `1024` to give them back.
pub fn limit_descriptors(pid: u32, soft: u64) {
    prlimit(&["--pid", &pid.to_string(), &format!("--nofile={soft}:")]);
}

/// Run a traced server that waits in accept() out of descriptors, and give them back: its soft
/// limit is set to its lowest free descriptor; a first connection gets in (the accept() the
/// server is already in took its number before the limit came down); the next one meets
/// EMFILE, and once the server's trace shows that accept() failed, the limit goes back to
/// 1024. The server must still be running. Returns `(first, waiting)`: the connection that
/// waited is the lesson's to serve; then check the trace with [`accept_recovered`].
#[track_caller]
pub fn out_of_descriptors(
    server: &mut Server,
    trace: &crate::TraceFile,
) -> (crate::Conn, crate::Conn) {
    let pid = server.pid();
    limit_descriptors(pid, free_fd_now(pid));
    let first = crate::Conn::open(server.addr);
    let waiting = crate::Conn::open(server.addr);
    trace.wait_for(server, 1, accept_failed);
    limit_descriptors(pid, 1024);
    assert!(server.is_running(), "the server exited without descriptors");
    (first, waiting)
}

/// After [`out_of_descriptors`]: accept() failed, and a later accept() took a connection.
#[track_caller]
pub fn accept_recovered(trace: &crate::Trace) {
    let first_failure = trace.events.iter().position(accept_failed);
    let first_failure = first_failure.expect("accept() never failed");
    assert!(
        trace.events[first_failure..]
            .iter()
            .any(|e| e.kind == "call" && e.name() == "accept"),
        "no accept() took a connection after the failed one"
    );
}

fn accept_failed(e: &crate::trace::Event) -> bool {
    e.kind == "error" && e.name() == "accept"
}

/// The lowest descriptor number the process does not have open: with its limit set to that,
/// every new descriptor fails with EMFILE (the ones above it stay open and usable).
fn lowest_free_fd(pid: u32) -> u64 {
    // A server that has just started may hold a descriptor for a moment (the kernel view's
    // netlink socket, asked right before accept()): read at that moment, the limit would
    // leave it one descriptor to spare, and a server that serves one client at a time would
    // never meet EMFILE (seen: 1 run in 4). So look a few times over 100 ms and take the
    // lowest: what the server holds while it waits in accept().
    (0..10)
        .map(|_| {
            let free = free_fd_now(pid);
            std::thread::sleep(Duration::from_millis(10));
            free
        })
        .min()
        .unwrap_or(0)
}

/// The time a process (all its threads) has spent on a CPU: the sum of
/// /proc/PID/task/*/schedstat (nanoseconds; exact), else utime + stime from /proc/PID/stat
/// (clock ticks, which this kernel may not update for short bursts).
fn cpu_time(pid: u32) -> Duration {
    let per_thread: Vec<u64> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .collect();
    if !per_thread.is_empty() {
        return Duration::from_nanos(per_thread.iter().sum());
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of proc(5), counted from "state" (field 3) here.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    // USER_HZ is 100 on every Linux platform that matters here.
    Duration::from_millis(ticks * 10)
}

/// What the server's hard and soft limit of a resource are: `prlimit --pid PID --RES -o SOFT,HARD -n`.
fn current_limit(pid: u32, resource: &str) -> String {
    let out = std::process::Command::new("prlimit")
        .args([
            "--pid",
            &pid.to_string(),
            &format!("--{resource}"),
            "-o",
            "SOFT,HARD",
            "--noheadings",
            "--raw",
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!("this hostile case needs `prlimit` (util-linux), which could not run: {e}")
        });
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let soft = parts.next().unwrap_or("unlimited");
    let hard = parts.next().unwrap_or("unlimited");
    format!("{soft}:{hard}")
}

/// No descriptor left (prlimit --nofile on the running server), then 20 connections.
pub fn fd_exhaustion(t: &Target) {
    if t.skipped("fd_exhaustion") {
        return;
    }
    let mut case = Case::start("fd_exhaustion", t);
    let pid = case.server.pid();
    let pid_s = pid.to_string();
    let before = current_limit(pid, "nofile");
    let limit = lowest_free_fd(pid);
    // Only the soft limit: the hard one stays, so that the soft one can be raised again
    // (raising a hard limit needs CAP_SYS_RESOURCE, which a container may not have).
    let hard = before.split(':').nth(1).unwrap_or("unlimited");
    prlimit(&["--pid", &pid_s, &format!("--nofile={limit}:{hard}")]);
    // Each sends a whole request and half-closes, so that a server that serves one at a time
    // is quickly done with the first (a blocked accept() took its descriptor before the limit
    // changed: accept(2) reserves it first) and then meets EMFILE.
    let hostile: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut s = connect(case.addr());
            let _ = s.write_all(&t.request);
            let _ = s.shutdown(Shutdown::Write);
            s
        })
        .collect();
    // The server must say what happened: a stdout line naming accept and the system's words
    // for EMFILE.
    let said = catch_unwind(AssertUnwindSafe(|| {
        case.server
            .wait_for_line("a line naming accept and \"too many open files\"", |l| {
                let l = l.to_lowercase();
                l.contains("accept") && l.contains("too many open files")
            })
    }));
    if let Err(payload) = said {
        let _ = std::process::Command::new("prlimit")
            .args(["--pid", &pid_s, &format!("--nofile={before}")])
            .status();
        resume_unwind(payload);
    }
    // A window in which it has no descriptor: it must not spin on accept().
    let cpu_before = cpu_time(pid);
    let lines_before = case.server.lines_so_far();
    let window = Instant::now();
    thread::sleep(Duration::from_millis(500));
    let cpu = cpu_time(pid).saturating_sub(cpu_before);
    let lines = case.server.lines_so_far() - lines_before;
    let wall = window.elapsed();
    if !case.server.is_running() {
        case.fail("the server exited when it ran out of file descriptors");
    }
    drop(hostile);
    prlimit(&["--pid", &pid_s, &format!("--nofile={before}")]);
    // A server that pauses between tries prints a few lines a second; one that spins, thousands.
    if cpu > wall / 2 || lines > 200 {
        case.fail(&format!(
            "with no descriptor left the server used {} ms of CPU and printed {lines} lines in {} ms: it retries accept() without a pause",
            ms(cpu),
            ms(wall)
        ));
    }
    case.note(format!(
        "descriptor limit {limit}, 20 connections: the server said so, stayed up, and in {} ms used {} ms of CPU and printed {lines} lines",
        ms(wall),
        ms(cpu),
    ));
    case.normal_client(t.deadline + t.margin);
    case.end();
}

/// The server's address space limited to what it uses + 1 MiB (no room for a new thread's
/// stack), 5 clients meanwhile, then the limit restored.
pub fn memory_limit(t: &Target) {
    if t.skipped("memory_limit") {
        return;
    }
    let mut case = Case::start("memory_limit", t);
    // Ready is serving, not listening: a server may make its threads and runtime after its
    // listening line (lesson 27's serve does). Limited before that, it could not start at all
    // (lesson 27 exited with EAGAIN from its first thread, once, 2026-12-03): one client is
    // served first, so that the limit falls on a server that runs.
    {
        let mut s = connect(case.addr());
        let _ = s.write_all(&t.request);
        let _ = s.shutdown(Shutdown::Write);
        let _ = read_until_closed(&mut s, t.deadline + t.margin);
    }
    let pid = case.server.pid();
    let pid_s = pid.to_string();
    let before = current_limit(pid, "as");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let vm_kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmSize:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .expect("VmSize in /proc/PID/status");
    let limit = (vm_kb + 1024) * 1024;
    prlimit(&[
        "--pid",
        &pid_s,
        &format!(
            "--as={limit}:{before_hard}",
            before_hard = before.split(':').nth(1).unwrap_or("unlimited")
        ),
    ]);
    let mut answered = 0;
    let handles: Vec<_> = (0..5)
        .map(|_| {
            let mut s = connect(case.addr());
            let _ = s.write_all(&t.request);
            let _ = s.shutdown(Shutdown::Write);
            s
        })
        .collect();
    let bound = t.deadline + t.margin;
    for mut s in handles {
        let (got, _) = read_until_closed(&mut s, bound);
        if !got.is_empty() {
            answered += 1;
        }
    }
    let alive = case.server.is_running();
    prlimit(&["--pid", &pid_s, &format!("--as={before}")]);
    if !alive {
        case.fail("the server exited when it could not get memory (a thread's stack, say)");
    }
    case.note(format!(
        "address space limited to {} MB: {answered} of 5 clients answered meanwhile, server stayed up",
        limit >> 20
    ));
    case.normal_client(t.margin);
    case.end();
}

/// 200 clients at once, from 8 threads; each sends the request and half-closes.
pub fn burst(t: &Target) {
    if t.skipped("burst") {
        return;
    }
    let mut case = Case::start("burst", t);
    let addr = case.addr();
    let began = Instant::now();
    let answered = Arc::new(Mutex::new(0usize));
    let bound = timeout();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let request = t.request.clone();
            let answered = answered.clone();
            thread::spawn(move || {
                let conns: Vec<TcpStream> = (0..25)
                    .filter_map(|_| TcpStream::connect_timeout(&addr, bound).ok())
                    .map(|mut s| {
                        let _ = s.write_all(&request);
                        let _ = s.shutdown(Shutdown::Write);
                        s
                    })
                    .collect();
                for mut s in conns {
                    let (got, _) = read_until_closed(&mut s, bound);
                    if !got.is_empty() {
                        *answered.lock().unwrap() += 1;
                    }
                }
            })
        })
        .collect();
    for handle in threads {
        let _ = handle.join();
    }
    let answered = *answered.lock().unwrap();
    case.note(format!(
        "burst of 200: {answered} answered, all done in {} ms",
        ms(began.elapsed())
    ));
    case.normal_client(t.margin);
    case.end();
}

/// 50 silent clients that stay connected; the normal client is served meanwhile.
pub fn idle_crowd(t: &Target) {
    if t.skipped("idle_crowd") {
        return;
    }
    if !t.concurrent {
        eprintln!(
            "hostile idle_crowd: not for a server that serves one client at a time (each silent \
             client would take its deadline in turn)"
        );
        return;
    }
    let mut case = Case::start("idle_crowd", t);
    let crowd: Vec<TcpStream> = (0..50).map(|_| connect(case.addr())).collect();
    case.normal_client(t.margin);
    let still_open = crowd
        .iter()
        .filter(|s| {
            let _ = s.set_nonblocking(true);
            let mut byte = [0u8; 1];
            let open =
                matches!((&**s).read(&mut byte), Err(e) if e.kind() == ErrorKind::WouldBlock);
            let _ = s.set_nonblocking(false);
            open
        })
        .count();
    case.note(format!(
        "50 silent clients connected; {still_open} of them still connected after the normal client"
    ));
    drop(crowd);
    case.end();
}
