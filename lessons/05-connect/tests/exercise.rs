//! The exercise's checks: your `connect_first` runs here, in the test, with a `Connector` that
//! logs every call, answers some addresses with "refused" or "timed out" as the test says, and
//! really connects to a real listening socket. They check what it returns, the socket it hands
//! back (connected, bytes go through) and the calls it makes, never what anything prints.
//! (`cargo exercise lesson-05-connect` runs them on src/exercise.rs.)

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use lesson_05_connect::{connect_first, Connector};
use socket2::{Domain, SockAddr, Socket, Type};
use testkit::{fail, yours};

/// The timeout the checks hand your function: each connect_timeout must get exactly this.
const TIMEOUT: Duration = Duration::from_millis(1234);

/// One call your function made, as the test's connector saw it.
#[derive(Debug, Clone, PartialEq)]
enum Call {
    Socket(SocketAddr),
    Connect(SocketAddr, Duration),
}

impl std::fmt::Display for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Call::Socket(addr) => write!(f, "socket({addr})"),
            Call::Connect(addr, t) => write!(f, "connect_timeout(socket, {addr}, {t:?})"),
        }
    }
}

/// How the test's connector answers a connect to an address.
#[derive(Clone, Copy, PartialEq)]
enum Answer {
    /// ECONNREFUSED at once, as an RST would.
    Refused,
    /// ETIMEDOUT, as if nothing answered within the timeout.
    Silent,
    /// A real connect, to a real listening socket.
    Listening,
    /// socket() itself fails, as it does for an IPv6 address on a machine without IPv6
    /// (EAFNOSUPPORT): there is no socket to connect.
    NoSocket,
}

/// The error the test's socket() returns for a `NoSocket` address.
fn no_socket() -> io::Error {
    io::Error::new(
        ErrorKind::Unsupported,
        "address family not supported by protocol",
    )
}

/// The test's connector: real sockets, scripted answers, every call logged.
struct Script {
    answers: Vec<(SocketAddr, Answer)>,
    log: Vec<Call>,
}

impl Connector for Script {
    fn socket(&mut self, addr: SocketAddr) -> io::Result<Socket> {
        self.log.push(Call::Socket(addr));
        if self.answers.contains(&(addr, Answer::NoSocket)) {
            return Err(no_socket());
        }
        Socket::new(Domain::for_address(addr), Type::STREAM, None)
    }

    fn connect_timeout(
        &mut self,
        socket: &Socket,
        addr: SocketAddr,
        timeout: Duration,
    ) -> io::Result<()> {
        self.log.push(Call::Connect(addr, timeout));
        let answer = self.answers.iter().find(|(a, _)| *a == addr).map(|a| a.1);
        match answer {
            Some(Answer::Refused | Answer::NoSocket) | None => {
                Err(ErrorKind::ConnectionRefused.into())
            }
            Some(Answer::Silent) => Err(ErrorKind::TimedOut.into()),
            Some(Answer::Listening) => socket.connect_timeout(&SockAddr::from(addr), timeout),
        }
    }
}

/// Addresses for the checks. Each is a real local port: a listener for `Listening`, a socket
/// bound without listen() for the others (a connect that bypasses the connector is refused at
/// once there, instead of waiting).
struct Place {
    _holders: Vec<Socket>,
    listener: Option<TcpListener>,
    script: Script,
}

fn places(answers: &[Answer]) -> (Place, Vec<SocketAddr>) {
    let mut holders = Vec::new();
    let mut listener = None;
    let mut addrs = Vec::new();
    for &answer in answers {
        let addr = if answer == Answer::Listening {
            let l = TcpListener::bind("127.0.0.1:0").expect("a listener");
            let addr = l.local_addr().unwrap();
            listener = Some(l);
            addr
        } else {
            let s = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket()");
            let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
            s.bind(&SockAddr::from(any)).expect("bind()");
            let addr = s.local_addr().unwrap().as_socket().unwrap();
            holders.push(s);
            addr
        };
        addrs.push(addr);
    }
    let script = Script {
        answers: addrs.iter().copied().zip(answers.iter().copied()).collect(),
        log: Vec::new(),
    };
    let place = Place {
        _holders: holders,
        listener,
        script,
    };
    (place, addrs)
}

fn show(calls: &[Call]) -> String {
    if calls.is_empty() {
        return "(no call at all)".into();
    }
    let lines: Vec<String> = calls.iter().map(|c| c.to_string()).collect();
    lines.join("\n")
}

/// The calls must be exactly these; else fail with the first difference marked.
#[track_caller]
fn calls_are(got: &[Call], expected: &[Call]) {
    if got == expected {
        return;
    }
    let at = (0..).find(|&i| expected.get(i) != got.get(i)).unwrap_or(0);
    let mut shown: Vec<String> = got.iter().map(|c| c.to_string()).collect();
    match shown.get_mut(at) {
        Some(line) => line.push_str("   <- here"),
        None => shown.push("(no more calls)   <- here".into()),
    }
    fail(
        "Your function made other calls than expected: each address gets its own socket(), then \
         connect_timeout(…) with the timeout given (a connect with no time limit can wait for \
         minutes); a socket() that fails is a failed try like any other; and nothing is tried \
         after a connect that worked.",
        &show(expected),
        &shown.join("\n"),
    )
}

/// A try of `addr`: its socket, then its connect.
fn tried(addr: SocketAddr) -> [Call; 2] {
    [Call::Socket(addr), Call::Connect(addr, TIMEOUT)]
}

