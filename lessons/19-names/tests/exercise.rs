//! The exercise's checks: your `connect_any` runs here with an attempt that records each call
//! (its address, its time limit, when it started) and fails or connects as each check plans
//! it, then once over real sockets with a real address that never answers (Linux). They check
//! which attempts it makes, in which order, with how much time, what it returns and the bytes
//! that come over the connection it returns, never what anything prints.
//! (`cargo exercise lesson-19-names` runs them on src/exercise.rs.)

use std::cell::RefCell;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use lesson_19_names::connect_any;
use testkit::{fail, timeout, yours, RefusingPort};

/// What the test's attempt does at one address.
#[derive(Clone, Copy)]
enum Plan {
    /// connect() fails at once: connection refused.
    Refused,
    /// Nobody answers: the attempt takes its whole limit, then fails: timed out.
    Silent,
    /// connect() works: a real listener is there.
    Answers,
    /// Nobody answers, and the attempt overruns: it takes three times its limit, then fails:
    /// timed out (a loaded machine, a clock that jumped).
    Overruns,
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
            Plan::Refused | Plan::Silent | Plan::Overruns => {
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

/// What the test's attempt puts in each error it returns: the address that failed, so that
/// a check can tell WHICH attempt's error came back, and that it came back as it was.
#[derive(Debug, PartialEq)]
struct FailedAt(SocketAddr);

impl std::fmt::Display for FailedAt {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "the attempt at {} failed", self.0)
    }
}

impl std::error::Error for FailedAt {}

/// One call of `connect`: the address, the limit it was given, when it started (since the
/// call of connect_any).
#[derive(Clone, Copy)]
struct Call {
    addr: SocketAddr,
    limit: Duration,
    at: Duration,
}

/// Run your `connect_any` on these addresses: what it returned, the attempts it made through
/// `connect` in order, and how long it took.
fn run(given: &Addresses, deadline: Duration) -> (io::Result<TcpStream>, Vec<Call>, Duration) {
    let calls = RefCell::new(Vec::new());
    let began = Instant::now();
    let attempt = |addr: SocketAddr, limit: Duration| {
        let at = began.elapsed();
        calls.borrow_mut().push(Call { addr, limit, at });
        let plan = given.addrs.iter().position(|&a| a == addr);
        match plan.map(|i| given.plans[i]) {
            Some(Plan::Refused) => {
                Err(io::Error::new(ErrorKind::ConnectionRefused, FailedAt(addr)))
            }
            Some(Plan::Silent) => {
                std::thread::sleep(limit.min(timeout()));
                Err(io::Error::new(ErrorKind::TimedOut, FailedAt(addr)))
            }
            Some(Plan::Overruns) => {
                std::thread::sleep((limit * 3).min(timeout()));
                Err(io::Error::new(ErrorKind::TimedOut, FailedAt(addr)))
            }
            Some(Plan::Answers) => TcpStream::connect_timeout(&addr, timeout()),
            None => Err(io::Error::other("an address that was not given")),
        }
    };
    let result = yours(|| connect_any(&given.addrs, deadline, attempt));
    (result, calls.into_inner(), began.elapsed())
}

fn show(calls: &[SocketAddr]) -> String {
    if calls.is_empty() {
        return "(no attempt at all)".into();
    }
    let calls: Vec<String> = calls.iter().map(|a| format!("connect({a})")).collect();
    calls.join("\n")
}

/// The attempts must be exactly these addresses, in this order.
#[track_caller]
fn check_attempts(why: &str, expected: &[SocketAddr], got: &[Call]) {
    let got: Vec<SocketAddr> = got.iter().map(|c| c.addr).collect();
    if got != expected {
        fail(why, &show(expected), &show(&got));
    }
}

