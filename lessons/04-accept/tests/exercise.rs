//! The exercise's checks: your `accept_loop` runs here, in the test, on a real listening socket
//! with real clients waiting in its queue. They check what each client receives, what `serve`
//! is handed, what the loop returns and which calls it makes, never what anything prints.
//! (`cargo exercise lesson-04-accept` runs them on src/exercise.rs.)

use std::cell::RefCell;
use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::rc::Rc;

use common::{LessonError, Result};
use lesson_04_accept::{accept_loop, Listener};
use socket2::{Domain, SockAddr, Socket, Type};
use testkit::allocations::{peak_during, Counting};
use testkit::{fail, yours, Conn};

#[global_allocator]
static COUNTING: Counting = Counting;

/// One call the loop made, as the test's listener and `serve` saw it.
#[derive(Debug, Clone, PartialEq)]
enum Call {
    Accepted(SocketAddr),
    /// The error's kind, and how it reads.
    AcceptFailed(ErrorKind, String),
    Pause,
    /// `serve(number, connection, peer)`, and the connection's real peer.
    Serve(usize, SocketAddr, SocketAddr),
}

impl std::fmt::Display for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Call::Accepted(peer) => write!(f, "accept() -> a connection from {peer}"),
            Call::AcceptFailed(_, error) => write!(f, "accept() -> error: {error}"),
            Call::Pause => write!(f, "pause()"),
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

/// Fail with two lists of calls, the first difference marked.
#[track_caller]
fn calls_differ(what: &str, expected: &[Call], got: &[Call]) -> ! {
    let at = (0..).find(|&i| expected.get(i) != got.get(i)).unwrap_or(0);
    let mut shown: Vec<String> = got.iter().map(|c| c.to_string()).collect();
    match shown.get_mut(at) {
        Some(line) => line.push_str("   <- here"),
        None => shown.push("(no more calls)   <- here".into()),
    }
    fail(what, &show(expected), &shown.join("\n"))
}

