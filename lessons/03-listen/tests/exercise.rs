//! The exercise's checks: your `fill_queue` runs here, in the test, against real listening
//! sockets that nobody accepts from. Then each check asks the kernel itself: one more
//! connection must not get in (the queue really is full), and accept() must hand out exactly
//! the connections you returned, in the same order. Never what anything prints.
//! (`cargo exercise lesson-03-listen` runs them on src/exercise.rs.)

use std::io::{self, ErrorKind, Read};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use lesson_03_listen::{fill_queue, Filled, Next};
use socket2::{Domain, SockAddr, Socket, Type};
use testkit::{fail, yours};

/// The time limit the checks give each connection: a handshake on loopback takes microseconds.
const WAIT: Duration = Duration::from_millis(300);

/// A ceiling no queue in these checks comes near.
const NO_CEILING: usize = 1000;

/// A socket listening on a free port of 127.0.0.1 with `backlog`. Nobody accepts.
fn listening(backlog: i32) -> (Socket, SocketAddr) {
    listening_on("127.0.0.1:0".parse().unwrap(), backlog).expect("bind(127.0.0.1:0)")
}

/// A socket listening at `at` (port 0: a free one) with `backlog`, or the error of bind()
/// (a machine without IPv6 cannot bind [::1]). Nobody accepts.
fn listening_on(at: SocketAddr, backlog: i32) -> io::Result<(Socket, SocketAddr)> {
    let socket = Socket::new(Domain::for_address(at), Type::STREAM, None).expect("socket()");
    socket.bind(&SockAddr::from(at))?;
    socket.listen(backlog).expect("listen()");
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    Ok((socket, addr))
}

/// Your `fill_queue(addr, wait, ceiling)`, on a thread of its own: a probe that does not
/// return fails the check instead of hanging it. Returns its result and how long it took.
fn probe(addr: SocketAddr, wait: Duration, ceiling: usize) -> (io::Result<Filled>, Duration) {
    let bound = wait * 2 + testkit::timeout();
    let (done, result) = mpsc::channel();
    // The thread takes the check's name, so that a failure inside it says which check.
    let name = thread::current().name().unwrap_or("check").to_string();
    let start = Instant::now();
    let worker = thread::Builder::new()
        .name(name)
        .spawn(move || {
            let r = yours(|| fill_queue(addr, wait, ceiling));
            let _ = done.send((r, start.elapsed()));
        })
        .expect("a thread for your probe");
    match result.recv_timeout(bound) {
        Ok(outcome) => outcome,
        Err(mpsc::RecvTimeoutError::Timeout) => fail(
            &format!(
                "fill_queue(addr, {} ms, {ceiling}) did not return. Once the queue is full, \
                 Linux ignores the next SYN: a connect() without a time limit waits about two \
                 minutes for an answer that never comes.",
                wait.as_millis()
            ),
            &format!(
                "a result about {} ms after the last connection got in",
                wait.as_millis()
            ),
            &format!("nothing after {} ms", bound.as_millis()),
        ),
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the worker sends before it ends"),
        },
    }
}

/// The result of a probe that must succeed: a full queue is not an error.
#[track_caller]
fn measured(result: io::Result<Filled>, call: &str) -> Filled {
    match result {
        Ok(filled) => filled,
        Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => fail(
            &format!(
                "{call} returned the full queue as an error. A connection that gets no answer \
                 within `wait` IS the answer (the queue is full), and the connections that got \
                 in are the measurement: returning an error throws them away."
            ),
            "Ok(Filled { waiting: [the connections], next: Next::NoAnswer })",
            &format!("Err({e})"),
        ),
        Err(e) => fail(
            &format!("{call} returned an error."),
            "Ok(Filled { … })",
            &format!("Err({e})  (ErrorKind::{:?})", e.kind()),
        ),
    }
}

/// What one more connection to `addr` gets now: `None` if it gets in (the queue was not full),
/// else what this system answers a full queue with: no answer in time (Linux, macOS, the BSDs)
/// or a refusal (Windows).
fn one_more(addr: SocketAddr) -> Option<Next> {
    match TcpStream::connect_timeout(&addr, WAIT) {
        Ok(_) => None,
        Err(e) => match e.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Some(Next::NoAnswer),
            ErrorKind::ConnectionRefused => Some(Next::Refused),
            _ => panic!("the checks' own connect({addr}) failed: {e}"),
        },
    }
}

