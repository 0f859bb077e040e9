//! The exercise's checks: your `accept_loop` runs here, in the test, on a real listening socket
//! with real clients waiting in its queue, through a listener that plays a script: each
//! accept() either takes the next real client or fails with the error the script names, and
//! each pause is written down (not slept). They check what each client receives, what `serve`
//! is handed, the calls and pauses your loop makes and what it returns, never what anything
//! prints. (`cargo exercise lesson-04-accept` runs them on src/exercise.rs.)

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use common::{LessonError, Result};
use lesson_04_accept::{accept_loop, errno, errors, Listener};
use socket2::{Domain, SockAddr, Socket, Type};
use testkit::allocations::{peak_during, Counting};
use testkit::{fail, yours, Conn};

#[global_allocator]
static COUNTING: Counting = Counting;

/// One step of the listener's script.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    /// accept() takes the next real client from the queue.
    Client,
    /// accept() fails with this error number (errors::EMFILE…).
    Fails(i32),
    /// accept() fails with an error that carries no error number at all.
    Odd,
}
use Step::{Client, Fails};

/// One call the loop made, as the test's listener and `serve` saw it.
#[derive(Debug, Clone, PartialEq)]
enum Call {
    Accepted(SocketAddr),
    AcceptFailed(Step),
    Pause(Duration),
    /// `serve(number, connection, peer)`, and the connection's real peer.
    Serve(usize, SocketAddr, SocketAddr),
}

/// The name of an error number, as accept(2) spells it.
fn name(errno: i32) -> &'static str {
    let names = [
        (errors::ECONNABORTED, "ECONNABORTED"),
        (errors::EINTR, "EINTR"),
        (errors::EPERM, "EPERM"),
        (errors::EPROTO, "EPROTO"),
        (errors::ENETUNREACH, "ENETUNREACH"),
        (errors::EHOSTUNREACH, "EHOSTUNREACH"),
        (errors::ENETDOWN, "ENETDOWN"),
        (errors::ENOPROTOOPT, "ENOPROTOOPT"),
        (errors::EHOSTDOWN, "EHOSTDOWN"),
        (errors::EOPNOTSUPP, "EOPNOTSUPP"),
        (errors::ENONET, "ENONET"),
        (errors::EMFILE, "EMFILE"),
        (errors::ENFILE, "ENFILE"),
        (errors::ENOBUFS, "ENOBUFS"),
        (errors::ENOMEM, "ENOMEM"),
        (errors::EINVAL, "EINVAL"),
        (errors::EBADF, "EBADF"),
        (errors::ENOTSOCK, "ENOTSOCK"),
    ];
    names
        .iter()
        .find(|(n, _)| *n == errno)
        .map_or("another error", |(_, name)| name)
}

impl std::fmt::Display for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Call::Accepted(peer) => write!(f, "accept() -> a connection from {peer}"),
            Call::AcceptFailed(Fails(n)) => write!(f, "accept() -> {}", name(*n)),
            Call::AcceptFailed(_) => write!(f, "accept() -> an error with no error number"),
            Call::Pause(d) => write!(f, "pause({} ms)", d.as_millis()),
            Call::Serve(number, told, real) if told == real => {
                write!(f, "serve({number}, connection, {told})")
            }
            Call::Serve(number, told, real) => write!(
                f,
                "serve({number}, connection, {told})  <- but that connection's peer is {real}"
            ),
        }
    }
}

type Log = Rc<RefCell<Vec<Call>>>;

/// Fail with two lists of calls, the first difference marked (and only the calls around it).
#[track_caller]
fn calls_differ(what: &str, expected: &[Call], got: &[Call]) -> ! {
    let at = (0..).find(|&i| expected.get(i) != got.get(i)).unwrap_or(0);
    let from = at.saturating_sub(6);
    let mut shown: Vec<String> = got
        .iter()
        .skip(from)
        .take(12)
        .map(|c| c.to_string())
        .collect();
    match shown.get_mut(at - from) {
        Some(line) => line.push_str("   <- here"),
        None => shown.push("(no more calls)   <- here".into()),
    }
    let expected: Vec<String> = expected
        .iter()
        .skip(from)
        .take(12)
        .map(|c| c.to_string())
        .collect();
    let skipped = match from {
        0 => String::new(),
        n => format!("({n} calls as expected, then)\n"),
    };
    fail(
        what,
        &format!("{skipped}{}", expected.join("\n")),
        &format!("{skipped}{}", shown.join("\n")),
    )
}