fn show(calls: &[Call]) -> String {
    if calls.is_empty() {
        return "(no call at all)".into();
    }
    calls
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A real listening socket as the loop's `Listener`, with clients connected and waiting in its
/// queue. It records every call, makes the first accept() calls fail if asked to, and refuses
/// an accept() when no client is left (a real listener would wait for ever).
struct Queue {
    socket: Socket,
    waiting: usize,
    errors: Vec<io::Error>,
    /// What accept() fails with once the queue is empty, instead of failing the check.
    after: Option<io::Error>,
    log: Log,
}

impl Listener for Queue {
    fn accept(&mut self) -> Result<(Socket, SocketAddr)> {
        if !self.errors.is_empty() {
            let error = self.errors.remove(0);
            let call = Call::AcceptFailed(error.kind(), error.to_string());
            self.log.borrow_mut().push(call);
            return Err(LessonError::io("accept()", error, "lesson-04-accept"));
        }
        if let Some(error) = self.after.take_if(|_| self.waiting == 0) {
            let call = Call::AcceptFailed(error.kind(), error.to_string());
            self.log.borrow_mut().push(call);
            return Err(LessonError::io("accept()", error, "lesson-04-accept"));
        }
        if self.waiting == 0 {
            fail(
                "accept() was called again with no client left in the queue: the loop \
                 accepts more clients than it was asked to serve (a real server would wait \
                 here for ever).",
                "no accept() once `clients` clients are served",
                &show(&self.log.borrow()),
            );
        }
        self.waiting -= 1;
        let (conn, peer) = self
            .socket
            .accept()
            .expect("accept() on the test's listener");
        let peer = peer.as_socket().expect("an IP address");
        self.log.borrow_mut().push(Call::Accepted(peer));
        Ok((conn, peer))
    }

    fn pause(&mut self) {
        self.log.borrow_mut().push(Call::Pause);
    }
}

/// A listener with `n` clients connected (the kernel completes their handshakes without
/// anybody calling accept()), whose first accept() calls fail with `errors`.
fn queue(n: usize, errors: Vec<io::Error>) -> (Queue, Vec<Conn>, Log) {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket()");
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    socket.bind(&SockAddr::from(any)).expect("bind()");
    socket.listen(128).expect("listen()");
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    let clients = (0..n).map(|_| Conn::open(addr)).collect();
    let log = Log::default();
    let queue = Queue {
        socket,
        waiting: n,
        errors,
        after: None,
        log: log.clone(),
    };
    (queue, clients, log)
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

/// Run your loop for `clients` clients over `queue`; then close the listener, so that a
/// client left in the queue reads a reset instead of waiting.
fn run(
    mut queue: Queue,
    clients: usize,
    serve: impl FnMut(usize, Socket, SocketAddr) -> Result<()>,
) -> Result<Vec<SocketAddr>> {
    let result = yours(|| accept_loop(&mut queue, clients, serve));
    drop(queue);
    result
}

fn addresses(clients: &[Conn]) -> Vec<SocketAddr> {
    clients
        .iter()
        .map(|c| c.stream().local_addr().unwrap())
        .collect()
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

#[test]
fn each_client_is_told_its_own_number_and_address() {
    let (queue, mut clients, log) = queue(3, vec![]);
    let result = run(queue, 3, answering(&log, &[]));
    each_got_its_answer(&mut clients, &log);
    returned_ok(&result, &addresses(&clients));
}

#[test]
fn serve_gets_the_peer_of_the_connection_it_is_given() {
    let (queue, clients, log) = queue(3, vec![]);
    let _ = run(queue, 3, answering(&log, &[]));
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
fn one_client_at_a_time_in_the_order_they_connected() {
    let (queue, clients, log) = queue(3, vec![]);
    let _ = run(queue, 3, answering(&log, &[]));
    let expected: Vec<Call> = addresses(&clients)
        .into_iter()
        .enumerate()
        .flat_map(|(i, a)| [Call::Accepted(a), Call::Serve(i + 1, a, a)])
        .collect();
    if *log.borrow() != expected {
        calls_differ(
            "Each client is served before the next accept(), in the order they connected.",
            &expected,
            &log.borrow(),
        );
    }
}

#[test]
fn a_client_whose_serve_fails_does_not_stop_the_loop() {
    let (queue, mut clients, log) = queue(3, vec![]);
    // Clients 1 and 3 fail (as a silent client, or one that leaves mid-line, would): the
    // last one too, so that a loop that returns what the last `serve` said is caught.
    let result = run(queue, 3, answering(&log, &[1, 3]));
    each_got_its_answer(&mut clients, &log);
    returned_ok(&result, &addresses(&clients));
}

#[test]
fn an_accept_error_that_passes_is_paused_over_and_is_not_a_client() {
    let mut errors = vec![
        io::Error::from(ErrorKind::ConnectionAborted),
        io::Error::from(ErrorKind::Interrupted),
    ];
    // EMFILE: no file descriptor left, for now.
    if cfg!(unix) {
        errors.push(io::Error::from_raw_os_error(24));
    }
    let failed: Vec<Call> = errors
        .iter()
        .map(|e| Call::AcceptFailed(e.kind(), e.to_string()))
        .collect();
    let (queue, mut clients, log) = queue(2, errors);
    let result = run(queue, 2, answering(&log, &[]));
    let mut expected: Vec<Call> = failed
        .into_iter()
        .flat_map(|call| [call, Call::Pause])
        .collect();
    for (i, a) in addresses(&clients).into_iter().enumerate() {
        expected.extend([Call::Accepted(a), Call::Serve(i + 1, a, a)]);
    }
    if *log.borrow() != expected {
        calls_differ(
            "After an accept() error that passes, the loop pauses and accepts again; the \
             failed accept() is not a client.",
            &expected,
            &log.borrow(),
        );
    }
    each_got_its_answer(&mut clients, &log);
    returned_ok(&result, &addresses(&clients));
}

#[test]
fn an_accept_error_that_never_passes_is_returned_at_once() {
    // EINVAL: the socket is not listening. No retry can fix that.
    let einval = io::Error::from(ErrorKind::InvalidInput);
    let expected = [Call::AcceptFailed(einval.kind(), einval.to_string())];
    let (queue, _clients, log) = queue(1, vec![einval]);
    let result = run(queue, 1, answering(&log, &[]));
    let returned = result.as_ref().err().and_then(|e| e.kind());
    if *log.borrow() != expected || returned != Some(ErrorKind::InvalidInput) {
        fail(
            "An accept() error that worth_retrying() rejects ends the loop: it is returned, \
             with no pause and no other accept().",
            &format!("{}\nand then Err(accept(): invalid input)", show(&expected)),
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

#[test]
fn zero_clients_means_no_accept_at_all() {
    let (queue, _clients, log) = queue(1, vec![]);
    let result = run(queue, 0, answering(&log, &[]));
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
    let (mut queue, mut clients, log) = queue(2, vec![]);
    queue.after = Some(io::Error::from(ErrorKind::InvalidInput));
    let (result, peak) = peak_during(|| run(queue, asked, answering(&log, &[])));
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
    if result.as_ref().err().and_then(|e| e.kind()) != Some(ErrorKind::InvalidInput) {
        fail(
            "After 2 clients, accept() failed with an error that never passes: the loop must \
             return it.",
            "Err(accept(): invalid input)",
            &format!("{:?}", result.map_err(|e| e.to_string())),
        );
    }
}