/// Each attempt's limit must be the time left divided by the distinct addresses left.
#[track_caller]
fn check_limits(deadline: Duration, distinct: usize, calls: &[Call]) {
    let slack = Duration::from_millis(100); // a loaded machine may preempt between the two clocks
    let show = |limits: Vec<Duration>| {
        let each: Vec<String> = calls
            .iter()
            .zip(limits)
            .map(|(c, l)| format!("connect({}) at {} ms: limit {} ms", c.addr, ms(c.at), ms(l)))
            .collect();
        each.join("\n")
    };
    let expected: Vec<Duration> = (calls.iter().enumerate())
        .map(|(i, c)| deadline.saturating_sub(c.at) / (distinct - i) as u32)
        .collect();
    let off = calls
        .iter()
        .zip(&expected)
        .any(|(c, &e)| c.limit > e + slack || c.limit + slack < e);
    if off {
        fail(
            &format!(
                "The attempts' time limits do not share the deadline ({deadline:?}): each \
                 gets the time left divided by the distinct addresses left, this one included."
            ),
            &show(expected),
            &show(calls.iter().map(|c| c.limit).collect()),
        );
    }
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

#[track_caller]
fn check_error(why: &str, result: io::Result<TcpStream>, kind: ErrorKind) {
    match result {
        Err(e) if e.kind() == kind => {}
        other => fail(
            why,
            &format!("Err({kind:?})"),
            &match other {
                Ok(_) => "Ok(a stream)".into(),
                Err(e) => format!("Err({:?}: {e})", e.kind()),
            },
        ),
    }
}

/// The result must be the error the attempt at `addr` returned, as it was (not a new error
/// of the same kind).
#[track_caller]
fn check_error_of(why: &str, result: io::Result<TcpStream>, kind: ErrorKind, addr: SocketAddr) {
    let expected = format!("Err({kind:?}: {})", FailedAt(addr));
    match result {
        Err(e) if e.kind() == kind => {
            let from = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<FailedAt>());
            if from != Some(&FailedAt(addr)) {
                fail(
                    &format!(
                        "{why} The kind is right, but it is not that attempt's error as \
                              the attempt returned it (a new error, or another attempt's)."
                    ),
                    &expected,
                    &format!("Err({:?}: {e})", e.kind()),
                );
            }
        }
        Ok(_) => fail(why, &expected, "Ok(a stream)"),
        Err(e) => fail(why, &expected, &format!("Err({:?}: {e})", e.kind())),
    }
}

/// A duration in whole milliseconds, rounded to the nearest.
fn ms(d: Duration) -> u128 {
    (d.as_micros() + 500) / 1000
}

const fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

#[test]
fn the_first_address_that_answers_is_the_one() {
    use Plan::*;
    let given = addresses(&[Answers, Answers]);
    let (result, calls, _) = run(&given, millis(2000));
    let why = "The first address answers: it is the only attempt.";
    check_attempts(why, &given.addrs[..1], &calls);
    check_limits(millis(2000), 2, &calls);
    check_connected(result, given.addrs[0]);
}

#[test]
fn a_failed_attempt_is_not_the_end_the_next_address_is_tried() {
    use Plan::*;
    let given = addresses(&[Refused, Silent, Answers]);
    let (result, calls, _) = run(&given, millis(600));
    let why = "After an attempt fails, the next address is tried, in order.";
    check_attempts(why, &given.addrs, &calls);
    check_connected(result, given.addrs[2]);
}

#[test]
fn a_quick_refusal_leaves_its_share_to_the_addresses_after_it() {
    use Plan::*;
    // Limits 1 s, then 3 s / 2, then the whole 3 s: the refusals took no time.
    let given = addresses(&[Refused, Refused, Answers]);
    let (result, calls, _) = run(&given, millis(3000));
    check_attempts("Every address is tried, in order.", &given.addrs, &calls);
    check_limits(millis(3000), 3, &calls);
    check_connected(result, given.addrs[2]);
}

#[test]
fn a_silent_address_takes_its_share_and_no_more() {
    use Plan::*;
    let given = addresses(&[Silent, Silent, Refused, Answers]);
    let (result, calls, took) = run(&given, millis(800));
    check_attempts("Every address is tried, in order.", &given.addrs, &calls);
    check_limits(millis(800), 4, &calls);
    check_connected(result, given.addrs[3]);
    if took > millis(1100) {
        fail(
            "connect_any took longer than its deadline.",
            "at most 800ms (and a little slack)",
            &format!("{took:?}"),
        );
    }
}

#[test]
fn an_address_given_twice_is_tried_once() {
    use Plan::*;
    let mut given = addresses(&[Refused, Refused, Answers]);
    given.addrs[1] = given.addrs[0];
    let (result, calls, _) = run(&given, millis(2000));
    let why = "The second address is the first one again: it is skipped (it already \
               refused), and not counted when the deadline is shared.";
    check_attempts(why, &[given.addrs[0], given.addrs[2]], &calls);
    check_limits(millis(2000), 2, &calls);
    check_connected(result, given.addrs[2]);
}

#[test]
fn a_duplicate_further_down_the_list_is_skipped_too() {
    use Plan::*;
    // A, B, A, C: the resolver gave A again after B (not side by side). A is tried first (its
    // first place is the resolver's preference), once, and counted once when sharing.
    let mut given = addresses(&[Refused, Refused, Refused, Answers]);
    given.addrs[2] = given.addrs[0];
    let (result, calls, _) = run(&given, millis(2000));
    let why = "The third address is the first one again, further down the list: it is \
               skipped, the first stays where the resolver put it, and the deadline is \
               shared among the 3 distinct addresses.";
    let expected = [given.addrs[0], given.addrs[1], given.addrs[3]];
    check_attempts(why, &expected, &calls);
    check_limits(millis(2000), 3, &calls);
    check_connected(result, given.addrs[3]);
}