fn show(calls: &[Call]) -> String {
    if calls.is_empty() {
        return "(no call at all)".into();
    }
    let shown: Vec<String> = calls.iter().take(20).map(|c| c.to_string()).collect();
    shown.join("\n")
}

/// A real listening socket as the loop's `Listener`, with clients connected and waiting in its
/// queue, that plays a script of accept() results. It records every call, and refuses an
/// accept() once the script is played out (a real listener would wait for ever).
struct Scripted {
    socket: Socket,
    script: VecDeque<Step>,
    log: Log,
}

impl Listener for Scripted {
    fn accept(&mut self) -> Result<(Socket, SocketAddr)> {
        let Some(step) = self.script.pop_front() else {
            fail(
                "accept() was called again after the last step of the script: the loop accepts \
                 more clients than it was asked to serve, or goes on after an error that \
                 should have ended it (a real server would wait here for ever, or spin).",
                "no accept() once `clients` clients are served or the listener is broken",
                &show(&self.log.borrow()),
            );
        };
        let error = match step {
            Client => {
                let (conn, peer) = self
                    .socket
                    .accept()
                    .expect("accept() on the test's listener");
                let peer = peer.as_socket().expect("an IP address");
                self.log.borrow_mut().push(Call::Accepted(peer));
                return Ok((conn, peer));
            }
            Fails(n) => LessonError::io(
                "accept()",
                io::Error::from_raw_os_error(n),
                "lesson-04-accept",
            ),
            Step::Odd => LessonError::protocol("accept()", "a listener that lost its way"),
        };
        self.log.borrow_mut().push(Call::AcceptFailed(step));
        Err(error)
    }

    fn pause(&mut self, how_long: Duration) {
        self.log.borrow_mut().push(Call::Pause(how_long));
    }
}

/// A listener with one real client connected (the kernel completes its handshake without
/// anybody calling accept()) for each `Client` step of `script`.
fn scripted(script: &[Step]) -> (Scripted, Vec<Conn>, Log) {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket()");
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    socket.bind(&SockAddr::from(any)).expect("bind()");
    socket.listen(128).expect("listen()");
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    let n = script.iter().filter(|s| **s == Client).count();
    let clients = (0..n).map(|_| Conn::open(addr)).collect();
    let log = Log::default();
    let listener = Scripted {
        socket,
        script: script.iter().copied().collect(),
        log: log.clone(),
    };
    (listener, clients, log)
}

/// A `serve` that answers `you are client N at PEER\n` and closes, and fails (as a client
/// that left mid-line would make it) for the numbers in `failing`.
fn answering(
    log: &Log,
    failing: &'static [usize],
) -> impl FnMut(usize, Socket, SocketAddr) -> Result<()> {
    let log = log.clone();
    move |number, conn, peer| {
        let real = conn.peer_addr().unwrap().as_socket().unwrap();
        log.borrow_mut().push(Call::Serve(number, peer, real));
        let _ = conn.send(format!("you are client {number} at {peer}\n").as_bytes());
        match failing.contains(&number) {
            true => Err(LessonError::protocol(
                "recv(256)",
                "the peer closed before sending a whole line",
            )),
            false => Ok(()),
        }
    }
}

/// Run your loop for `clients` clients over `listener`; then close the listener, so that a
/// client left in the queue reads a reset instead of waiting.
fn run(
    mut listener: Scripted,
    clients: usize,
    serve: impl FnMut(usize, Socket, SocketAddr) -> Result<()>,
) -> Result<Vec<SocketAddr>> {
    let result = yours(|| accept_loop(&mut listener, clients, serve));
    drop(listener);
    result
}

fn addresses(clients: &[Conn]) -> Vec<SocketAddr> {
    clients
        .iter()
        .map(|c| c.stream().local_addr().unwrap())
        .collect()
}

/// The calls a loop that follows the contract makes for `script`, the pauses given.
fn expected_calls(script: &[Step], clients: &[Conn], pauses: &[u64]) -> Vec<Call> {
    let mut peers = addresses(clients).into_iter();
    let mut pauses = pauses.iter();
    let mut served = 0;
    let mut calls = Vec::new();
    for step in script {
        match step {
            Client => {
                let peer = peers.next().unwrap();
                served += 1;
                calls.extend([Call::Accepted(peer), Call::Serve(served, peer, peer)]);
            }
            failed => {
                calls.push(Call::AcceptFailed(*failed));
                if matches!(failed, Fails(n) if shortage(*n)) {
                    let ms = *pauses.next().expect("a pause for each shortage");
                    calls.push(Call::Pause(Duration::from_millis(ms)));
                }
            }
        }
    }
    calls
}