/// The connections the kernel queued on `listener`, oldest first, with their clients' addresses:
/// accept() without waiting until the queue is empty. (`expected` of them may still be on
/// their way, for a few milliseconds at most: the checks wait that long for them.)
fn queued(listener: &Socket, expected: usize) -> Vec<(SocketAddr, Socket)> {
    listener
        .set_nonblocking(true)
        .expect("non-blocking accept()");
    let deadline = Instant::now() + Duration::from_millis(200);
    let mut peers = Vec::new();
    loop {
        match listener.accept() {
            Ok((conn, peer)) => peers.push((peer.as_socket().expect("an IP address"), conn)),
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if peers.len() >= expected || Instant::now() > deadline {
                    return peers;
                }
                thread::sleep(Duration::from_millis(5));
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!("the checks' accept() failed: {e}"),
        }
    }
}

/// The connections you returned, as their addresses, taken as soon as your function returns.
/// Each must be connected to the listener by then: a socket whose connect() got no answer is
/// no connection, whatever happens to it later (kept open, its SYN is sent again, and once
/// the checks accept() it may get in).
#[track_caller]
fn connected(filled: &Filled, addr: SocketAddr, call: &str) -> Vec<SocketAddr> {
    let mut mine = Vec::new();
    for (i, conn) in filled.waiting.iter().enumerate() {
        match (conn.local_addr(), conn.peer_addr()) {
            (Ok(local), Ok(peer)) if peer == addr => mine.push(local),
            (local, peer) => fail(
                &format!(
                    "{call} returned, in `waiting`, a socket that is not connected to the \
                     listener (its connection number {} of {}): only a connection that \
                     completed is in the queue, and in the count.",
                    i + 1,
                    filled.waiting.len()
                ),
                &format!("every socket in `waiting` connected to {addr}"),
                &match (local, peer) {
                    (Ok(local), Err(_)) => format!("{local}, not connected"),
                    (Ok(local), Ok(peer)) => format!("{local}, connected to {peer}"),
                    (Err(e), _) => format!("a socket without an address ({e})"),
                },
            ),
        }
    }
    mine
}

/// The connections you returned (`mine`, from [`connected`]) must be the ones the kernel
/// queued: the same, in the same order (accept() hands them out oldest first), none more and
/// none fewer. Returns the server's ends of them, accepted.
#[track_caller]
fn same_as_the_kernel(mine: &[SocketAddr], listener: &Socket, call: &str) -> Vec<Socket> {
    let (kernel, accepted): (Vec<SocketAddr>, Vec<Socket>) =
        queued(listener, mine.len()).into_iter().unzip();
    if mine != kernel {
        // A long list is shown around its first difference, marked.
        let first = (0..).find(|&i| mine.get(i) != kernel.get(i)).unwrap_or(0);
        let (from, to) = (first.saturating_sub(3), first + 4);
        let show = |list: &[SocketAddr]| match list.len() {
            0 => "no connection".to_string(),
            n => {
                let mut lines: Vec<String> = Vec::new();
                if n > 12 && from > 0 {
                    lines.push(format!("… ({from} the same before)"));
                }
                for (i, a) in list.iter().enumerate() {
                    if n <= 12 || (from..to).contains(&i) {
                        let here = if i == first { "  <- here" } else { "" };
                        lines.push(format!("{a}{here}"));
                    }
                }
                if n > 12 && to < n {
                    lines.push(format!("… ({} more)", n - to));
                }
                format!("{}, from:\n{}", connections(n), lines.join("\n"))
            }
        };
        let what = if mine.len() < kernel.len() {
            "returned fewer connections than it made: the kernel queued more (keep every \
             connection that got in, and stop at the ceiling without trying another)"
        } else if mine.len() > kernel.len() {
            "returned connections that the kernel never queued"
        } else if !same_set(mine, &kernel) {
            "returned other connections than the kernel queued"
        } else if by_port(mine) == mine {
            "returned the connections in the order of their local ports, not in the order they \
             were made (oldest first, the order accept() hands them out): the port of the next \
             connection is not always higher (here the ports wrapped around)"
        } else {
            "returned the connections in another order than they were made (oldest first, the \
             order accept() hands them out)"
        };
        fail(
            &format!("{call} {what}."),
            &format!("the kernel's queue: {}", show(&kernel)),
            &format!("your waiting: {}", show(mine)),
        );
    }
    accepted
}

