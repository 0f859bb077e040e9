//! The hostile battery for UDP servers (chapters 10, 17, 28). The TCP battery does not apply:
//! there is no connection to trickle on, hold or reset. What a stranger CAN do to a UDP port is
//! send it anything, from anywhere, as fast as it likes, and go away. After each case a NORMAL
//! client must be served promptly (the server reads datagrams in order, so by then it has
//! handled every hostile one), the server must still be running (or, for one that serves one
//! exchange and exits, exit with code 0 after the normal client), and its peak memory must have
//! stayed bounded.
//!
//! ```no_run
//! use std::net::UdpSocket;
//! use testkit::hostile::udp::{ask, Udp};
//!
//! const BIN: &str = "";
//!
//! fn target() -> Udp {
//!     // A fresh `BIN server --addr 127.0.0.1:0` per case; one valid request datagram; the
//!     // normal client (asserting the answer); the server's receive buffer in bytes.
//!     Udp::server(BIN, &[], b"1 hello", |addr| {
//!         let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
//!         ask(&socket, addr, b"1 hello", |answer| answer == b"1 HELLO");
//!     })
//!     .buffer(65)
//! }
//!
//! testkit::hostile_udp_battery!(target);
//! ```
//!
//! The cases (test names, in a module `hostile_udp`):
//!
//! - `garbage`: 50 datagrams of arbitrary bytes, 1 to 512 long (`.garbage_avoids(b"DE")` for
//!   a protocol where any datagram starting with `D` is a valid one);
//! - `non_utf8`: the request with every byte but ASCII digits and spaces replaced by bytes that
//!   are not UTF-8 (`\xff\xfe\xc3(`);
//! - `empty`: 10 datagrams of 0 bytes (legal in UDP: RFC 768);
//! - `oversized`: the request padded with `x` to the server's buffer + 1, to twice the buffer,
//!   and to 65,507 bytes (the largest UDP payload over IPv4). A receive cuts a datagram to the
//!   buffer (recvfrom(2), udp(7): MSG_TRUNC): the server must notice and IGNORE it, not parse
//!   the cut piece, which starts like a valid request. Checked: the hostile socket got no
//!   answer at all;
//! - `flood`: 32 sockets (32 ports), each sending 200 datagrams (garbage and valid requests,
//!   alternately) as fast as it can and never reading an answer;
//! - `vanish`: 5 clients send the request and close their socket before the answer: the
//!   answers go to closed ports (ICMP port unreachable comes back);
//! - `stop_continue` (Linux): `kill -STOP` the server, 300 ms, `kill -CONT`, then a request:
//!   the server must go on (a receive with a timeout fails with EINTR then, signal(7)).
//!
//! Each prints one line (`cargo test -- --nocapture`), e.g.
//! `hostile_udp flood: 6400 datagrams from 32 ports; normal client served in 41 ms (bound 3000
//! ms); server peak RSS 2.6 MB (bound 64 MB)`.
//!
//! For the normal client: [`ask`] sends a datagram and waits for the answer that `accept`s,
//! sending again every 200 ms (a datagram may be dropped when the server's receive queue is
//! full after a flood: UDP promises nothing), up to the test timeout.

use std::net::{SocketAddr, UdpSocket};
use std::thread;
use std::time::{Duration, Instant};

use super::{kill, memory, Stopped};
use crate::{timeout, Server};

/// Every case of the UDP battery.
pub const CASES: &[&str] = &[
    "garbage",
    "non_utf8",
    "empty",
    "oversized",
    "flood",
    "vanish",
    "stop_continue",
];

/// A UDP server under attack. See the module's documentation.
pub struct Udp {
    bin: &'static str,
    args: &'static [&'static str],
    request: Vec<u8>,
    normal: Box<dyn Fn(SocketAddr)>,
    buffer: usize,
    one_exchange: bool,
    avoid: &'static [u8],
    margin: Duration,
    max_rss_mb: f64,
    skips: Vec<(&'static str, String)>,
}

