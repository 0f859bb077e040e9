//! The exercise's checks: your `connect_first` runs here with a `Connector` that plays a
//! script (how long each address takes to answer, and what it answers), notes when each try
//! starts and with what limit, and sees which connections are closed; then with real sockets.
//! They check what your function returns, when, and what it leaves open, never what anything
//! prints. Times are checked with generous margins: the machine may be busy.
//! (`cargo exercise lesson-05-connect` runs them on src/exercise.rs.)

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpListener};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use lesson_05_connect::{connect_first, Connector, Plain};
use socket2::{Domain, SockAddr, Socket, Type};
use testkit::{fail, yours};

const MS: fn(u64) -> Duration = Duration::from_millis;

/// What an address answers, after its delay.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Answer {
    /// The handshake is done: a connection.
    Connects,
    /// ECONNREFUSED, as an RST would.
    Refused,
    /// socket() itself fails (EAFNOSUPPORT: an IPv6 address on a machine without IPv6).
    NoSocket,
    /// Nothing, ever: the try's own limit runs out (ETIMEDOUT).
    Silent,
    /// Nothing, ever, and the try reports its ETIMEDOUT a moment (300 ms) after its limit, as
    /// a thread on a busy machine may: what your function does AT the deadline shows.
    Stuck,
}

/// What the script saw, with the time since the call of your function.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Started {
        addr: SocketAddr,
        at: Duration,
        limit: Duration,
    },
    Closed {
        addr: SocketAddr,
        at: Duration,
    },
}

/// The test's connector: each address answers after its delay (or its limit, if sooner).
struct Script {
    plan: Vec<(SocketAddr, Duration, Answer)>,
    seen: Arc<Mutex<Vec<Seen>>>,
    start: Instant,
}

/// A connection the script made: it notes when it is dropped, that is closed.
#[derive(Debug)]
struct FakeConn {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    start: Instant,
}

impl Drop for FakeConn {
    fn drop(&mut self) {
        let at = self.start.elapsed();
        self.seen.lock().unwrap().push(Seen::Closed {
            addr: self.addr,
            at,
        });
    }
}

impl Connector for Script {
    type Conn = FakeConn;

    fn connect(&self, addr: SocketAddr, limit: Duration) -> io::Result<FakeConn> {
        let at = self.start.elapsed();
        self.seen
            .lock()
            .unwrap()
            .push(Seen::Started { addr, at, limit });
        let Some(&(_, delay, answer)) = self.plan.iter().find(|p| p.0 == addr) else {
            return Err(ErrorKind::ConnectionRefused.into());
        };
        if answer == Answer::NoSocket {
            return Err(no_socket());
        }
        // Wait for the answer, or the limit (never more than a minute: a try given no real
        // limit stays blocked that long, which the checks notice first).
        let silent = matches!(answer, Answer::Silent | Answer::Stuck) || delay >= limit;
        let late = if answer == Answer::Stuck {
            MS(300)
        } else {
            MS(0)
        };
        thread::sleep(if silent { limit + late } else { delay }.min(Duration::from_secs(60)));
        match answer {
            _ if silent => Err(ErrorKind::TimedOut.into()),
            Answer::Connects => Ok(FakeConn {
                addr,
                seen: Arc::clone(&self.seen),
                start: self.start,
            }),
            _ => Err(ErrorKind::ConnectionRefused.into()),
        }
    }
}

fn no_socket() -> io::Error {
    io::Error::new(
        ErrorKind::Unsupported,
        "address family not supported by protocol",
    )
}

/// Made-up addresses: the script never touches the network.
fn addr(n: u8) -> SocketAddr {
    SocketAddr::from(([192, 0, 2, n], 443))
}

fn script(plan: &[(Duration, Answer)]) -> (Arc<Script>, Vec<SocketAddr>) {
    let addrs: Vec<SocketAddr> = (1..=plan.len() as u8).map(addr).collect();
    let plan = addrs
        .iter()
        .zip(plan)
        .map(|(&a, &(d, ans))| (a, d, ans))
        .collect();
    let seen = Arc::new(Mutex::new(Vec::new()));
    (
        Arc::new(Script {
            plan,
            seen,
            start: Instant::now(),
        }),
        addrs,
    )
}

type Outcome<T> = io::Result<(T, SocketAddr)>;