/// Whether `a` and `b` hold the same addresses, in any order.
fn same_set(a: &[SocketAddr], b: &[SocketAddr]) -> bool {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort();
    b.sort();
    a == b
}

/// `list` in the order of its ports.
fn by_port(list: &[SocketAddr]) -> Vec<SocketAddr> {
    let mut sorted = list.to_vec();
    sorted.sort_by_key(|a| a.port());
    sorted
}

/// The connections you returned must be open (the server reads nothing from them, not the end
/// of the stream) for as long as the caller keeps them, and end when the caller drops them:
/// you keep no copy. `accepted`: the server's ends, from [`same_as_the_kernel`].
#[track_caller]
fn open_until_dropped(filled: Filled, accepted: &[Socket], call: &str) {
    let mut byte = [0u8; 1];
    for (i, conn) in accepted.iter().enumerate() {
        conn.set_nonblocking(true).expect("non-blocking recv()");
        let what = match (&mut &*conn).read(&mut byte) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
            Ok(0) => "the end of the stream".to_string(),
            Ok(n) => format!("{n} byte(s)"),
            Err(e) => format!("an error: {e}"),
        };
        fail(
            &format!(
                "{call} returned connections that are not open: the server, accepting \
                 connection number {} of {}, read {what} while you still held it. Keep each \
                 connection open, as it is, and send nothing.",
                i + 1,
                accepted.len()
            ),
            "the server reads nothing yet (the connection is open and idle)",
            &what,
        );
    }
    // The caller is done with them: dropping what you returned must close every one.
    drop(filled);
    for (i, conn) in accepted.iter().enumerate() {
        conn.set_nonblocking(false).expect("blocking recv()");
        conn.set_read_timeout(Some(testkit::timeout()))
            .expect("a receive timeout");
        match (&mut &*conn).read(&mut byte) {
            Ok(0) => {}
            Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset) => {}
            other => fail(
                &format!(
                    "{call}: the caller dropped the connections you returned, but connection \
                     number {} of {} did not end. Keep nothing of them yourself (no copy, no \
                     second descriptor): what you return is all there is.",
                    i + 1,
                    accepted.len()
                ),
                "the server reads the end of the stream",
                &match other {
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                        format!(
                            "nothing within {} ms: still open",
                            testkit::timeout().as_millis()
                        )
                    }
                    Err(e) => format!("an error: {e}"),
                    Ok(n) => format!("{n} byte(s)"),
                },
            ),
        }
    }
}

/// After the queue was emptied, no connection of yours arrives late: a socket whose connect()
/// got no answer, left open, sends its SYN again (Linux: a second after the first) and gets in
/// as soon as there is room. Watches the listener for 1.5 s.
#[track_caller]
fn nothing_arrives_late(listener: &Socket, call: &str) {
    listener
        .set_nonblocking(true)
        .expect("non-blocking accept()");
    let watch = Duration::from_millis(1500);
    let start = Instant::now();
    while start.elapsed() < watch {
        match listener.accept() {
            Ok((_conn, peer)) => fail(
                &format!(
                    "{call} left a socket open whose connect() got no answer: its SYN was sent \
                     again, and once the queue had room it got in ({} ms after the queue was \
                     emptied), a connection nobody was told about. Close the one that did not \
                     get in.",
                    start.elapsed().as_millis()
                ),
                &format!(
                    "no connection in the {} ms after the queue was emptied",
                    watch.as_millis()
                ),
                &format!(
                    "one more, from {}",
                    peer.as_socket().expect("an IP address")
                ),
            ),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("the checks' accept() failed: {e}"),
        }
    }
}

