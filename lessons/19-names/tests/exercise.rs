//! The exercise's checks: your `connect_any` runs here with an attempt that records each call
//! (and fails or connects as each check plans it), then once over real sockets. They check
//! which attempts it makes, in which order, what it returns and the bytes that come over the
//! connection it returns, never what anything prints.
//! (`cargo exercise lesson-19-names` runs them on src/exercise.rs.)

use std::cell::RefCell;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

use lesson_19_names::connect_any;
use testkit::{fail, timeout, yours, RefusingPort};

/// What the test's attempt does at one address.
#[derive(Clone, Copy)]
enum Plan {
    /// connect() fails: connection refused.
    Refused,
    /// connect() fails: the attempt's timeout passed.
    TimedOut,
    /// connect() works: a real listener is there.
    Answers,
}

/// Real loopback addresses, one per plan: a listener where the plan is `Answers`, a port
/// nobody listens on otherwise (so that even an attempt made some other way ends at once).
struct Addresses {
    addrs: Vec<SocketAddr>,
    plans: Vec<Plan>,
    _listeners: Vec<TcpListener>,
    _refusing: Vec<RefusingPort>,
}

fn addresses(plans: &[Plan]) -> Addresses {
    let (mut addrs, mut listeners, mut refusing) = (vec![], vec![], vec![]);
    for plan in plans {
        match plan {
            Plan::Answers => {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                addrs.push(listener.local_addr().unwrap());
                listeners.push(listener);
            }
            Plan::Refused | Plan::TimedOut => {
                let port = testkit::refusing_port();
                addrs.push(port.addr);
                refusing.push(port);
            }
        }
    }
    Addresses {
        addrs,
        plans: plans.to_vec(),
        _listeners: listeners,
        _refusing: refusing,
    }
}

/// Run your `connect_any` on these addresses; returns what it returned and the attempts it
/// made through `connect`, in order.
fn run(given: &Addresses) -> (io::Result<TcpStream>, Vec<SocketAddr>) {
    let calls = RefCell::new(Vec::new());
    let attempt = |addr: SocketAddr| {
        calls.borrow_mut().push(addr);
        let at = given.addrs.iter().position(|&a| a == addr);
        match at.map(|i| given.plans[i]) {
            Some(Plan::Refused) => Err(io::Error::from(ErrorKind::ConnectionRefused)),
            Some(Plan::TimedOut) => Err(io::Error::from(ErrorKind::TimedOut)),
            Some(Plan::Answers) => TcpStream::connect_timeout(&addr, timeout()),
            None => Err(io::Error::other("an address that was not given")),
        }
    };
    let result = yours(|| connect_any(&given.addrs, attempt));
    (result, calls.into_inner())
}

fn show(addrs: &[SocketAddr]) -> String {
    if addrs.is_empty() {
        return "(no attempt at all)".into();
    }
    let calls: Vec<String> = addrs.iter().map(|a| format!("connect({a})")).collect();
    calls.join("\n")
}

/// The attempts must be exactly these, in this order.
#[track_caller]
fn check_attempts(why: &str, expected: &[SocketAddr], got: &[SocketAddr]) {
    if got == expected {
        return;
    }
    let what = if got.is_empty() && !expected.is_empty() {
        "No attempt went through `connect(addr)`: every attempt must (it has the timeout)."
    } else {
        why
    };
    fail(what, &show(expected), &show(got));
}

/// The result must be a stream connected to `addr`.
#[track_caller]
fn check_connected(result: io::Result<TcpStream>, addr: SocketAddr) -> TcpStream {
    let expected = format!("Ok(a stream connected to {addr})");
    match result {
        Ok(stream) => match stream.peer_addr() {
            Ok(peer) if peer == addr => stream,
            peer => fail(
                "connect_any returned a stream to another address.",
                &expected,
                &format!("Ok(a stream connected to {peer:?})"),
            ),
        },
        Err(e) => fail(
            "connect_any failed, but an address answered.",
            &expected,
            &format!("Err({:?}: {e})", e.kind()),
        ),
    }
}