/// Run your function on a thread of its own, and give up on it well after its `timeout`: a
/// function that does not return is a failure, not a hung test. Returns its result and how
/// long it took.
fn run<C: Connector>(
    addrs: &[SocketAddr],
    stagger: Duration,
    timeout: Duration,
    connector: &Arc<C>,
) -> (Outcome<C::Conn>, Duration) {
    let within = timeout + testkit::timeout();
    let (done, result) = mpsc::channel();
    let (addrs, connector) = (addrs.to_vec(), Arc::clone(connector));
    let start = Instant::now();
    let worker = thread::spawn(move || {
        let r = yours(|| connect_first(&addrs, stagger, timeout, &connector));
        let _ = done.send(r);
    });
    match result.recv_timeout(within) {
        Ok(r) => (r, start.elapsed()),
        Err(mpsc::RecvTimeoutError::Timeout) => fail(
            "Your function did not return: the overall timeout bounds the whole connect, \
             whatever the tries do.",
            &format!("a result within {timeout:?} (plus a moment)"),
            &format!("nothing after {within:?}"),
        ),
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the worker sends before it ends"),
        },
    }
}

fn seen(script: &Script) -> Vec<Seen> {
    script.seen.lock().unwrap().clone()
}

/// When the try of `addr` started, if it did.
fn started(script: &Script, addr: SocketAddr) -> Option<Duration> {
    seen(script).iter().find_map(|s| match s {
        Seen::Started { addr: a, at, .. } if *a == addr => Some(*at),
        _ => None,
    })
}

fn show(seen: &[Seen]) -> String {
    let lines: Vec<String> = seen
        .iter()
        .map(|s| match s {
            Seen::Started { addr, at, limit } => {
                format!(
                    "at {:>5} ms: try {addr} (limit {} ms)",
                    at.as_millis(),
                    limit.as_millis()
                )
            }
            Seen::Closed { addr, at } => format!("at {:>5} ms: close {addr}", at.as_millis()),
        })
        .collect();
    if lines.is_empty() {
        "(no try at all)".into()
    } else {
        lines.join("\n")
    }
}

/// Your function must have returned the connection to `expected`.
#[track_caller]
fn won(result: Outcome<FakeConn>, script: &Script, expected: SocketAddr, why: &str) -> FakeConn {
    match result {
        Ok((conn, a)) if a == expected && conn.addr == expected => conn,
        Ok((conn, a)) => fail(
            why,
            &format!("Ok((the connection to {expected}, {expected}))"),
            &format!(
                "Ok((the connection to {}, {a}))\n\n{}",
                conn.addr,
                show(&seen(script))
            ),
        ),
        Err(e) => fail(
            why,
            &format!("Ok((the connection to {expected}, {expected}))"),
            &format!(
                "Err({e})  (ErrorKind::{:?})\n\n{}",
                e.kind(),
                show(&seen(script))
            ),
        ),
    }
}

/// Your function must have failed with an error of this kind.
#[track_caller]
fn failed_with<T>(result: Outcome<T>, kind: ErrorKind, why: &str, script: &Script) {
    match result {
        Err(e) if e.kind() == kind => {}
        Err(e) => fail(
            why,
            &format!("Err(ErrorKind::{kind:?})"),
            &format!(
                "Err({e})  (ErrorKind::{:?})\n\n{}",
                e.kind(),
                show(&seen(script))
            ),
        ),
        Ok((_, a)) => fail(
            why,
            &format!("Err(ErrorKind::{kind:?})"),
            &format!("Ok(connected to {a})\n\n{}", show(&seen(script))),
        ),
    }
}

/// Every try's limit ends by the deadline (`timeout` after the call), give or take 200 ms: a
/// try is seen when its thread runs, which on a busy machine may be a while after it was
/// started (and its limit computed).
#[track_caller]
fn limits_within(script: &Script, timeout: Duration) {
    for s in seen(script) {
        if let Seen::Started { addr, at, limit } = s {
            if at.saturating_add(limit) > timeout + MS(200) {
                fail(
                    &format!(
                        "The try of {addr} was given a limit that ends after the overall \
                         timeout: nothing may wait longer than the whole connect may take."
                    ),
                    &format!("each try's start + limit <= {} ms", timeout.as_millis()),
                    &show(&seen(script)),
                );
            }
        }
    }
}

