//! The exercise's checks: your `request` runs here, on a fake network with a clock of its own
//! (nothing really waits): the server answers each request that reaches it 10 ms later, and
//! a check can lose requests, send stray datagrams or make a receive fail. They check what
//! `request` returns and which datagrams it sends when, never what anything prints.
//! (`cargo exercise lesson-10-udp` runs them on src/exercise.rs.)

use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use lesson_10_udp::{message, parse, request, Datagrams, MAX_MESSAGE};
use testkit::{fail, yours};

const SERVER: &str = "127.0.0.1:7010";
const STRANGER: &str = "127.0.0.1:9999";
/// Another machine, sending from the server's port number.
const OTHER_HOST: &str = "127.0.0.2:7010";
const FIRST_WAIT: Duration = Duration::from_millis(100);

fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

/// A network whose time passes only when the client waits.
struct Net {
    start: Instant,
    /// Time since the start (ms).
    now: u64,
    /// Which of the client's datagrams are lost (1 = the first it sends).
    lose: Vec<usize>,
    /// Datagrams on their way to the client: (arrival time in ms, bytes, sender).
    coming: Vec<(u64, Vec<u8>, SocketAddr)>,
    /// Which recv_from fails (1 = the first the client makes), and with what.
    fail_recv: Option<(usize, ErrorKind)>,
    /// Which send_to fails (1 = the first the client makes), and with what.
    fail_send: Option<(usize, ErrorKind)>,
    /// How a receive reports that its deadline passed: `WouldBlock` as on Unix, or
    /// `TimedOut` as on Windows.
    timeout: ErrorKind,
    /// What the client sent: (time in ms, datagram, to).
    sent: Vec<(u64, Vec<u8>, SocketAddr)>,
    receives: usize,
}

impl Net {
    fn new(lose: &[usize]) -> Net {
        Net {
            start: Instant::now(),
            now: 0,
            lose: lose.to_vec(),
            coming: Vec::new(),
            fail_recv: None,
            fail_send: None,
            timeout: ErrorKind::WouldBlock,
            sent: Vec::new(),
            receives: 0,
        }
    }

    /// Someone sends the client `bytes` from `from`, arriving at `at` ms.
    fn stray(mut self, at: u64, bytes: &[u8], from: &str) -> Net {
        self.coming.push((at, bytes.to_vec(), addr(from)));
        self
    }

    fn ms(&self, instant: Instant) -> u64 {
        instant.saturating_duration_since(self.start).as_millis() as u64
    }

    /// The datagrams sent, one a line, with their times.
    fn sends(&self) -> String {
        if self.sent.is_empty() {
            return "(no datagram sent)".into();
        }
        let lines: Vec<String> = self
            .sent
            .iter()
            .map(|(t, d, to)| format!("at {t} ms: send_to({to}, b\"{}\")", d.escape_ascii()))
            .collect();
        lines.join("\n")
    }
}

impl Datagrams for Net {
    fn first_wait(&self) -> Duration {
        FIRST_WAIT
    }

    fn deadline(&mut self, wait: Duration) -> Instant {
        self.start + Duration::from_millis(self.now) + wait
    }

    fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> io::Result<usize> {
        self.sent.push((self.now, datagram.to_vec(), to));
        if let Some((nth, kind)) = self.fail_send {
            if nth == self.sent.len() {
                return Err(kind.into());
            }
        }
        let lost = self.lose.contains(&self.sent.len());
        if let (false, true, Some((seq, text))) = (lost, to == addr(SERVER), parse(datagram)) {
            let answer = message(seq, &text.to_ascii_uppercase());
            self.coming.push((self.now + 10, answer, addr(SERVER)));
        }
        Ok(datagram.len())
    }