fn shortage(errno: i32) -> bool {
    [
        errors::EMFILE,
        errors::ENFILE,
        errors::ENOBUFS,
        errors::ENOMEM,
    ]
    .contains(&errno)
}

/// Every client read exactly `you are client N at ITS OWN ADDRESS\n`, N in connection order.
#[track_caller]
fn each_got_its_answer(clients: &mut [Conn], log: &Log) {
    for (i, client) in clients.iter_mut().enumerate() {
        let me = client.stream().local_addr().unwrap();
        let expected = format!("you are client {} at {me}\n", i + 1);
        let got = client.read_to_end();
        if got != expected.as_bytes() {
            fail(
                &format!(
                    "Client {} (the one that connected from {me}) got the wrong bytes.",
                    i + 1
                ),
                &format!("b\"{}\"", expected.escape_default()),
                &format!(
                    "b\"{}\"{}\n\nthe calls your loop made:\n{}",
                    got.escape_ascii(),
                    if got.is_empty() {
                        "  (nothing: it was never served)"
                    } else {
                        ""
                    },
                    show(&log.borrow())
                ),
            );
        }
    }
}

#[track_caller]
fn returned_ok(result: &Result<Vec<SocketAddr>>, expected: &[SocketAddr]) {
    match result {
        Ok(peers) if peers == expected => {}
        Ok(peers) => fail(
            "accept_loop returned other addresses (the peers, in the order accepted).",
            &format!("Ok({expected:?})"),
            &format!("Ok({peers:?})"),
        ),
        Err(e) => fail(
            "accept_loop returned an error: neither a client whose serve failed nor an accept() \
             error that passes ends the loop, so the result is Ok, with every address.",
            &format!("Ok({expected:?})"),
            &format!("Err({e})"),
        ),
    }
}

/// Play `script` with one client per `Client` step; check every call, answer and the result.
#[track_caller]
fn played(what: &str, script: &[Step], pauses: &[u64]) {
    let (listener, mut clients, log) = scripted(script);
    let result = run(listener, clients.len(), answering(&log, &[]));
    let expected = expected_calls(script, &clients, pauses);
    // Two mistakes the list of calls would only show as a difference: say them first.
    if let Err(e) = &result {
        fail(
            &format!(
                "{what} Your loop ended with an error instead: no failure in this script ends \
                 it (only a broken listener does)."
            ),
            &format!(
                "{}\nand then Ok(the {} addresses)",
                show(&expected),
                clients.len()
            ),
            &format!("{}\nand then Err({e})", show(&log.borrow())),
        );
    }
    let wrong_peer = log
        .borrow()
        .iter()
        .find(|c| matches!(c, Call::Serve(_, told, real) if told != real))
        .cloned();
    if let Some(wrong) = wrong_peer {
        fail(
            "serve(number, connection, peer) must get the address accept() reported for that \
             very connection: its peer.",
            "serve(N, connection, the peer of that connection)",
            &format!(
                "{wrong}\n\nthe calls your loop made:\n{}",
                show(&log.borrow())
            ),
        );
    }
    if *log.borrow() != expected {
        calls_differ(what, &expected, &log.borrow());
    }
    each_got_its_answer(&mut clients, &log);
    returned_ok(&result, &addresses(&clients));
}

#[test]
fn each_client_is_told_its_own_number_and_address() {
    let (listener, mut clients, log) = scripted(&[Client; 3]);
    let result = run(listener, 3, answering(&log, &[]));
    each_got_its_answer(&mut clients, &log);
    returned_ok(&result, &addresses(&clients));
}

#[test]
fn serve_gets_the_peer_of_the_connection_it_is_given() {
    let (listener, clients, log) = scripted(&[Client; 3]);
    let _ = run(listener, 3, answering(&log, &[]));
    let calls = log.borrow();
    let wrong = calls
        .iter()
        .any(|c| matches!(c, Call::Serve(_, told, real) if told != real));
    let served = calls
        .iter()
        .filter(|c| matches!(c, Call::Serve(..)))
        .count();
    if wrong || served != clients.len() {
        fail(
            "serve(number, connection, peer) must get the address accept() reported for that \
             very connection, once for each client.",
            "3 calls serve(N, connection, its peer)",
            &show(&calls),
        );
    }
}