impl Udp {
    /// `bin server --addr 127.0.0.1:0 ARGS` for each case; `request`: one valid request
    /// datagram; `normal(addr)`: a normal client's whole exchange, asserting the answer.
    pub fn server(
        bin: &'static str,
        args: &'static [&'static str],
        request: &[u8],
        normal: impl Fn(SocketAddr) + 'static,
    ) -> Udp {
        assert!(!request.is_empty(), "the request must have a byte");
        Udp {
            bin,
            args,
            request: request.to_vec(),
            normal: Box::new(normal),
            buffer: 65_536,
            one_exchange: false,
            avoid: b"",
            margin: Duration::from_millis(3000),
            max_rss_mb: 64.0,
            skips: Vec::new(),
        }
    }

    /// The server's receive buffer (or the longest datagram it takes + 1): `oversized` sends
    /// one byte more than this.
    pub fn buffer(mut self, bytes: usize) -> Self {
        self.buffer = bytes;
        self
    }

    /// The server serves one exchange and exits (code 0) after the normal client.
    pub fn one_exchange(mut self) -> Self {
        self.one_exchange = true;
        self
    }

    /// Arbitrary bytes never start with one of these (replaced by `?`): for a protocol in which
    /// any datagram that starts with one of them IS a valid request (so "garbage" would not be).
    pub fn garbage_avoids(mut self, first_bytes: &'static [u8]) -> Self {
        self.avoid = first_bytes;
        self
    }

    /// Arbitrary bytes, the same every run, not starting with a byte of `avoid`.
    fn noise(&self, seed: u64, len: usize) -> Vec<u8> {
        let mut bytes = noise(seed, len);
        if bytes.first().is_some_and(|b| self.avoid.contains(b)) {
            bytes[0] = b'?';
        }
        bytes
    }

    /// How long the normal client may take (default 3 s).
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The server's peak resident memory (VmHWM) allowed (default 64 MB).
    pub fn max_rss_mb(mut self, mb: f64) -> Self {
        self.max_rss_mb = mb;
        self
    }

    /// A case that does not apply: it prints `reason` and passes.
    pub fn skip(mut self, case: &'static str, reason: &str) -> Self {
        assert!(CASES.contains(&case), "no UDP case is called {case:?}");
        self.skips.push((case, reason.to_string()));
        self
    }

    fn skipped(&self, case: &str) -> bool {
        super::skipped("hostile_udp", &self.skips, case)
    }
}

/// Generate one `#[test]` per case, in a module `hostile_udp`, from a function returning the
/// [`Udp`] target: `testkit::hostile_udp_battery!(target);`
#[macro_export]
macro_rules! hostile_udp_battery {
    ($target:ident) => {
        mod hostile_udp {
            #[test]
            fn garbage() {
                $crate::hostile::udp::garbage(&super::$target());
            }
            #[test]
            fn non_utf8() {
                $crate::hostile::udp::non_utf8(&super::$target());
            }
            #[test]
            fn empty() {
                $crate::hostile::udp::empty(&super::$target());
            }
            #[test]
            fn oversized() {
                $crate::hostile::udp::oversized(&super::$target());
            }
            #[test]
            fn flood() {
                $crate::hostile::udp::flood(&super::$target());
            }
            #[test]
            fn vanish() {
                $crate::hostile::udp::vanish(&super::$target());
            }
            #[cfg(target_os = "linux")]
            #[test]
            fn stop_continue() {
                $crate::hostile::udp::stop_continue(&super::$target());
            }
        }
    };
}

/// Send `datagram` to `to` and return the first answer from `to` that `accept`s, sending again
/// every 200 ms; panics after the test timeout.
#[track_caller]
pub fn ask(
    socket: &UdpSocket,
    to: SocketAddr,
    datagram: &[u8],
    accept: impl Fn(&[u8]) -> bool,
) -> Vec<u8> {
    let until = Instant::now() + timeout();
    let mut buf = vec![0u8; 65_536];
    while Instant::now() < until {
        socket.send_to(datagram, to).expect("send_to");
        let again = Instant::now() + Duration::from_millis(200);
        loop {
            let left = again.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            socket.set_read_timeout(Some(left)).unwrap();
            match socket.recv_from(&mut buf) {
                Ok((n, from)) if from == to && accept(&buf[..n]) => return buf[..n].to_vec(),
                Ok(_) => continue,
                Err(_) => break,
            }
        }
    }
    panic!(
        "no acceptable answer to {} from {to} within {} s",
        show(datagram),
        timeout().as_secs()
    );
}

/// A running case: the server and the figures to print.
struct Case<'t> {
    name: &'static str,
    target: &'t Udp,
    server: Server,
    figures: Vec<String>,
}