/// Your function must have connected to `expected`: check the socket is connected there and
/// carries bytes.
#[track_caller]
fn connected(result: io::Result<(Socket, SocketAddr)>, place: &Place, expected: SocketAddr) {
    let (socket, addr) = match result {
        Ok(ok) => ok,
        Err(e) => fail(
            &format!("Your function returned an error, but {expected} was listening."),
            &format!("Ok((a socket connected to {expected}, {expected}))"),
            &format!("Err({e})  (ErrorKind::{:?})", e.kind()),
        ),
    };
    if addr != expected {
        fail(
            "Your function returned another address than the one it connected to.",
            &expected.to_string(),
            &addr.to_string(),
        );
    }
    let peer = socket.peer_addr().ok().and_then(|a| a.as_socket());
    if peer != Some(expected) {
        fail(
            "The socket your function returned is not connected to the address it returned.",
            &format!("a socket connected to {expected}"),
            &peer.map_or("a socket connected to nothing".into(), |p| p.to_string()),
        );
    }
    // Bytes go through: the listener's side sends, the returned socket receives.
    let listener = place.listener.as_ref().unwrap();
    let (mut conn, _) = listener.accept().expect("accept()");
    io::Write::write_all(&mut conn, b"hi\n").unwrap();
    socket.set_read_timeout(Some(testkit::timeout())).unwrap();
    let mut buf = [0u8; 3];
    io::Read::read_exact(&mut &socket, &mut buf).expect("the bytes the listener's side sent");
    assert_eq!(&buf, b"hi\n");
}

/// Your function must have failed with an error of this kind.
#[track_caller]
fn failed_with(result: io::Result<(Socket, SocketAddr)>, kind: ErrorKind, why: &str) {
    match result {
        Err(e) if e.kind() == kind => {}
        Err(e) => fail(
            why,
            &format!("Err(ErrorKind::{kind:?})"),
            &format!("Err({e})  (ErrorKind::{:?})", e.kind()),
        ),
        Ok((_, addr)) => fail(
            why,
            &format!("Err(ErrorKind::{kind:?})"),
            &format!("Ok(connected to {addr})"),
        ),
    }
}

#[test]
fn one_listening_address_is_connected_with_the_timeout_given() {
    let (mut place, addrs) = places(&[Answer::Listening]);
    let result = yours(|| connect_first(&addrs, TIMEOUT, &mut place.script));
    calls_are(&place.script.log, &tried(addrs[0]));
    connected(result, &place, addrs[0]);
}

#[test]
fn a_refused_address_is_not_the_end_the_next_is_tried_on_a_new_socket() {
    let (mut place, addrs) = places(&[Answer::Refused, Answer::Silent, Answer::Listening]);
    let result = yours(|| connect_first(&addrs, TIMEOUT, &mut place.script));
    let log = place.script.log.clone();
    connected(result, &place, addrs[2]);
    calls_are(
        &log,
        &[tried(addrs[0]), tried(addrs[1]), tried(addrs[2])].concat(),
    );
}

#[test]
fn nothing_is_tried_after_the_first_that_connects() {
    let (mut place, addrs) = places(&[Answer::Listening, Answer::Refused]);
    let result = yours(|| connect_first(&addrs, TIMEOUT, &mut place.script));
    calls_are(&place.script.log, &tried(addrs[0]));
    connected(result, &place, addrs[0]);
}

#[test]
fn when_every_try_fails_the_last_error_is_returned() {
    let (mut place, addrs) = places(&[Answer::Refused, Answer::Silent]);
    let result = yours(|| connect_first(&addrs, TIMEOUT, &mut place.script));
    let why = "Every try failed: refused, then timed out. The error to return is the LAST one.";
    failed_with(result, ErrorKind::TimedOut, why);
    calls_are(
        &place.script.log,
        &[tried(addrs[0]), tried(addrs[1])].concat(),
    );

    let (mut place, addrs) = places(&[Answer::Silent, Answer::Refused]);
    let result = yours(|| connect_first(&addrs, TIMEOUT, &mut place.script));
    let why = "Every try failed: timed out, then refused. The error to return is the LAST one.";
    failed_with(result, ErrorKind::ConnectionRefused, why);
}

#[test]
fn no_address_at_all_is_an_invalid_input_error_and_no_call() {
    let (mut place, _) = places(&[]);
    let result = yours(|| connect_first(&[], TIMEOUT, &mut place.script));
    let why = "connect_first(&[], …) has nothing to try: it returns an error of kind InvalidInput.";
    failed_with(result, ErrorKind::InvalidInput, why);
    calls_are(&place.script.log, &[]);
}

#[test]
fn socket_failing_is_a_failed_try_too_the_next_address_is_tried() {
    // A name with an IPv6 and an IPv4 address, on a machine without IPv6: socket() fails for
    // the first. The second must still be tried.
    let (mut place, addrs) = places(&[Answer::NoSocket, Answer::Listening]);
    let result = yours(|| connect_first(&addrs, TIMEOUT, &mut place.script));
    let log = place.script.log.clone();
    if let Err(e) = &result {
        fail(
            &format!(
                "socket() failed for {} (no such address family here), and your function \
                 gave up: the next address, {}, was listening.",
                addrs[0], addrs[1]
            ),
            &format!("Ok((a socket connected to {}, {}))", addrs[1], addrs[1]),
            &format!("Err({e})\n\nthe calls your function made:\n{}", show(&log)),
        );
    }
    connected(result, &place, addrs[1]);
    calls_are(
        &log,
        &[vec![Call::Socket(addrs[0])], tried(addrs[1]).to_vec()].concat(),
    );

    // And when it is the last try that fails, its error is the one returned.
    let (mut place, addrs) = places(&[Answer::Refused, Answer::NoSocket]);
    let result = yours(|| connect_first(&addrs, TIMEOUT, &mut place.script));
    let why = "Every try failed: refused, then socket() failed. The error to return is the LAST \
               one, socket()'s.";
    failed_with(result, no_socket().kind(), why);
}