/// `1 connection`, `3 connections`.
fn connections(n: usize) -> String {
    match n {
        1 => "1 connection".to_string(),
        n => format!("{n} connections"),
    }
}

#[test]
fn the_queue_is_measured_for_backlogs_1_2_and_5_and_on_ipv6() {
    for (at, backlog) in [
        ("127.0.0.1:0", 1),
        ("127.0.0.1:0", 2),
        ("127.0.0.1:0", 5),
        ("[::1]:0", 2),
    ] {
        let (listener, addr) = match listening_on(at.parse().unwrap(), backlog) {
            Ok(listening) => listening,
            Err(e) => {
                println!("skipped: no IPv6 here, bind({at}) failed: {e}");
                continue;
            }
        };
        let call = format!("fill_queue({addr}, {} ms, {NO_CEILING})", WAIT.as_millis());
        let filled = measured(probe(addr, WAIT, NO_CEILING).0, &call);
        let mine = connected(&filled, addr, &call);
        if filled.next == Next::NotTried || filled.waiting.is_empty() {
            fail(
                &format!(
                    "{call} on a socket that listens with a backlog of {backlog} stopped \
                     before the queue was full ({}, far below the ceiling).",
                    connections(filled.waiting.len())
                ),
                "Next::NoAnswer (or Next::Refused), after at least one connection",
                &format!(
                    "{}, Next::{:?}",
                    connections(filled.waiting.len()),
                    filled.next
                ),
            );
        }
        // Full means full: the kernel takes no more, and answers one more connection the way
        // your probe says it answered.
        match one_more(addr) {
            None => fail(
                &format!(
                    "{call} said the queue was full after {}, but it was not: one more \
                     connection got in at once.",
                    connections(filled.waiting.len())
                ),
                "the next connection gets no answer (or is refused)",
                "the next connection got in",
            ),
            Some(answer) if answer != filled.next => fail(
                &format!(
                    "{call} said Next::{:?}, but this system answers a connection to the full \
                     queue with Next::{answer:?}: say what happened to the connection, no \
                     answer within `wait` (NoAnswer) or a refusal (Refused).",
                    filled.next
                ),
                &format!("Next::{answer:?}"),
                &format!("Next::{:?}", filled.next),
            ),
            Some(_) => {}
        }
        let accepted = same_as_the_kernel(&mine, &listener, &call);
        open_until_dropped(filled, &accepted, &call);
        if backlog == 1 {
            nothing_arrives_late(&listener, &call);
        }
    }
}

#[test]
fn a_ceiling_smaller_than_the_queue_stops_the_probe_at_the_ceiling() {
    // A backlog of 5 queues 5 or more connections everywhere: more than the ceiling.
    let (listener, addr) = listening(5);
    let ceiling = 3;
    let call = format!("fill_queue(addr, {} ms, {ceiling})", WAIT.as_millis());
    let filled = measured(probe(addr, WAIT, ceiling).0, &call);
    let mine = connected(&filled, addr, &call);
    let n = filled.waiting.len();
    if n != ceiling || filled.next != Next::NotTried {
        let what = if n == ceiling + 1 {
            "made one connection too many: stop once `ceiling` are in".to_string()
        } else if n > ceiling {
            format!("went past the ceiling, up to the full queue ({n}): a system that never says no would keep it connecting for ever")
        } else {
            format!("stopped below the ceiling, at {n}, although the queue had room")
        };
        fail(
            &format!("{call} on a queue with room for more {what}."),
            &format!("{ceiling} connections, Next::NotTried"),
            &format!("{}, Next::{:?}", connections(n), filled.next),
        );
    }
    // None tried beyond the ceiling and dropped, either.
    same_as_the_kernel(&mine, &listener, &call);
}