#[test]
fn a_silent_first_address_holds_up_the_next_only_for_the_stagger() {
    let stagger = MS(300);
    let (s, addrs) = script(&[(MS(0), Answer::Silent), (MS(0), Answer::Connects)]);
    let (result, took) = run(&addrs, stagger, MS(5000), &s);
    let why = "The first address never answers; the second connects at once. It must be tried \
               once the first has had the stagger, not after the first's whole timeout.";
    let _conn = won(result, &s, addrs[1], why);
    let second = started(&s, addrs[1]).unwrap_or(Duration::MAX);
    if second < MS(250) || second > MS(1300) {
        fail(
            &format!("{why} (And not before the stagger either: the first may only be slow.)"),
            "the second try starts about 300 ms (the stagger) after the first",
            &format!(
                "the second try started at {} ms\n\n{}",
                second.as_millis(),
                show(&seen(&s))
            ),
        );
    }
    if took > MS(2000) {
        fail(
            &format!("{why} The second connects as soon as it is tried: return it then."),
            &format!(
                "a connection at about {} ms (when the second try started)",
                second.as_millis()
            ),
            &format!(
                "returned after {} ms\n\n{}",
                took.as_millis(),
                show(&seen(&s))
            ),
        );
    }
    limits_within(&s, MS(5000));
}

#[test]
fn a_refused_address_starts_the_next_at_once() {
    let stagger = MS(2000);
    let plan = [
        (MS(0), Answer::Refused),
        (MS(0), Answer::NoSocket),
        (MS(0), Answer::Connects),
    ];
    let (s, addrs) = script(&plan);
    let (result, took) = run(&addrs, stagger, MS(8000), &s);
    let why = "The first address is refused, socket() fails for the second: a failed try \
               starts the next at once, there is nothing left to wait for.";
    let _conn = won(result, &s, addrs[2], why);
    if took > MS(1000) {
        fail(
            why,
            "a connection in well under the stagger (2000 ms)",
            &format!(
                "returned after {} ms\n\n{}",
                took.as_millis(),
                show(&seen(&s))
            ),
        );
    }
}

#[test]
fn a_try_started_by_a_failure_gets_its_own_whole_stagger() {
    // Stagger 1 s. The first never answers; the second, due at 1000 ms, is refused 100 ms
    // later, so the third starts at once (about 1100 ms); the fourth, which connects at once,
    // is due when the third has had its stagger: about 2100 ms.
    let stagger = MS(1000);
    let plan = [
        (MS(0), Answer::Silent),
        (MS(100), Answer::Refused),
        (MS(0), Answer::Silent),
        (MS(0), Answer::Connects),
    ];
    let (s, addrs) = script(&plan);
    let (result, _) = run(&addrs, stagger, MS(8000), &s);
    let why = "Four addresses, stagger 1000 ms: the first never answers, the second is refused \
               100 ms after it starts, the third never answers, the fourth connects at once.";
    let _conn = won(result, &s, addrs[3], why);
    let at = |i: usize| started(&s, addrs[i]).unwrap_or(Duration::MAX);
    let (second, third, fourth) = (at(1), at(2), at(3));
    if second < MS(950) || second > MS(1600) {
        fail(
            &format!(
                "{why} The first has no answer by 1000 ms (the stagger): the second is tried then."
            ),
            "the second try starts about 1000 ms after the first",
            &format!(
                "it started at {} ms\n\n{}",
                second.as_millis(),
                show(&seen(&s))
            ),
        );
    }
    if third.saturating_sub(second) > MS(100) + MS(400) {
        fail(
            &format!(
                "{why} The second's refusal (at about {} ms) starts the third at once.",
                (second + MS(100)).as_millis()
            ),
            "the third try starts about 100 ms after the second",
            &format!(
                "it started {} ms after the second\n\n{}",
                third.saturating_sub(second).as_millis(),
                show(&seen(&s))
            ),
        );
    }
    let gap = fourth.saturating_sub(third);
    if gap < MS(950) || gap > MS(1600) {
        fail(
            &format!(
                "{why} The third, started by the refusal at {} ms, has its own whole stagger: \
                 the fourth is due when the third has waited 1000 ms without an outcome, not \
                 on a schedule set before the refusal, nor 1000 ms after the second's start.",
                third.as_millis()
            ),
            &format!(
                "the fourth try starts about 1000 ms after the third (at about {} ms)",
                (third + stagger).as_millis()
            ),
            &format!(
                "it started {} ms after the third, at {} ms\n\n{}",
                gap.as_millis(),
                fourth.as_millis(),
                show(&seen(&s))
            ),
        );
    }
}