    fn recv_from(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<(usize, SocketAddr)> {
        self.receives += 1;
        if self.receives > 10_000 {
            fail(
                "request called recv_from 10000 times: it never gives up.",
                "at most retries + 1 tries, each ending at its deadline",
                &self.sends(),
            );
        }
        if let Some((nth, kind)) = self.fail_recv {
            if nth == self.receives {
                return Err(kind.into());
            }
        }
        let until = self.ms(deadline);
        self.coming.sort_by_key(|(at, _, _)| *at);
        match self.coming.first() {
            Some((at, _, _)) if *at <= until => {
                let (at, bytes, from) = self.coming.remove(0);
                self.now = self.now.max(at);
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                Ok((n, from))
            }
            _ => {
                self.now = self.now.max(until);
                Err(self.timeout.into())
            }
        }
    }
}

/// What `request` returned, as the checks compare it: an error by its kind only.
fn outcome(result: &io::Result<Vec<u8>>) -> String {
    match result {
        Ok(answer) => format!("Ok(b\"{}\")", answer.escape_ascii()),
        Err(e) => format!("Err({:?})", e.kind()),
    }
}

fn show(result: &io::Result<Vec<u8>>) -> String {
    match result {
        Err(e) => format!("Err({:?}: {e})", e.kind()),
        ok => outcome(ok),
    }
}

/// The request went out at these times (ms), and `request` returned `expected`.
#[track_caller]
fn check(net: &Net, result: &io::Result<Vec<u8>>, times: &[u64], expected: &str, what: &str) {
    let sent: Vec<u64> = net.sent.iter().map(|(t, _, _)| *t).collect();
    let right = net
        .sent
        .iter()
        .all(|(_, d, to)| *d == message(1, b"one") && *to == addr(SERVER));
    if sent != times || !right {
        let wanted: Vec<String> = times
            .iter()
            .map(|t| format!("at {t} ms: send_to({SERVER}, b\"1 one\")"))
            .collect();
        fail(&format!("{what}."), &wanted.join("\n"), &net.sends());
    }
    if outcome(result) != expected {
        fail(
            &format!("request returned the wrong thing. {what}."),
            expected,
            &format!(
                "{}\n\nafter these datagrams:\n{}",
                show(result),
                net.sends()
            ),
        );
    }
}

/// Every try was lost: `request` gives up when the last try's deadline has passed, at `at` ms
/// (the network's clock moves only while the client waits in `recv_from`), not before it (the
/// last try's answer could still come) and not after it.
#[track_caller]
fn check_gave_up_at(net: &Net, at: u64, last_wait: u64) {
    if net.now != at {
        let sent_at = at - last_wait;
        let why = if net.now < at {
            "before the last try's deadline: its answer could still have come"
        } else {
            "after the last try's deadline: it waited longer than that try's wait"
        };
        fail(
            &format!("request gave up {why}."),
            &format!(
                "the last try, sent at {sent_at} ms, waits {last_wait} ms: request returns at {at} ms"
            ),
            &format!(
                "request returned at {} ms, after these datagrams:\n{}",
                net.now,
                net.sends()
            ),
        );
    }
}

/// Ask request 1, "one", with `retries`, over `net`.
fn ask(net: &mut Net, retries: u32) -> io::Result<Vec<u8>> {
    yours(|| request(net, addr(SERVER), 1, b"one", retries))
}

#[test]
fn an_answer_that_comes_is_returned() {
    let mut net = Net::new(&[]);
    let result = ask(&mut net, 2);
    check(
        &net,
        &result,
        &[0],
        "Ok(b\"ONE\")",
        "The request goes out once; its answer comes 10 ms later",
    );
}

#[test]
fn the_longest_answer_comes_whole() {
    // "1 " and 62 letters: an answer of MAX_MESSAGE bytes, the most the protocol allows.
    let text = vec![b'x'; MAX_MESSAGE - 2];
    let mut net = Net::new(&[]);
    let result = yours(|| request(&mut net, addr(SERVER), 1, &text, 2));
    let expected = vec![b'X'; MAX_MESSAGE - 2];
    if !matches!(&result, Ok(answer) if *answer == expected) {
        fail(
            &format!(
                "request did not return the whole answer of {MAX_MESSAGE} bytes (the longest \
                 message): is your receive buffer big enough? recv_from cuts a datagram to fit."
            ),
            &outcome(&Ok(expected)),
            &show(&result),
        );
    }
}

#[test]
fn a_lost_request_is_sent_again_at_its_deadline() {
    let mut net = Net::new(&[1]);
    let result = ask(&mut net, 2);
    check(
        &net,
        &result,
        &[0, 100],
        "Ok(b\"ONE\")",
        "The first request is lost: no answer by its deadline (100 ms), so it is sent again",
    );
}

#[test]
fn each_try_waits_twice_as_long_and_then_it_gives_up() {
    let mut net = Net::new(&[1, 2, 3, 4, 5]);
    let result = ask(&mut net, 3);
    check(
        &net,
        &result,
        &[0, 100, 300, 700],
        "Err(TimedOut)",
        "Every request is lost: 1 + 3 retries, waiting 100, 200, 400 and 800 ms, then an \
         error of kind TimedOut",
    );
    check_gave_up_at(&net, 1500, 800);
}

#[test]
fn no_retries_means_one_try() {
    let mut net = Net::new(&[1, 2]);
    let result = ask(&mut net, 0);
    check(
        &net,
        &result,
        &[0],
        "Err(TimedOut)",
        "retries = 0 and the request is lost: one try, then an error of kind TimedOut",
    );
    check_gave_up_at(&net, 100, 100);
}

#[test]
fn strays_are_not_the_answer_and_do_not_buy_time() {
    // The request is lost. Meanwhile: a stranger's datagram, one from another machine that
    // sends from the server's port number, an old answer (request 7), an answer to request
    // 12 (whose number starts with a 1) and a datagram that is not `<seq> <text>` at all,
    // all before the deadline.
    let mut net = Net::new(&[1])
        .stray(30, b"1 FAKE", STRANGER)
        .stray(45, b"1 ELSEWHERE", OTHER_HOST)
        .stray(60, b"7 SEVEN", SERVER)
        .stray(75, b"12 TWELVE", SERVER)
        .stray(90, b"nonsense", SERVER);
    let result = ask(&mut net, 2);
    if matches!(&result, Ok(answer) if answer != b"ONE") {
        fail(
            "request returned a datagram that is not the answer: the answer comes from the \
             server and carries the request's own number (1).",
            "Ok(b\"ONE\"), from 127.0.0.1:7010, to request 1",
            &format!(
                "{}  (strays: b\"1 FAKE\" from {STRANGER}, b\"1 ELSEWHERE\" from \
                 {OTHER_HOST}, b\"7 SEVEN\" and b\"12 TWELVE\" from {SERVER})",
                show(&result)
            ),
        );
    }
    check(
        &net,
        &result,
        &[0, 100],
        "Ok(b\"ONE\")",
        "The first request is lost; five datagrams that are not its answer arrive before \
         its deadline, which stays at 100 ms",
    );
}

#[test]
fn a_datagram_longer_than_the_protocol_allows_is_not_the_answer() {
    // The request is lost; meanwhile the server's port sends `1 ` and 100 letters, longer than
    // MAX_MESSAGE. Cut to a buffer of MAX_MESSAGE bytes it would look like an answer to 1.
    let long = message(1, &[b'Z'; 100]);
    let mut net = Net::new(&[1]).stray(50, &long, SERVER);
    let result = ask(&mut net, 2);
    check(
        &net,
        &result,
        &[0, 100],
        "Ok(b\"ONE\")",
        &format!(
            "The first request is lost; a datagram of {} bytes (longer than MAX_MESSAGE, \
             {MAX_MESSAGE}) arrives from the server with number 1 before the deadline: it is \
             no answer, however it looks once cut to the receive buffer",
            long.len()
        ),
    );
}

#[test]
fn any_other_error_is_returned_at_once() {
    // ECONNREFUSED: on a connected UDP socket, the ICMP "port unreachable" of a last send.
    let mut net = Net::new(&[]);
    net.fail_recv = Some((1, ErrorKind::ConnectionRefused));
    let result = ask(&mut net, 2);
    if !matches!(&result, Err(e) if e.kind() == ErrorKind::ConnectionRefused) || net.sent.len() != 1
    {
        fail(
            "recv_from failed with ConnectionRefused (not a timeout): request returns that \
             error at once, without sending again.",
            "Err(ConnectionRefused), after one datagram",
            &format!(
                "{}\n\nafter these datagrams:\n{}",
                show(&result),
                net.sends()
            ),
        );
    }
    // The same on a retry: the first request is lost, its receive times out, and the retry's
    // receive fails.
    let mut net = Net::new(&[1]);
    net.fail_recv = Some((2, ErrorKind::ConnectionRefused));
    let result = ask(&mut net, 2);
    if !matches!(&result, Err(e) if e.kind() == ErrorKind::ConnectionRefused) || net.sent.len() != 2
    {
        fail(
            "the first request was lost, and the retry's recv_from failed with \
             ConnectionRefused (not a timeout): request returns that error at once, as it does \
             on the first try, without sending again.",
            "Err(ConnectionRefused), after two datagrams (at 0 and 100 ms)",
            &format!(
                "{}\n\nafter these datagrams:\n{}",
                show(&result),
                net.sends()
            ),
        );
    }
    // ENETUNREACH: sendto() finds no route. Returned at once, not tried again.
    let mut net = Net::new(&[]);
    net.fail_send = Some((1, ErrorKind::NetworkUnreachable));
    let result = ask(&mut net, 2);
    if !matches!(&result, Err(e) if e.kind() == ErrorKind::NetworkUnreachable)
        || net.sent.len() != 1
    {
        fail(
            "send_to failed with NetworkUnreachable: request returns that error at once, \
             without waiting for an answer or sending again.",
            "Err(NetworkUnreachable), after one send_to",
            &format!(
                "{}\n\nafter these datagrams:\n{}",
                show(&result),
                net.sends()
            ),
        );
    }
    // The same on a retry: the first request is lost, and sending it again fails.
    let mut net = Net::new(&[1]);
    net.fail_send = Some((2, ErrorKind::NetworkUnreachable));
    let result = ask(&mut net, 2);
    if !matches!(&result, Err(e) if e.kind() == ErrorKind::NetworkUnreachable)
        || net.sent.len() != 2
    {
        fail(
            "the first request was lost, and the retry's send_to failed with \
             NetworkUnreachable: request returns that error at once, as it does on the first \
             try, without waiting for an answer or sending again.",
            "Err(NetworkUnreachable), after two send_to (at 0 and 100 ms)",
            &format!(
                "{}\n\nafter these datagrams:\n{}",
                show(&result),
                net.sends()
            ),
        );
    }
}

#[test]
fn a_timeout_reported_as_timed_out_is_a_timeout_too() {
    // Windows reports a receive whose timeout ran out as TimedOut, not WouldBlock.
    let mut net = Net::new(&[1]);
    net.timeout = ErrorKind::TimedOut;
    let result = ask(&mut net, 2);
    check(
        &net,
        &result,
        &[0, 100],
        "Ok(b\"ONE\")",
        "The first request is lost, and this network reports its deadline as an error of kind \
         TimedOut (as Windows does), not WouldBlock: `is_timeout` says both are a timeout, so \
         the request is sent again",
    );
}

#[test]
fn the_answer_is_returned_byte_for_byte() {
    // Spaces inside, a byte that is not UTF-8, and a final newline (what `nc -u` sends).
    let text = b"one two \xff\n";
    let mut net = Net::new(&[]);
    let result = yours(|| request(&mut net, addr(SERVER), 1, text, 2));
    let request = message(1, text);
    if net.sent.iter().any(|(_, d, _)| *d != request) {
        fail(
            "request did not send the datagram message(1, text), byte for byte: the text is \
             bytes (here with spaces, a byte that is not UTF-8 and a final newline), sent as \
             it is.",
            &format!("send_to({SERVER}, b\"{}\")", request.escape_ascii()),
            &net.sends(),
        );
    }
    let expected = b"ONE TWO \xff\n".to_vec();
    if !matches!(&result, Ok(answer) if *answer == expected) {
        fail(
            "request did not return the answer's text byte for byte: everything after the \
             first space is the text, spaces, a final newline and bytes that are not UTF-8 \
             included.",
            &format!(
                "{}  (the answer b\"1 ONE TWO \\xff\\n\")",
                outcome(&Ok(expected))
            ),
            &show(&result),
        );
    }
}

#[test]
fn request_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your request runs.
    testkit::prints_nothing(
        "request",
        &[
            "an_answer_that_comes_is_returned",
            "strays_are_not_the_answer_and_do_not_buy_time",
            "any_other_error_is_returned_at_once",
        ],
    );
}