#[test]
fn a_ceiling_of_usize_max_is_no_ceiling_at_all() {
    // The ceiling bounds the connections; it is not how many to make room for.
    let (listener, addr) = listening(1);
    let call = format!("fill_queue(addr, {} ms, usize::MAX)", WAIT.as_millis());
    let filled = measured(probe(addr, WAIT, usize::MAX).0, &call);
    let mine = connected(&filled, addr, &call);
    if filled.next == Next::NotTried || filled.waiting.is_empty() {
        fail(
            &format!(
                "{call} on a socket that listens with a backlog of 1 stopped before the queue \
                 was full."
            ),
            "Next::NoAnswer (or Next::Refused), after at least one connection",
            &format!(
                "{}, Next::{:?}",
                connections(filled.waiting.len()),
                filled.next
            ),
        );
    }
    same_as_the_kernel(&mine, &listener, &call);
}

#[test]
fn a_port_where_nothing_listens_is_an_error_returned_as_it_is() {
    let nobody = testkit::refusing_port();
    // A long wait: Linux refuses at once, but Windows may send its SYN again after a reset,
    // so that its connect() reports the refusal a second or two late.
    let wait = testkit::timeout();
    let start = Instant::now();
    let Err(plain) = TcpStream::connect_timeout(&nobody.addr, wait) else {
        panic!("the checks' own connect() to a port that does not listen got in");
    };
    // As soon as the system says no: the refusal is the answer, not a reason to try again.
    let bound = start.elapsed() + Duration::from_secs(1);
    let call = format!(
        "fill_queue({}, {} ms, {NO_CEILING})",
        nobody.addr,
        wait.as_millis()
    );
    let (result, took) = probe(nobody.addr, wait, NO_CEILING);
    match result {
        Err(e) if e.kind() == plain.kind() && e.raw_os_error() == plain.raw_os_error() => {
            if took > bound {
                fail(
                    &format!(
                        "{call}, where nothing listens, returned the refusal after {} ms: \
                         return it as soon as it comes, without trying again (nothing listens \
                         there, and waiting will not change that).",
                        took.as_millis()
                    ),
                    &format!("Err({plain}) within {} ms", bound.as_millis()),
                    &format!("Err({e}) after {} ms", took.as_millis()),
                );
            }
        }
        Err(e) => fail(
            &format!(
                "{call}, where nothing listens, returned another error than connect()'s: \
                 return it as it is."
            ),
            &format!("Err({plain})"),
            &format!("Err({e})"),
        ),
        Ok(filled) => fail(
            &format!(
                "{call}, where nothing listens, returned Ok. A refusal at the very first \
                 connection is no full queue: nobody is there, and the caller must know."
            ),
            &format!("Err({plain})"),
            &format!(
                "Ok({}, Next::{:?})",
                connections(filled.waiting.len()),
                filled.next
            ),
        ),
    }
}

#[test]
fn the_probe_waits_what_it_is_told_and_no_longer() {
    // The last connection waits `wait` for its answer; the others take microseconds. Checked
    // with a short wait and a long one, so that no fixed time limit passes both.
    // The backlog of 128 is std's (129 connections, as `--std` makes): no pause between them.
    let margin = Duration::from_millis(350);
    for (wait, backlog) in [
        (Duration::from_millis(50), 128),
        (Duration::from_millis(700), 1),
    ] {
        let (_listener, addr) = listening(backlog);
        let call = format!("fill_queue(addr, {} ms, {NO_CEILING})", wait.as_millis());
        let (result, took) = probe(addr, wait, NO_CEILING);
        let filled = measured(result, &call);
        // No answer: the probe waited for one, `wait` long. (A refusal comes at once.) Less
        // a few milliseconds: socket2's connect_timeout gives poll() the time left in whole
        // milliseconds, rounded down, so it may come back up to 1 ms early.
        let least = match filled.next {
            Next::NoAnswer => wait - Duration::from_millis(5),
            _ => Duration::ZERO,
        };
        if took < least || took > wait + margin {
            let what = if took < least {
                "but said Next::NoAnswer: no connection waited `wait` for its answer"
            } else {
                "the time limit on each connection is `wait`, not one of your own, and nothing \
                 else waits (no pause between connections)"
            };
            fail(
                &format!(
                    "{call} took {} ms to fill a queue of backlog {backlog} ({}), {what}.",
                    took.as_millis(),
                    connections(filled.waiting.len())
                ),
                &format!(
                    "{} to {} ms (one connection's `wait`, and a margin)",
                    least.as_millis(),
                    (wait + margin).as_millis()
                ),
                &format!("{} ms", took.as_millis()),
            );
        }
    }
}