#[test]
fn a_slow_try_is_not_abandoned_when_the_next_starts() {
    // The first answers after 700 ms, past the stagger; the second after 3 s.
    let plan = [(MS(700), Answer::Connects), (MS(3000), Answer::Connects)];
    let (s, addrs) = script(&plan);
    let (result, took) = run(&addrs, MS(200), MS(6000), &s);
    let why = "The first address is slow (700 ms), not dead: starting the second must not end \
               the first try. It connects first, so it wins.";
    let _conn = won(result, &s, addrs[0], why);
    if took > MS(2500) {
        fail(
            why,
            "a connection after about 700 ms",
            &format!("after {} ms", took.as_millis()),
        );
    }
}

#[test]
fn the_first_to_connect_wins_and_every_other_connection_is_closed() {
    // In the list, the first is slow (1500 ms); the second never answers; the third, started
    // at 400 ms, takes 100 ms.
    let plan = [
        (MS(1500), Answer::Connects),
        (MS(0), Answer::Silent),
        (MS(100), Answer::Connects),
    ];
    let (s, addrs) = script(&plan);
    let (result, took) = run(&addrs, MS(200), MS(8000), &s);
    let why = "The third address connects first (at about 500 ms); the first one in the list \
               only at 1500 ms, the second never. The winner is the first to CONNECT, returned \
               as soon as it does.";
    let conn = won(result, &s, addrs[2], why);
    if took > MS(1300) {
        fail(
            why,
            "a connection after about 500 ms",
            &format!("after {} ms", took.as_millis()),
        );
    }
    // The first one still connects, later (at 1500 ms), while the second still waits (it
    // never answers: until the deadline, at 8000 ms). That connection must be closed when it
    // is made, not kept until the other tries end.
    let closed_at = |a| {
        seen(&s).iter().find_map(|x| match x {
            Seen::Closed { addr, at } if *addr == a => Some(*at),
            _ => None,
        })
    };
    // Wait for the close (past the deadline, to say when it came, if ever).
    let wait_until = Instant::now() + MS(8000) + testkit::timeout();
    while closed_at(addrs[0]).is_none() && Instant::now() < wait_until {
        thread::sleep(MS(20));
    }
    match closed_at(addrs[0]) {
        Some(at) if at <= MS(2500) => {}
        when => fail(
            &format!(
                "A losing try connected after the winner was returned (the first address, at \
                 1500 ms), while the second try was still waiting (it never answers, until the \
                 deadline at 8000 ms). That connection was {}: a try that connects after you \
                 returned must close it at once, not keep it until the other tries end.",
                match when {
                    Some(at) => format!("closed only at {} ms", at.as_millis()),
                    None => "never closed".into(),
                }
            ),
            &format!("close {} at about 1500 ms, when it connects", addrs[0]),
            &show(&seen(&s)),
        ),
    }
    if closed_at(addrs[2]).is_some() {
        fail(
            "Your function closed the connection it returned.",
            "it open",
            &show(&seen(&s)),
        );
    }
    drop(conn);
    limits_within(&s, MS(8000));
}

#[test]
fn the_overall_timeout_bounds_the_whole_connect() {
    let plan = [
        (MS(0), Answer::Silent),
        (MS(0), Answer::Silent),
        (MS(0), Answer::Silent),
    ];
    let (s, addrs) = script(&plan);
    let (result, took) = run(&addrs, MS(300), MS(1500), &s);
    let why = "Nothing answers, ever: after the overall timeout (1500 ms), the answer is \
               TimedOut, whatever each try was doing.";
    failed_with(result, ErrorKind::TimedOut, why, &s);
    if took < MS(1300) || took > MS(3000) {
        fail(
            why,
            "an error after about 1500 ms",
            &format!("after {} ms", took.as_millis()),
        );
    }
    limits_within(&s, MS(1500));
    if started(&s, addrs[2]).is_none() {
        fail(
            "Every address gets its try within the timeout.",
            "3 tries",
            &show(&seen(&s)),
        );
    }
}