impl<'t> Case<'t> {
    fn start(name: &'static str, target: &'t Udp) -> Case<'t> {
        Case {
            name,
            target,
            server: Server::start(target.bin, target.args),
            figures: Vec::new(),
        }
    }

    fn addr(&self) -> SocketAddr {
        self.server.addr
    }

    fn fail(&mut self, what: &str) -> ! {
        let run = self.server.stop();
        let lines: Vec<&str> = run.stdout.lines().collect();
        let tail = lines[lines.len().saturating_sub(30)..].join("\n");
        panic!(
            "\n\nhostile_udp {}: {what}\n\n--- the server's last lines ---\n{tail}\n--- its stderr ---\n{}\n",
            self.name, run.stderr
        );
    }

    /// The server's peak memory so far must be under the bound.
    fn memory(&mut self) {
        if let Some((peak, _)) = memory(self.server.pid()) {
            let bound = self.target.max_rss_mb;
            let figure = format!("server peak RSS {peak:.1} MB (bound {bound:.0} MB)");
            if peak > bound {
                self.fail(&format!("its memory was not bounded: {figure}"));
            }
            self.figures.push(figure);
        }
    }

    /// The server must still be running; then the normal client, within the margin, after
    /// a look at the memory.
    fn serve_normal(&mut self) {
        if !self.server.is_running() {
            self.fail("the server exited");
        }
        self.memory();
        let addr = self.addr();
        let began = Instant::now();
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (self.target.normal)(addr)));
        let took = began.elapsed();
        if let Err(payload) = outcome {
            let message = super::panic_message(&*payload);
            self.fail(&format!(
                "the normal client was not served (after {} ms):\n{message}",
                took.as_millis()
            ));
        }
        let bound = self.target.margin;
        if took > bound {
            self.fail(&format!(
                "the normal client was served only after {} ms (bound {} ms)",
                took.as_millis(),
                bound.as_millis()
            ));
        }
        self.figures.push(format!(
            "normal client served in {} ms (bound {} ms)",
            took.as_millis(),
            bound.as_millis()
        ));
    }

    /// After the normal client: a one-exchange server exits with code 0, any other is still
    /// running. Print the figures.
    fn end(mut self) {
        if self.target.one_exchange {
            let run = self.server.finish();
            assert!(
                run.code == Some(0),
                "hostile_udp {}: after the normal exchange the server should exit with code 0\n{}",
                self.name,
                run.transcript()
            );
        } else {
            if !self.server.is_running() {
                self.fail("the server exited after the normal client");
            }
            self.server.stop();
        }
        let figures = self.figures.join("; ");
        eprintln!("hostile_udp {}: {figures}", self.name);
        super::figures::record("hostile_udp", self.name, &figures);
    }

    fn normal_client(mut self) {
        self.serve_normal();
        self.end();
    }
}

/// Bytes as a Rust literal shows them, cut after 40 for long ones.
fn show(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(40)];
    let more = if bytes.len() > 40 { "..." } else { "" };
    format!("b\"{}\"{more} ({} bytes)", cut.escape_ascii(), bytes.len())
}

fn socket() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").expect("a UDP socket on 127.0.0.1:0")
}

/// Did `socket` receive anything? (Not waiting: see `oversized`.)
fn received_any(socket: &UdpSocket) -> Option<Vec<u8>> {
    socket.set_nonblocking(true).unwrap();
    let mut buf = vec![0u8; 65_536];
    let got = socket
        .recv_from(&mut buf)
        .ok()
        .map(|(n, _)| buf[..n].to_vec());
    socket.set_nonblocking(false).unwrap();
    got
}

/// Arbitrary bytes, the same every run (a linear congruential generator).
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

/// 50 datagrams of arbitrary bytes.
pub fn garbage(t: &Udp) {
    if t.skipped("garbage") {
        return;
    }
    let mut case = Case::start("garbage", t);
    let s = socket();
    for i in 0..50u64 {
        let len = 1 + (i as usize * 97) % 512;
        let _ = s.send_to(&t.noise(i, len), case.addr());
    }
    case.figures.push("50 datagrams of arbitrary bytes".into());
    case.normal_client();
}