/// How many connections wait in the accept queue of the socket listening at `addr` (IPv4), as
/// the kernel's TCP table says: on a LISTEN line (state 0A) of /proc/net/tcp, the rx_queue
/// column is the accept queue's length.
#[cfg(target_os = "linux")]
fn accept_queue(addr: SocketAddr) -> Option<usize> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let local = format!(":{:04X}", addr.port());
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let listening = fields.get(3) == Some(&"0A");
        if !listening || !fields.get(1)?.ends_with(&local) {
            return None;
        }
        let (_tx, rx) = fields.get(4)?.split_once(':')?;
        usize::from_str_radix(rx, 16).ok()
    })
}

/// The full queue that says so (Windows answers a full queue with a reset), made on Linux: the
/// queue fills, the next SYN is ignored, and while that connect() waits for its answer the
/// listener closes. The SYN sent again (a second after the first) is refused: after
/// connections got in, that is a full queue, not an error.
#[cfg(target_os = "linux")]
#[test]
fn a_refusal_after_connections_got_in_is_a_full_queue() {
    let (listener, addr) = listening(1);
    let wait = Duration::from_secs(4);
    let call = format!("fill_queue(addr, {} ms, {NO_CEILING})", wait.as_millis());
    let name = thread::current().name().unwrap_or("check").to_string();
    let prober = thread::Builder::new()
        .name(name)
        .spawn(move || probe(addr, wait, NO_CEILING))
        .expect("a thread for your probe");
    // Linux queues backlog + 1: once 2 wait, the next SYN is ignored, and connect() waits.
    let deadline = Instant::now() + testkit::timeout();
    while accept_queue(addr).unwrap_or(0) < 2 {
        if Instant::now() > deadline || prober.is_finished() {
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    drop(listener);
    let (result, took) = match prober.join() {
        Ok(outcome) => outcome,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    match result {
        Ok(Filled {
            waiting,
            next: Next::Refused,
        }) if waiting.len() == 2 => {}
        Ok(filled) => fail(
            &format!(
                "{call}: 2 connections got in, and the next one was refused after {} ms (the \
                 listener closed while it waited). A refusal after connections got in means \
                 the queue is full: stop there, with the connections, and Next::Refused.",
                took.as_millis()
            ),
            "Ok(2 connections, Next::Refused)",
            &format!(
                "Ok({}, Next::{:?})",
                connections(filled.waiting.len()),
                filled.next
            ),
        ),
        Err(e) => fail(
            &format!(
                "{call}: 2 connections got in, and the next one was refused. A refusal is an \
                 error only at the very first connection (nothing listens); after connections \
                 got in, it is a full queue that says so: return them, with Next::Refused."
            ),
            "Ok(2 connections, Next::Refused)",
            &format!("Err({e})  (ErrorKind::{:?})", e.kind()),
        ),
    }
}

/// Whether a socket of this machine is in SYN_SENT towards `addr` (IPv4): a connect() that
/// waits for its answer. (State 02 on a line of /proc/net/tcp, `addr` as its remote address.)
#[cfg(target_os = "linux")]
fn connecting_to(addr: SocketAddr) -> bool {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let remote = format!(":{:04X}", addr.port());
    table.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.get(3) == Some(&"02") && fields.get(2).is_some_and(|r| r.ends_with(&remote))
    })
}

/// Each connection has its own `wait`. The queue is full when the probe starts (the check's
/// own two connections), so its first SYN is ignored; then the check accepts one, and the SYN
/// sent again a second later gets in: a connection that got in late, within its `wait`. The
/// next one finds the queue full again and waits its whole `wait`: 1 s + `wait` in all.
#[cfg(target_os = "linux")]
#[test]
fn a_connection_that_gets_in_late_counts_and_the_next_waits_its_own_wait() {
    let (listener, addr) = listening(1);
    let _ours: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect_timeout(&addr, WAIT).expect("the checks' own connect()"))
        .collect();
    let wait = Duration::from_millis(1500);
    let call = format!("fill_queue(addr, {} ms, {NO_CEILING})", wait.as_millis());
    let name = thread::current().name().unwrap_or("check").to_string();
    let prober = thread::Builder::new()
        .name(name)
        .spawn(move || probe(addr, wait, NO_CEILING))
        .expect("a thread for your probe");
    // The probe's first SYN was ignored: its connect() waits. Make room for one.
    let deadline = Instant::now() + testkit::timeout();
    while !connecting_to(addr) && !prober.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    // SYN_SENT is set as the SYN leaves: give the listener's side the moment it takes to see
    // (and ignore) it, so that the room made below is not there for that first SYN already.
    // (The kernel signals no such moment to a process; the counter of ignored SYNs,
    // ListenOverflows, is the whole machine's, and other checks raise it too.)
    thread::sleep(Duration::from_millis(50));
    let (_first_of_ours, _) = listener.accept().expect("the checks' accept()");
    let (result, took) = match prober.join() {
        Ok(outcome) => outcome,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    let filled = measured(result, &call);
    let n = filled.waiting.len();
    if n != 1 || filled.next != Next::NoAnswer {
        fail(
            &format!(
                "{call} on a full queue, where the server accepted one connection while your \
                 first connect() waited: that connection got in late (its SYN sent again, a \
                 second after the first), within its `wait`, and counts; the next one got no \
                 answer."
            ),
            "1 connection, Next::NoAnswer",
            &format!("{}, Next::{:?}", connections(n), filled.next),
        );
    }
    // The late one took about a second; the next one its own whole `wait`.
    let least = wait + Duration::from_millis(900);
    if took < least {
        fail(
            &format!(
                "{call} took {} ms: the connection after the one that got in late (about 1 s) \
                 did not get its whole `wait`. Each connection has its own `wait`, not what is \
                 left of one for the whole probe.",
                took.as_millis()
            ),
            &format!("at least {} ms (about 1 s + `wait`)", least.as_millis()),
            &format!("{} ms", took.as_millis()),
        );
    }
}

/// The range Linux takes a connect()'s local port from (ephemeral ports): its lowest port, and
/// one past its highest.
#[cfg(target_os = "linux")]
fn ephemeral_ports() -> Option<(u16, u32)> {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut ports = range.split_whitespace().map(|p| p.parse::<u16>().ok());
    let (low, high) = (ports.next()??, ports.next()??);
    Some((low, u32::from(high) + 1))
}

/// A socket listening on 127.0.0.1 with `backlog`, whose next connections wrap around the
/// ephemeral range: the first gets a port near its top, a later one a port near its bottom.
///
/// Linux gives successive connect()s to one address rising ports: from a starting point of
/// its own for that address (a hash of it, and a secret), each connection moves it up by 2 to
/// 16 (ports of one parity first), and at the top of the range it wraps around to the bottom.
/// So a fresh listener's next port is anywhere in the range: one probe connection on each
/// (accepted, then closed with a reset, so that no TIME_WAIT holds anything) says where,
/// until it is 16 to 64 below the top. Then the next connection still gets a port below the
/// top, and one of the next 32 wraps around. About 600 tries (measured: 10 to 4700 in 40
/// runs, a quarter of a second at most); `None` if that does not come within 5 s.
#[cfg(target_os = "linux")]
fn listening_before_the_wrap(backlog: i32) -> Option<(Socket, SocketAddr)> {
    let (low, high) = ephemeral_ports()?;
    if high < u32::from(low) + 1000 {
        return None;
    }
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        let (listener, addr) = listening(backlog);
        let Ok(client) = TcpStream::connect_timeout(&addr, WAIT) else {
            continue;
        };
        let port = u32::from(client.local_addr().ok()?.port());
        let server = queued(&listener, 1);
        Socket::from(client)
            .set_linger(Some(Duration::ZERO))
            .expect("SO_LINGER");
        drop(server);
        if (high - 64..high - 16).contains(&port) {
            return Some((listener, addr));
        }
    }
    None
}