#[test]
fn when_every_try_fails_the_error_of_the_last_to_fail_is_returned_at_once() {
    // The first is refused only at 600 ms; the second, due at 200 ms (the stagger), fails in
    // socket() as soon as it is tried: before the first's refusal.
    let plan = [(MS(600), Answer::Refused), (MS(0), Answer::NoSocket)];
    let (s, addrs) = script(&plan);
    let (result, took) = run(&addrs, MS(200), MS(8000), &s);
    let second = started(&s, addrs[1]).unwrap_or(Duration::MAX);
    if second > MS(500) {
        fail(
            "The first address has no answer by 200 ms (the stagger): the second is tried \
             then, while the first goes on waiting (it is refused at 600 ms).",
            "the second try starts about 200 ms after the first",
            &format!(
                "{}\n\n{}",
                match second {
                    Duration::MAX => "it never started".to_string(),
                    at => format!("it started at {} ms", at.as_millis()),
                },
                show(&seen(&s))
            ),
        );
    }
    let first_limit = seen(&s).iter().find_map(|x| match x {
        Seen::Started { addr, limit, .. } if *addr == addrs[0] => Some(*limit),
        _ => None,
    });
    if first_limit.is_some_and(|limit| limit < MS(1000)) {
        fail(
            "The first address answers only at 600 ms (refused), after the stagger (200 ms): \
             its try must be given the time that is left of the overall timeout (8000 ms), not \
             abandoned when the next one starts.",
            "the first try's limit: about 8000 ms",
            &show(&seen(&s)),
        );
    }
    let why = format!(
        "Every try failed: socket() for the second at {} ms, then the first was refused at \
         600 ms. The error to return is the one that came LAST, and at once: nothing is left \
         to wait for.",
        second.as_millis()
    );
    failed_with(result, ErrorKind::ConnectionRefused, &why, &s);
    if took > MS(2500) {
        fail(
            &why,
            "an error after about 600 ms",
            &format!("after {} ms", took.as_millis()),
        );
    }

    // Both fail at once, in order: the last is socket()'s.
    let (s, addrs) = script(&[(MS(0), Answer::Refused), (MS(0), Answer::NoSocket)]);
    let (result, _) = run(&addrs, MS(200), MS(8000), &s);
    let why = "Every try failed: refused, then socket() failed. The error to return is the \
               LAST one, socket()'s.";
    failed_with(result, no_socket().kind(), why, &s);
}

#[test]
fn nothing_connected_by_the_deadline_is_timed_out_whatever_failed_before() {
    // The first is refused at 100 ms, so the second starts then; it never answers, and its
    // try reports its own ETIMEDOUT only 300 ms after the deadline.
    let plan = [(MS(100), Answer::Refused), (MS(0), Answer::Stuck)];
    let (s, addrs) = script(&plan);
    let (result, took) = run(&addrs, MS(300), MS(1500), &s);
    let why = "The first address was refused (at 100 ms); the second never answers, and was \
               still waiting when the overall timeout (1500 ms) ran out. Nothing connected in \
               time: the answer is TimedOut, whatever failed before (the last error is the \
               answer only when EVERY try has failed).";
    failed_with(result, ErrorKind::TimedOut, why, &s);
    if took < MS(1300) || took > MS(3000) {
        fail(
            why,
            "an error after about 1500 ms (up to 2000 ms)",
            &format!("after {} ms", took.as_millis()),
        );
    }
    limits_within(&s, MS(1500));
}

#[test]
fn no_address_at_all_is_an_invalid_input_error_and_no_try() {
    let (s, _) = script(&[]);
    let (result, _) = run(&[], MS(250), MS(1000), &s);
    let why = "connect_first(&[], …) has nothing to try: it returns an error of kind InvalidInput.";
    failed_with(result, ErrorKind::InvalidInput, why, &s);
    if !seen(&s).is_empty() {
        fail(why, "(no try at all)", &show(&seen(&s)));
    }
}

/// A listener that will answer no SYN (Linux): backlog 1, its queue filled by two
/// connections nobody accepts, so the kernel drops new SYNs. Elsewhere: None.
fn black_hole() -> Option<(Socket, Vec<Socket>, SocketAddr)> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).ok()?;
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    listener.bind(&SockAddr::from(any)).ok()?;
    listener.listen(1).ok()?;
    let addr = listener.local_addr().ok()?.as_socket()?;
    let fillers = (0..2)
        .map(|_| Plain.connect(addr, testkit::timeout()).expect("a filler"))
        .collect();
    Some((listener, fillers, addr))
}