#[test]
fn a_loop_with_no_failure_serves_in_order_and_never_pauses() {
    played(
        "Each client is served before the next accept(), in the order they connected; with \
         no accept() failing, there is nothing to pause for.",
        &[Client; 3],
        &[],
    );
}

#[test]
fn a_client_whose_serve_fails_does_not_stop_the_loop() {
    let (listener, mut clients, log) = scripted(&[Client; 3]);
    // Clients 1 and 3 fail (as a silent client, or one that leaves mid-line, would): the
    // last one too, so that a loop that returns what the last `serve` said is caught.
    let result = run(listener, 3, answering(&log, &[1, 3]));
    each_got_its_answer(&mut clients, &log);
    returned_ok(&result, &addresses(&clients));
}

#[test]
fn a_connection_in_trouble_is_accepted_again_at_once() {
    let mut script = vec![
        Fails(errors::ECONNABORTED),
        Fails(errors::EINTR),
        Client,
        Fails(errors::EPROTO),
        Fails(errors::EPERM),
        Fails(errors::ENETUNREACH),
        Fails(errors::EHOSTUNREACH),
        Fails(errors::ENETDOWN),
        Fails(errors::ENOPROTOOPT),
        Fails(errors::EHOSTDOWN),
        Fails(errors::EOPNOTSUPP),
    ];
    // Linux only (the contract says so).
    #[cfg(target_os = "linux")]
    script.push(Fails(errors::ENONET));
    script.push(Client);
    played(
        "A client that gave up in the queue (ECONNABORTED), a signal (EINTR), a firewall \
         rule (EPERM) or a network error Linux passes on from one connection is not a client \
         and no shortage: accept() again at once, with no pause.",
        &script,
        &[],
    );
}

#[test]
fn a_shortage_pauses_10_ms_then_twice_as_long_each_time() {
    let script = [
        Fails(errors::EMFILE),
        Fails(errors::ENFILE),
        Fails(errors::ENOBUFS),
        Fails(errors::ENOMEM),
        Client,
    ];
    played(
        "Out of descriptors or buffer memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): pause, 10 ms \
         after the first failure, twice as long after each one in a row, then accept() again.",
        &script,
        &[10, 20, 40, 80],
    );
}

#[test]
fn a_thousand_shortages_in_a_row_wait_at_most_a_second_each() {
    // A server out of descriptors for a quarter of an hour: the pause grows to 1 s and stays
    // there. Doubling for ever would overflow (Duration * 2 panics past u64::MAX seconds,
    // and 2^n in an integer long before).
    let mut script = vec![Fails(errors::EMFILE); 1000];
    script.push(Client);
    let mut pauses = vec![];
    let mut ms = 10;
    for _ in 0..1000 {
        pauses.push(ms);
        ms = (ms * 2).min(1000);
    }
    played(
        "1000 EMFILE in a row: pauses of 10, 20, 40 … 640 ms, then 1000 ms each time, never \
         more (and the loop must not overflow however many come).",
        &script,
        &pauses,
    );
}

#[test]
fn a_success_brings_the_pause_back_to_10_ms() {
    let script = [
        Fails(errors::EMFILE),
        Fails(errors::EMFILE),
        Fails(errors::EMFILE),
        Client,
        Fails(errors::EMFILE),
        Fails(errors::EMFILE),
        Client,
    ];
    played(
        "The shortage ended with a successful accept(): the next one starts again at 10 ms.",
        &script,
        &[10, 20, 40, 10, 20],
    );
}

#[test]
fn only_a_success_ends_a_shortage() {
    // A client that gave up (ECONNABORTED) while descriptors are short says nothing about the
    // shortage: it is retried at once, and the next EMFILE waits longer still.
    let script = [
        Fails(errors::EMFILE),
        Fails(errors::ECONNABORTED),
        Fails(errors::EMFILE),
        Fails(errors::EINTR),
        Fails(errors::EMFILE),
        Client,
    ];
    played(
        "An error retried at once in the middle of a shortage neither pauses nor ends the \
         shortage: the pauses go on growing.",
        &script,
        &[10, 20, 40],
    );
}