/// `waiting`, oldest first: the order the connections were made, which accept() keeps. Not
/// the order of their ports, which rise from one connection to the next only until they wrap
/// around. (Linux: a listener whose next connections' ports wrap around is looked for first.)
#[cfg(target_os = "linux")]
#[test]
fn the_connections_come_oldest_first_even_when_their_ports_wrap_around() {
    // Room for 65: enough for the ports to wrap around (they do within 32 connections).
    let backlog = 64;
    let Some((listener, addr)) = listening_before_the_wrap(backlog) else {
        println!(
            "skipped: could not arrange, within 5 s, a listener whose next connections' ports \
             wrap around"
        );
        return;
    };
    let call = format!("fill_queue({addr}, {} ms, {NO_CEILING})", WAIT.as_millis());
    let filled = measured(probe(addr, WAIT, NO_CEILING).0, &call);
    let mine = connected(&filled, addr, &call);
    same_as_the_kernel(&mine, &listener, &call);
    if mine.windows(2).all(|pair| pair[0].port() < pair[1].port()) {
        // The check proved nothing: the ports rose all along (this kernel chooses otherwise).
        println!(
            "skipped: the ports of the {} connections did not wrap around",
            mine.len()
        );
    }
}

/// Set in the child process of [`another_error_after_connections_got_in_is_returned`].
#[cfg(unix)]
const CHILD: &str = "FILL_QUEUE_CHECK_CHILD";