/// A port with a socket bound to it and no listen(): a connect there is refused at once.
fn refusing() -> (Socket, SocketAddr) {
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket()");
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    s.bind(&SockAddr::from(any)).expect("bind()");
    let addr = s.local_addr().unwrap().as_socket().unwrap();
    (s, addr)
}

#[test]
fn real_sockets_a_refused_port_and_a_black_hole_are_passed_over() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a listener");
    let good = listener.local_addr().unwrap();
    let (_holder, refused) = refusing();
    let plain = Arc::new(Plain);

    let (result, took) = run(&[refused, good], MS(2000), MS(8000), &plain);
    let why = format!(
        "Real sockets: nobody listens at {refused} (refused at once), a listener at {good}: \
         connect to the listener, and return that socket with its address."
    );
    let socket = match result {
        Ok((socket, a)) if a == good => socket,
        Ok((_, a)) => fail(
            &why,
            &format!("Ok((a socket, {good}))"),
            &format!("Ok((a socket, {a}))"),
        ),
        Err(e) => fail(
            &why,
            &format!("Ok((a socket, {good}))"),
            &format!("Err({e})"),
        ),
    };
    let peer = socket.peer_addr().ok().and_then(|p| p.as_socket());
    if peer != Some(good) {
        fail(
            &format!("{why} The socket returned is not the one connected to {good}."),
            &format!("a socket whose peer is {good}"),
            &format!("a socket whose peer is {peer:?}"),
        );
    }
    if took > MS(1000) {
        fail(
            &format!("{why} A refused try starts the next at once, without the stagger."),
            "a connection in well under the stagger (2000 ms)",
            &format!("a connection after {} ms", took.as_millis()),
        );
    }
    // Bytes go through the socket returned.
    let (mut conn, _) = listener.accept().expect("accept()");
    io::Write::write_all(&mut conn, b"hi\n").unwrap();
    socket.set_read_timeout(Some(testkit::timeout())).unwrap();
    let mut buf = [0u8; 3];
    if let Err(e) = io::Read::read_exact(&mut &socket, &mut buf) {
        fail(
            &format!(
                "{why} The listener's side sent b\"hi\\n\": the socket returned must read it."
            ),
            "b\"hi\\n\"",
            &format!("Err({e})"),
        );
    }
    if &buf != b"hi\n" {
        fail(
            &format!(
                "{why} The listener's side sent b\"hi\\n\": the socket returned must read it."
            ),
            "b\"hi\\n\"",
            &format!("b\"{}\"", buf.escape_ascii()),
        );
    }

    // Nobody listens anywhere: refused, at once.
    let (result, took) = run(&[refused], MS(2000), MS(8000), &plain);
    let why = "Nobody listens at the only address: its refusal is the answer, at once, not a \
               timeout.";
    failed_with(result, ErrorKind::ConnectionRefused, why, &script(&[]).0);
    if took > MS(1000) {
        fail(
            why,
            "Err(ErrorKind::ConnectionRefused) in well under a second",
            &format!("the error after {} ms", took.as_millis()),
        );
    }

    // A listener whose queue is full answers nothing: after the stagger, the next is tried.
    if let Some((_hole, _fillers, hole)) = black_hole() {
        let (result, took) = run(&[hole, good], MS(300), MS(8000), &plain);
        let why = format!(
            "Real sockets: a listener whose queue is full at {hole} (it answers no SYN), then a \
             listener at {good}. The second is tried once the first has had the stagger \
             (300 ms), and connects at once."
        );
        match result {
            Ok((_, a)) if a == good => {}
            Ok((_, a)) => fail(
                &why,
                &format!("Ok((a socket, {good}))"),
                &format!("Ok((a socket, {a}))"),
            ),
            Err(e) => fail(
                &why,
                &format!("Ok((a socket, {good}))"),
                &format!("Err({e})"),
            ),
        }
        if took < MS(250) || took > MS(3000) {
            fail(
                &why,
                "a connection at about 300 ms (the stagger)",
                &format!("a connection after {} ms", took.as_millis()),
            );
        }
    }
}

#[test]
fn connect_first_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your connect_first runs.
    testkit::prints_nothing(
        "connect_first",
        &[
            "a_refused_address_starts_the_next_at_once",
            "when_every_try_fails_the_error_of_the_last_to_fail_is_returned_at_once",
            "no_address_at_all_is_an_invalid_input_error_and_no_try",
        ],
    );
}