#[test]
fn no_attempt_is_made_once_the_deadline_has_passed() {
    use Plan::*;
    // The first attempt overruns its 150 ms share (it takes 450 ms): the 300 ms deadline has
    // passed, so the second address, which would answer, is not tried.
    let given = addresses(&[Overruns, Answers]);
    let (result, calls, _) = run(&given, millis(300));
    let why = "The first attempt overran, and the deadline has passed when it fails: no \
               other attempt is made (not even with a limit of zero, which std's \
               connect_timeout refuses).";
    check_attempts(why, &given.addrs[..1], &calls);
    let why = "No time was left for the second address: the first attempt's error, as it is.";
    check_error_of(why, result, ErrorKind::TimedOut, given.addrs[0]);

    // A deadline of zero: no time for any attempt.
    let given = addresses(&[Answers]);
    let (result, calls, _) = run(&given, Duration::ZERO);
    check_attempts("A deadline of zero: no attempt at all.", &[], &calls);
    let why = "A deadline of zero leaves no time for an attempt: nothing was tried.";
    check_error(why, result, ErrorKind::TimedOut);
}

#[test]
fn the_resolvers_order_is_kept_whatever_the_family() {
    use Plan::*;
    // The resolver put IPv6 first (RFC 6724's default preference): that order is kept, with
    // no family preferred over the other.
    let mut given = addresses(&[Refused, Refused, Answers]);
    let v6: SocketAddr = format!("[::1]:{}", given.addrs[0].port()).parse().unwrap();
    given.addrs[0] = v6;
    let (result, calls, _) = run(&given, millis(2000));
    let why = "The resolver gave [::1] first, then 127.0.0.1: the attempts follow that order, \
               IPv6 first; reordering by family is the resolver's job, not connect_any's.";
    check_attempts(why, &given.addrs, &calls);
    check_connected(result, given.addrs[2]);
}

#[test]
fn no_attempt_is_made_after_one_connects() {
    use Plan::*;
    let given = addresses(&[Refused, Answers, Answers, Refused]);
    let (result, calls, _) = run(&given, millis(2000));
    let why = "Once an attempt has connected, no other attempt is made.";
    check_attempts(why, &given.addrs[..2], &calls);
    check_connected(result, given.addrs[1]);
}

#[test]
fn when_every_attempt_fails_the_first_error_is_returned() {
    use Plan::*;
    for (plans, kind) in [
        ([Refused, Silent], ErrorKind::ConnectionRefused),
        ([Silent, Refused], ErrorKind::TimedOut),
    ] {
        let given = addresses(&plans);
        let (result, calls, _) = run(&given, millis(400));
        let why = "Every address is tried before giving up.";
        check_attempts(why, &given.addrs, &calls);
        let why = "Every attempt failed: connect_any returns the FIRST attempt's error, as it is.";
        check_error_of(why, result, kind, given.addrs[0]);
    }
}

#[test]
fn no_address_at_all_is_invalid_input() {
    let given = addresses(&[]);
    let (result, calls, _) = run(&given, millis(1000));
    check_attempts("No address: no attempt.", &[], &calls);
    let why = "connect_any(&[]): there is nothing to connect to.";
    check_error(why, result, ErrorKind::InvalidInput);
}

/// An address that never answers, for real (Linux): a listener with a queue of 0 that one
/// connection, never accepted, already fills; Linux then drops every further SYN, so a
/// connect() to it waits until its time limit.
#[cfg(target_os = "linux")]
fn black_hole() -> (socket2::Socket, TcpStream, SocketAddr) {
    use socket2::{Domain, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    listener.bind(&any.into()).unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let queued = TcpStream::connect_timeout(&addr, timeout()).unwrap();
    (listener, queued, addr)
}

#[test]
fn over_real_sockets_the_bytes_come_from_the_address_that_answered() {
    // (Linux: an address that never answers first), a port that refuses for real, then a
    // real server that says hello; 1.5 s in all.
    let refusing = testkit::refusing_port();
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    #[cfg_attr(not(target_os = "linux"), allow(unused_mut))]
    let mut addrs = vec![refusing.addr, server.local_addr().unwrap()];
    #[cfg(target_os = "linux")]
    let _hole = {
        let hole = black_hole();
        addrs.insert(0, hole.2);
        hole
    };
    let deadline = millis(1500);
    let attempt = |addr, limit| TcpStream::connect_timeout(&addr, limit);
    let began = Instant::now();
    let result = yours(|| connect_any(&addrs, deadline, attempt));
    let took = began.elapsed();
    let mut stream = check_connected(result, *addrs.last().unwrap());
    if took > deadline + millis(500) {
        fail(
            "Over real sockets, connect_any took longer than its deadline.",
            &format!("at most {deadline:?} (and a little slack)"),
            &format!("{took:?}"),
        );
    }
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

#[test]
fn connect_any_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your connect_any runs.
    testkit::prints_nothing(
        "connect_any",
        &[
            "the_first_address_that_answers_is_the_one",
            "a_failed_attempt_is_not_the_end_the_next_address_is_tried",
            "when_every_attempt_fails_the_first_error_is_returned",
        ],
    );
}