/// Any other error is returned as it is, after connections got in too. The probe runs out of
/// descriptors: a child process (this check again, its descriptor limit lowered to 64 by the
/// shell) takes all it may have but 3, so that 3 connections get in and the 4th socket()
/// fails with EMFILE. (A child, because the other checks run in this process meanwhile.)
#[cfg(unix)]
#[test]
fn another_error_after_connections_got_in_is_returned() {
    let name = "another_error_after_connections_got_in_is_returned";
    if std::env::var_os(CHILD).is_some() {
        // The child: a queue with room for 6, 3 descriptors left, and the probe.
        let (_listener, addr) = listening(5);
        let mut taken = Vec::new();
        while let Ok(file) = std::fs::File::open("/dev/null") {
            taken.push(file);
        }
        taken.truncate(taken.len().saturating_sub(3));
        let outcome = match probe(addr, WAIT, NO_CEILING).0 {
            Ok(filled) => format!(
                "Ok({}, Next::{:?})",
                connections(filled.waiting.len()),
                filled.next
            ),
            Err(e) => format!("Err({e})"),
        };
        drop(taken);
        println!("\nOUTCOME {outcome}");
        return;
    }
    let exe = std::env::current_exe().expect("the checks' own program");
    let mut child = std::process::Command::new("sh")
        .args(["-c", "ulimit -n 64 && exec \"$0\" \"$@\""])
        .arg(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the checks' child process");
    let deadline = Instant::now() + testkit::timeout() * 2;
    while child.try_wait().expect("the child's status").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the checks' child process did not end within {deadline:?}");
        }
        thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().expect("the child's output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(outcome) = stdout.lines().find_map(|l| l.strip_prefix("OUTCOME ")) else {
        // The child's own failure (a panic of your function, say) is the check's failure.
        fail(
            "fill_queue, in the check's child process (3 descriptors left), gave no result: \
             the child's output follows.",
            "a result",
            &format!("{stdout}{}", String::from_utf8_lossy(&output.stderr)),
        );
    };
    let emfile = io::Error::from_raw_os_error(24);
    if outcome != format!("Err({emfile})") {
        fail(
            &format!(
                "fill_queue(addr, {} ms, {NO_CEILING}) with 3 descriptors left: 3 connections \
                 got in, and the 4th socket() failed (EMFILE, no descriptors left). That says \
                 nothing about the queue: any error but no answer, or a refusal after \
                 connections got in, is returned as it is.",
                WAIT.as_millis()
            ),
            &format!("Err({emfile})"),
            outcome,
        );
    }
}

#[test]
fn fill_queue_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your fill_queue runs.
    testkit::prints_nothing(
        "fill_queue",
        &[
            "a_ceiling_smaller_than_the_queue_stops_the_probe_at_the_ceiling",
            "a_port_where_nothing_listens_is_an_error_returned_as_it_is",
            "a_refusal_after_connections_got_in_is_a_full_queue",
        ],
    );
}