#[test]
fn the_first_address_that_answers_is_the_one() {
    use Plan::*;
    let given = addresses(&[Answers, Answers]);
    let (result, calls) = run(&given);
    let why = "The first address answers: it is the only attempt.";
    check_attempts(why, &given.addrs[..1], &calls);
    check_connected(result, given.addrs[0]);
}

#[test]
fn a_failed_attempt_is_not_the_end_the_next_address_is_tried() {
    use Plan::*;
    let given = addresses(&[Refused, TimedOut, Answers]);
    let (result, calls) = run(&given);
    let why = "After an attempt fails, the next address is tried, in order.";
    check_attempts(why, &given.addrs, &calls);
    check_connected(result, given.addrs[2]);
}

#[test]
fn the_resolvers_order_is_kept_whatever_the_family() {
    use Plan::*;
    // The resolver put IPv6 first (RFC 6724's default preference): that order is kept, with
    // no family preferred over the other.
    let mut given = addresses(&[Refused, Refused, Answers]);
    let v6: SocketAddr = format!("[::1]:{}", given.addrs[0].port()).parse().unwrap();
    given.addrs[0] = v6;
    let (result, calls) = run(&given);
    let why = "The resolver gave [::1] first, then 127.0.0.1: the attempts follow that order, \
               IPv6 first; reordering by family is the resolver's job, not connect_any's.";
    check_attempts(why, &given.addrs, &calls);
    check_connected(result, given.addrs[2]);
}

#[test]
fn no_attempt_is_made_after_one_connects() {
    use Plan::*;
    let given = addresses(&[Refused, Answers, Answers, Refused]);
    let (result, calls) = run(&given);
    let why = "Once an attempt has connected, no other attempt is made.";
    check_attempts(why, &given.addrs[..2], &calls);
    check_connected(result, given.addrs[1]);
}

#[test]
fn when_every_attempt_fails_the_last_error_is_returned() {
    use Plan::*;
    for (plans, kind) in [
        ([Refused, TimedOut], ErrorKind::TimedOut),
        ([TimedOut, Refused], ErrorKind::ConnectionRefused),
    ] {
        let given = addresses(&plans);
        let (result, calls) = run(&given);
        let why = "Every address is tried before giving up.";
        check_attempts(why, &given.addrs, &calls);
        match result {
            Err(e) if e.kind() == kind => {}
            other => fail(
                "Every attempt failed: connect_any returns the last attempt's error, as it is.",
                &format!("Err({kind:?})"),
                &match other {
                    Ok(_) => "Ok(a stream)".into(),
                    Err(e) => format!("Err({:?}: {e})", e.kind()),
                },
            ),
        }
    }
}

#[test]
fn no_address_at_all_is_invalid_input() {
    let given = addresses(&[]);
    let (result, calls) = run(&given);
    check_attempts("No address: no attempt.", &[], &calls);
    match result {
        Err(e) if e.kind() == ErrorKind::InvalidInput => {}
        other => fail(
            "connect_any(&[]): there is nothing to connect to.",
            "Err(InvalidInput)",
            &match other {
                Ok(_) => "Ok(a stream)".into(),
                Err(e) => format!("Err({:?}: {e})", e.kind()),
            },
        ),
    }
}

#[test]
fn over_real_sockets_the_bytes_come_from_the_address_that_answered() {
    // A port that refuses for real, then a real server that says hello.
    let refusing = testkit::refusing_port();
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let addrs = [refusing.addr, server.local_addr().unwrap()];
    let attempt = |addr| TcpStream::connect_timeout(&addr, timeout());
    let result = yours(|| connect_any(&addrs, attempt));
    let mut stream = check_connected(result, addrs[1]);
    let (mut conn, _) = server.accept().unwrap();
    conn.write_all(b"hello\n").unwrap();
    drop(conn);
    stream.set_read_timeout(Some(timeout())).unwrap();
    let mut got = Vec::new();
    let _ = stream.read_to_end(&mut got);
    if got != b"hello\n" {
        fail(
            "The stream connect_any returned does not carry the server's bytes.",
            "b\"hello\\n\"",
            &format!("{:?}", String::from_utf8_lossy(&got)),
        );
    }
}