/// The request, its bytes that are not ASCII digits or spaces made invalid UTF-8.
pub fn non_utf8(t: &Udp) {
    if t.skipped("non_utf8") {
        return;
    }
    let mut case = Case::start("non_utf8", t);
    let mut bad = Vec::new();
    for &b in &t.request {
        match b {
            b'0'..=b'9' | b' ' => bad.push(b),
            _ => bad.extend_from_slice(b"\xff\xfe\xc3("),
        }
    }
    let s = socket();
    let _ = s.send_to(&bad, case.addr());
    case.figures.push(format!("sent {}", show(&bad)));
    case.normal_client();
}

/// Ten empty datagrams.
pub fn empty(t: &Udp) {
    if t.skipped("empty") {
        return;
    }
    let mut case = Case::start("empty", t);
    let s = socket();
    for _ in 0..10 {
        let _ = s.send_to(&[], case.addr());
    }
    case.figures.push("10 empty datagrams".into());
    case.normal_client();
}

/// The request padded past the server's buffer: it must be ignored, not parsed cut.
pub fn oversized(t: &Udp) {
    if t.skipped("oversized") {
        return;
    }
    let mut case = Case::start("oversized", t);
    let s = socket();
    let sizes = [t.buffer + 1, t.buffer * 2, 65_507];
    for size in sizes {
        let mut datagram = t.request.clone();
        datagram.resize(size.max(t.request.len()), b'x');
        s.send_to(&datagram, case.addr())
            .unwrap_or_else(|e| panic!("send_to of {size} bytes: {e}"));
    }
    // The server takes datagrams in order: once the normal client is served, it has handled
    // the long ones, and any answer to them is already in our socket.
    case.serve_normal();
    if let Some(answer) = received_any(&s) {
        case.fail(&format!(
            "the server answered a datagram longer than its buffer ({}): it parsed the piece \
             the receive cut off, instead of noticing the cut (a datagram that fills the buffer \
             was longer: recvfrom(2), MSG_TRUNC) and ignoring it",
            show(&answer)
        ));
    }
    case.figures.push(format!(
        "datagrams of {sizes:?} bytes (buffer {}): none answered",
        t.buffer
    ));
    case.end();
}

/// 32 ports, 200 datagrams each, never reading.
pub fn flood(t: &Udp) {
    if t.skipped("flood") {
        return;
    }
    let mut case = Case::start("flood", t);
    let addr = case.addr();
    let began = Instant::now();
    let senders: Vec<_> = (0..32u64)
        .map(|port| {
            let request = t.request.clone();
            let garbage: Vec<Vec<u8>> = (0..100u64)
                .map(|i| t.noise(port * 1000 + i, 1 + (i as usize * 13) % 200))
                .collect();
            thread::spawn(move || {
                let s = socket();
                for i in 0..200usize {
                    let datagram = match i % 2 {
                        0 => garbage[i / 2].clone(),
                        _ => request.clone(),
                    };
                    let _ = s.send_to(&datagram, addr);
                }
                // Keep the socket (and never read) until all have sent.
                s
            })
        })
        .collect();
    let sockets: Vec<UdpSocket> = senders.into_iter().filter_map(|h| h.join().ok()).collect();
    case.figures.push(format!(
        "6400 datagrams from {} ports in {} ms, never read",
        sockets.len(),
        began.elapsed().as_millis()
    ));
    case.normal_client();
    drop(sockets);
}

/// Five clients send the request and close their socket before the answer.
pub fn vanish(t: &Udp) {
    if t.skipped("vanish") {
        return;
    }
    let mut case = Case::start("vanish", t);
    for _ in 0..5 {
        let s = socket();
        let _ = s.send_to(&t.request, case.addr());
        drop(s);
    }
    case.figures
        .push("5 clients sent the request and closed their socket".into());
    case.normal_client();
}

/// The server stopped (SIGSTOP) while a request arrives, then continued.
pub fn stop_continue(t: &Udp) {
    if t.skipped("stop_continue") {
        return;
    }
    let mut case = Case::start("stop_continue", t);
    let pid = case.server.pid();
    let s = socket();
    // Let the server get into its receive.
    thread::sleep(Duration::from_millis(100));
    {
        let stopped = Stopped(pid);
        kill("STOP", pid);
        thread::sleep(Duration::from_millis(300));
        drop(stopped);
    }
    // Continued with nothing to receive: a receive with a timeout fails with EINTR now. Give
    // the server a moment to fail, if it is going to; then a request.
    thread::sleep(Duration::from_millis(100));
    let _ = s.send_to(&t.request, case.addr());
    case.figures
        .push("stopped 300 ms, continued, then a request".into());
    case.normal_client();
}