#[test]
fn a_broken_listener_ends_the_loop_with_its_error() {
    for (fatal, what) in [
        (
            Fails(errors::EINVAL),
            "EINVAL (the socket is not listening)",
        ),
        (Fails(errors::EBADF), "EBADF (not an open descriptor)"),
        (Fails(errors::ENOTSOCK), "ENOTSOCK (not a socket)"),
        (
            Step::Odd,
            "an error with no error number (no system call's)",
        ),
    ] {
        // A client that gave up first (retried at once), then the listener breaks.
        let (listener, _clients, log) = scripted(&[Fails(errors::ECONNABORTED), fatal]);
        let result = run(listener, 1, answering(&log, &[]));
        let returned = result.as_ref().err().map(errno);
        let want = match fatal {
            Fails(n) => Some(Some(n)),
            _ => Some(None),
        };
        let aborted = Call::AcceptFailed(Fails(errors::ECONNABORTED));
        if log.borrow().as_slice() == [aborted.clone()] {
            fail(
                "accept() failed with ECONNABORTED (a client that gave up while it waited in \
                 the queue), and your loop stopped there. A failed accept() is not a client, \
                 and this failure is that one connection's only: accept() again at once.",
                &format!(
                    "accept() -> ECONNABORTED\n{}\nand then Err(that error)",
                    Call::AcceptFailed(fatal)
                ),
                &format!(
                    "accept() -> ECONNABORTED\nand then {}",
                    match &result {
                        Ok(peers) => format!("Ok({peers:?})"),
                        Err(e) => format!("Err({e})"),
                    }
                ),
            );
        }
        let ended_there = log.borrow().last() == Some(&Call::AcceptFailed(fatal));
        if !ended_there || returned != want {
            fail(
                &format!(
                    "accept() failed with {what}: the listener is broken, no retry or pause \
                     can fix it. The loop ends at once (no pause, no other accept()) and \
                     returns that very error."
                ),
                &format!(
                    "accept() -> ECONNABORTED\n{}\nand then Err(that error)",
                    Call::AcceptFailed(fatal)
                ),
                &format!(
                    "{}\nand then {}",
                    show(&log.borrow()),
                    match &result {
                        Ok(peers) => format!("Ok({peers:?})"),
                        Err(e) => format!("Err({e})"),
                    }
                ),
            );
        }
    }
}

#[test]
fn zero_clients_means_no_accept_at_all() {
    let (listener, _clients, log) = scripted(&[Client]);
    let result = run(listener, 0, answering(&log, &[]));
    if !log.borrow().is_empty() {
        fail(
            "With clients = 0 there is nobody to serve: no accept() at all.",
            "(no call at all)",
            &show(&log.borrow()),
        );
    }
    returned_ok(&result, &[]);
}

#[test]
fn memory_grows_with_the_clients_served_not_with_the_number_asked_for() {
    // `--clients` comes from the command line: a server asked for a million clients that
    // serves two (then its listener breaks) needs room for two addresses, not a million.
    let asked = 1 << 20;
    let (listener, mut clients, log) = scripted(&[Client, Client, Fails(errors::EINVAL)]);
    let (result, peak) = peak_during(|| run(listener, asked, answering(&log, &[])));
    each_got_its_answer(&mut clients, &log);
    let limit = 64 * 1024;
    if peak > limit {
        fail(
            &format!(
                "accept_loop(listener, {asked}, serve) held {peak} bytes at once to serve 2 \
                 clients: memory set aside for every client asked for, before any came."
            ),
            &format!("at most {limit} bytes at once"),
            &format!("{peak} bytes"),
        );
    }
    if result.as_ref().err().map(errno) != Some(Some(errors::EINVAL)) {
        fail(
            "After 2 clients, accept() failed with EINVAL (not listening): the loop must \
             return it.",
            "Err(accept(): EINVAL)",
            &format!("{:?}", result.map_err(|e| e.to_string())),
        );
    }
}

#[test]
fn accept_loop_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your accept_loop runs (an error, a shortage, a failing client).
    testkit::prints_nothing(
        "accept_loop",
        &[
            "a_client_whose_serve_fails_does_not_stop_the_loop",
            "a_shortage_pauses_10_ms_then_twice_as_long_each_time",
            "a_broken_listener_ends_the_loop_with_its_error",
        ],
    );
}
