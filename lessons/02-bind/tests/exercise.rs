//! The exercise's checks: your `bind_in_range` runs here with a `bind` that records each
//! attempt and answers as each check plans it: "address already in use" for a port planned as
//! taken (as if another program held it), another of the kernel's errors (an errno) where one
//! is planned, and for the free port a real socket, really bound there (to a port the kernel
//! chose, held for the check). Then once over real sockets and the kernel's own answers. They
//! check which attempts it makes, in which order and how fast, what it returns (the socket,
//! bound and not listening, its address, or which error: bind()'s own, errno and all), never
//! what anything prints. (`cargo exercise lesson-02-bind` runs them on src/exercise.rs.)

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io::{self, ErrorKind};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use lesson_02_bind::bind_in_range;
use socket2::{Domain, SockAddr, Socket, Type};
use testkit::{fail, yours, Conn};

/// What the check's `bind` answers for one port.
enum Plan {
    /// Another socket holds it: `AddrInUse`. (Every port not planned otherwise.)
    Taken,
    /// It binds: this socket, really bound to the port.
    Free(Socket),
    /// bind() fails with this OS error (an errno, as the kernel's own errors are).
    Fails(i32),
}

/// What the check's `bind` answers, port by port.
struct Plans(HashMap<u16, Plan>);

impl Plans {
    fn new() -> Self {
        Plans(HashMap::new())
    }

    fn taken(mut self, ports: impl IntoIterator<Item = u16>) -> Self {
        for port in ports {
            self.0.insert(port, Plan::Taken);
        }
        self
    }

    fn fails(mut self, port: u16, errno: i32) -> Self {
        self.0.insert(port, Plan::Fails(errno));
        self
    }

    /// A port that binds: one the kernel chooses for a socket of ours (so no other program
    /// can have it), which `bind` hands over when that port is asked for.
    /// (Between 1024 and 65000, so that the checks' ranges around it are ports too.)
    fn free(&mut self, ip: IpAddr) -> u16 {
        let asked = SocketAddr::new(ip, 0);
        loop {
            let socket =
                Socket::new(Domain::for_address(asked), Type::STREAM, None).expect("socket()");
            socket.bind(&SockAddr::from(asked)).expect("bind(port 0)");
            let port = own_address(&socket).expect("a bound address").port();
            if (1024..=65_000).contains(&port) {
                self.0.insert(port, Plan::Free(socket));
                return port;
            }
        }
    }
}

/// The address the socket really has (getsockname), as the kernel says.
fn own_address(socket: &Socket) -> Option<SocketAddr> {
    socket.local_addr().ok().and_then(|a| a.as_socket())
}

/// Run your `bind_in_range(ip, ports, bind)`: what it returned, and the attempts it made
/// through `bind`, in order.
fn run(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    plans: Plans,
) -> (io::Result<(Socket, SocketAddr)>, Vec<SocketAddr>) {
    run_timed(ip, ports, plans, None)
}

/// `run`, and if `limit` is given, the search must not last longer: each of the check's
/// answers comes at once, so a search that takes longer waits between its attempts.
fn run_timed(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    plans: Plans,
    limit: Option<Duration>,
) -> (io::Result<(Socket, SocketAddr)>, Vec<SocketAddr>) {
    let plans = RefCell::new(plans.0);
    let attempts = RefCell::new(Attempts::default());
    let range = ports.clone();
    let started = Instant::now();
    let bind = |addr: SocketAddr| {
        attempts.borrow_mut().record(&range, addr);
        if let Some(limit) = limit.filter(|&limit| started.elapsed() > limit) {
            let count = attempts.borrow().list.len();
            fail(
                &format!(
                    "bind_in_range took over {limit:?} for {count} attempts, although bind() \
                     answered each at once: it waits between attempts. bind() never blocks, \
                     and the search has no reason to."
                ),
                &format!("all {count} attempts within {limit:?}"),
                &format!("{:?} for {count} attempts", started.elapsed()),
            );
        }
        // A port handed over once is held from then on, by the socket handed over.
        let plan = plans.borrow_mut().remove(&addr.port());
        match plan {
            Some(Plan::Free(socket)) if addr.ip() == ip => Ok(socket),
            Some(Plan::Fails(errno)) => Err(io::Error::from_raw_os_error(errno)),
            _ => Err(io::Error::new(
                ErrorKind::AddrInUse,
                "address already in use",
            )),
        }
    };
    let result = yours(|| bind_in_range(ip, ports, bind));
    (result, attempts.into_inner().list)
}

/// The attempts so far, in order (and as a set, so that a search of 65535 ports is checked
/// quickly).
#[derive(Default)]
struct Attempts {
    list: Vec<SocketAddr>,
    seen: HashSet<SocketAddr>,
}

impl Attempts {
    /// Record one attempt. One that asks for an address already tried, or for a port outside
    /// the range, fails the check at once: such a search might never end (a loop that retries
    /// the same port, a counter that wraps round after 65535), and a check must end.
    #[track_caller]
    fn record(&mut self, ports: &RangeInclusive<u16>, addr: SocketAddr) {
        let again = !self.seen.insert(addr);
        self.list.push(addr);
        check_attempt(&self.list, again, ports, addr);
    }
}

#[track_caller]
fn check_attempt(
    attempts: &[SocketAddr],
    again: bool,
    ports: &RangeInclusive<u16>,
    addr: SocketAddr,
) {
    let (first, last) = (ports.start(), ports.end());
    let what = if again {
        format!(
            "bind_in_range asked bind() for {addr} a second time: each port is tried once, and \
             a search that comes back to a port it tried may never end."
        )
    } else if !ports.contains(&addr.port()) {
        let port = addr.port();
        format!(
            "bind_in_range asked bind() for port {port}, outside the range {first}..={last}: \
             only the range's own ports may be tried."
        )
    } else {
        return;
    };
    let skipped = attempts.len().saturating_sub(6);
    let recent = show(&attempts[skipped..]);
    let got = if skipped > 0 {
        format!("(…{skipped} before)\n{recent}")
    } else {
        recent
    };
    let expected = format!("each port of {first}..={last} at most once, in increasing order");
    fail(&what, &expected, &got)
}

/// The attempts, one a line; of a long list, its first and last few.
fn show(attempts: &[SocketAddr]) -> String {
    if attempts.is_empty() {
        return "(no attempt at all)".into();
    }
    let line = |a: &SocketAddr| format!("bind({a})");
    if attempts.len() > 12 {
        let (head, tail) = (&attempts[..5], &attempts[attempts.len() - 5..]);
        let skipped = attempts.len() - 10;
        let mut lines: Vec<String> = head.iter().map(line).collect();
        lines.push(format!("(…{skipped} more…)"));
        lines.extend(tail.iter().map(line));
        return lines.join("\n");
    }
    let lines: Vec<String> = attempts.iter().map(line).collect();
    lines.join("\n")
}

/// The attempts must be exactly these ports on `ip`, in this order.
#[track_caller]
fn check_attempts(why: &str, ip: IpAddr, ports: &[u16], got: &[SocketAddr]) {
    let expected: Vec<SocketAddr> = ports.iter().map(|&p| SocketAddr::new(ip, p)).collect();
    if got != expected {
        fail(why, &show(&expected), &show(got));
    }
}

/// The result must be a socket bound to `ip:port`, and the address returned its own.
#[track_caller]
fn check_bound(result: io::Result<(Socket, SocketAddr)>, ip: IpAddr, port: u16) -> Socket {
    let expected = SocketAddr::new(ip, port);
    match result {
        Ok((socket, returned)) => {
            let own = own_address(&socket);
            if own != Some(expected) {
                let own = own.map_or("no address".to_string(), |a| a.to_string());
                fail(
                    "bind_in_range returned a socket that is not the one bound to the first \
                     free port.",
                    &format!("a socket bound to {expected}"),
                    &format!("a socket bound to {own}"),
                );
            }
            if returned != expected {
                fail(
                    "bind_in_range returned an address that is not the socket's own.",
                    &format!("Ok((socket, {expected}))"),
                    &format!("Ok((socket, {returned}))"),
                );
            }
            // Only bound, the socket answers nobody: a client is refused (chapter 5).
            let reached = TcpStream::connect_timeout(&expected, Duration::from_secs(5));
            if let Ok(client) = reached {
                let client = client.local_addr().map_or("?".into(), |a| a.to_string());
                fail(
                    "bind_in_range returned a socket that already listens: a client connected \
                     to it. Return the socket as bind() gave it, bound and not listening: the \
                     caller listens when it is ready.",
                    &format!("connect({expected}) refused (nobody listens yet)"),
                    &format!("connect({expected}) accepted, from {client}"),
                );
            }
            socket
        }
        Err(e) => fail(
            "bind_in_range failed, but a port of the range was free.",
            &format!("Ok((socket, {expected}))"),
            &format!("Err({:?}: {e})", e.kind()),
        ),
    }
}

/// The result must be an error of this kind; its message.
#[track_caller]
fn check_error(why: &str, result: io::Result<(Socket, SocketAddr)>, kind: ErrorKind) -> String {
    match result {
        Err(e) if e.kind() == kind => e.to_string(),
        Err(e) => fail(
            why,
            &format!("Err({kind:?})"),
            &format!("Err({:?}: {e})", e.kind()),
        ),
        Ok((_, addr)) => fail(
            why,
            &format!("Err({kind:?})"),
            &format!("Ok((socket, {addr}))"),
        ),
    }
}

/// The result must be bind()'s own error, as it is: this OS error (errno), named `name`.
#[track_caller]
fn check_os_error(why: &str, result: io::Result<(Socket, SocketAddr)>, errno: i32, name: &str) {
    let expected = io::Error::from_raw_os_error(errno);
    let expected = format!("Err({name}: {expected}), the very error bind() returned");
    match result {
        Err(e) if e.raw_os_error() == Some(errno) => {}
        Err(e) => {
            let code = e
                .raw_os_error()
                .map_or("no OS error code".to_string(), |n| format!("os error {n}"));
            let got = format!("Err({:?}: {e}), {code}", e.kind());
            let why = format!(
                "{why} bind_in_range returned another error than bind()'s own: return that \
                 io::Error itself, not a new one (the caller reads its OS error code, as the \
                 lesson does to say \"too many open files\" and how to fix it)."
            );
            fail(&why, &expected, &got)
        }
        Ok((_, addr)) => fail(why, &expected, &format!("Ok((socket, {addr}))")),
    }
}

const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

#[test]
fn taken_ports_are_skipped_and_the_first_free_one_wins() {
    let mut plans = Plans::new();
    let free = plans.free(LOOPBACK);
    let plans = plans.taken(free - 3..free);
    // The ports after the free one would bind too (were they tried): they are not.
    let (result, attempts) = run(LOOPBACK, free - 3..=free + 2, plans);
    let why = "The first three ports are taken: each is tried in turn, then the fourth binds, \
               and no port is tried after it.";
    check_attempts(
        why,
        LOOPBACK,
        &[free - 3, free - 2, free - 1, free],
        &attempts,
    );
    check_bound(result, LOOPBACK, free);
}

#[test]
fn a_free_first_port_is_the_only_attempt() {
    let mut plans = Plans::new();
    let free = plans.free(LOOPBACK);
    let (result, attempts) = run(LOOPBACK, free..=free + 9, plans);
    let why = "The range's first port is free: it is the only attempt.";
    check_attempts(why, LOOPBACK, &[free], &attempts);
    check_bound(result, LOOPBACK, free);
}

#[test]
fn an_ipv6_address_is_bound_and_returned_too() {
    if TcpListener::bind("[::1]:0").is_err() {
        println!("note: this machine has no IPv6 loopback; skipping the IPv6 check");
        return;
    }
    let ip: IpAddr = "::1".parse().unwrap();
    let mut plans = Plans::new();
    let free = plans.free(ip);
    let plans = plans.taken([free - 1]);
    let (result, attempts) = run(ip, free - 1..=free, plans);
    let why = "On [::1], the first port is taken and the second binds: two attempts, each on \
               the IP address given.";
    check_attempts(why, ip, &[free - 1, free], &attempts);
    check_bound(result, ip, free);
}

#[test]
fn any_other_error_is_returned_at_once() {
    // An address this machine does not have (ip(7): EADDRNOTAVAIL), a port it may not use
    // (bind(2): EACCES, below 1024 without privileges), no descriptor left for the socket
    // (socket(2): EMFILE), no memory for it (ENOBUFS), a socket already bound (EINVAL): not
    // one of them is about this one port, and another port cannot help.
    let errors = [
        (libc::EADDRNOTAVAIL, "EADDRNOTAVAIL"),
        (libc::EACCES, "EACCES"),
        (libc::EMFILE, "EMFILE"),
        (libc::ENOBUFS, "ENOBUFS"),
        (libc::EINVAL, "EINVAL"),
    ];
    for (errno, name) in errors {
        let mut plans = Plans::new();
        let free = plans.free(LOOPBACK);
        let plans = plans.taken([free - 3]).fails(free - 2, errno);
        let (result, attempts) = run(LOOPBACK, free - 3..=free, plans);
        let why = format!(
            "The second attempt fails with {name} ({}), which is not about that one port: the \
             search stops there (a later port is free, but is not tried). Only \"address \
             already in use\" moves on.",
            io::Error::from_raw_os_error(errno)
        );
        check_attempts(&why, LOOPBACK, &[free - 3, free - 2], &attempts);
        let why = format!("bind() failed with {name}: return that error, as it is.");
        check_os_error(&why, result, errno, name);
    }
}

#[test]
fn a_port_below_1024_is_for_bind_to_refuse() {
    // Whether this program may use port 1020 is bind()'s answer (EACCES without the privilege;
    // root may): not the function's own judgement, and the range's later ports do not change
    // it.
    let mut plans = Plans::new();
    let free = plans.free(LOOPBACK);
    let plans = plans.fails(1020, libc::EACCES);
    let (result, attempts) = run(LOOPBACK, 1020..=free, plans);
    let why = format!(
        "The range 1020..={free}: bind(port 1020) is tried like any other port, and its \
         EACCES (permission denied) ends the search, although the range goes on above 1023."
    );
    check_attempts(&why, LOOPBACK, &[1020], &attempts);
    check_os_error(&why, result, libc::EACCES, "EACCES");
}

#[test]
fn a_long_range_is_searched_to_its_end_without_waiting() {
    // Every port from 1 up is taken, but the last of the range (tens of thousands of
    // attempts): no cap on the attempts, and no pause between them.
    let mut plans = Plans::new();
    let free = plans.free(LOOPBACK);
    let ports = 1..=free;
    let limit = Duration::from_secs(5);
    let (result, attempts) = run_timed(LOOPBACK, ports, plans, Some(limit));
    let tried = attempts.len();
    let in_order = attempts
        .iter()
        .zip(1..=free)
        .all(|(addr, port)| *addr == SocketAddr::new(LOOPBACK, port));
    if tried != usize::from(free) || !in_order {
        let last = attempts
            .last()
            .map_or("none".into(), |a| format!("bind({a})"));
        fail(
            &format!(
                "The range 1..={free}: every port is taken but the last, {free}. Each port is \
                 tried in turn, however many: a range has no limit of attempts."
            ),
            &format!("{free} attempts, bind(127.0.0.1:1) to bind(127.0.0.1:{free}), in order"),
            &format!("{tried} attempts (in order: {in_order}), the last {last}"),
        );
    }
    check_bound(result, LOOPBACK, free);
}

#[test]
fn port_0_and_empty_ranges_are_invalid_input_and_no_attempt() {
    #[allow(clippy::reversed_empty_ranges)]
    let ranges = [0..=0, 0..=9, 7010..=7000, 1..=0];
    for ports in ranges {
        let shown = format!("{}..={}", ports.start(), ports.end());
        let (result, attempts) = run(LOOPBACK, ports, Plans::new());
        let why = format!(
            "The range {shown} contains port 0 (\"any port\", outside any range) or no port at \
             all: no attempt."
        );
        check_attempts(&why, LOOPBACK, &[], &attempts);
        let why = format!("bind_in_range(…, {shown}, …) is a mistake of the caller's.");
        check_error(&why, result, ErrorKind::InvalidInput);
    }
}

#[test]
fn every_port_taken_is_address_in_use_naming_the_range() {
    let (result, attempts) = run(LOOPBACK, 41_207..=41_210, Plans::new());
    let why = "Every port is taken: each is tried once, in order, before giving up.";
    check_attempts(why, LOOPBACK, &[41_207, 41_208, 41_209, 41_210], &attempts);
    let why = "Every port of the range is taken: that is an AddrInUse error.";
    let message = check_error(why, result, ErrorKind::AddrInUse);
    if !message.contains("41207") || !message.contains("41210") {
        fail(
            "The error for a range whose every port is taken must name the range (its first \
             and last port): the last attempt's own error names neither.",
            "Err(AddrInUse: a message with 41207 and 41210 in it)",
            &format!("Err(AddrInUse: {message})"),
        );
    }
}

#[test]
fn a_range_up_to_port_65535_is_searched_to_its_end() {
    for first in [65_533, 65_535] {
        let (result, attempts) = run(LOOPBACK, first..=65_535, Plans::new());
        let why = format!(
            "The range {first}..=65535, every port taken: each is tried once, and the search \
             ends after 65535 (there is no port 65536)."
        );
        let expected: Vec<u16> = (first..=65_535).collect();
        check_attempts(&why, LOOPBACK, &expected, &attempts);
        let why = "Every port of the range is taken: that is an AddrInUse error.";
        check_error(why, result, ErrorKind::AddrInUse);
    }
}

/// The lesson's `bind`, without its narration: a new socket, bound to `addr`, for real.
fn really_bind(addr: SocketAddr) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.bind(&SockAddr::from(addr))?;
    Ok(socket)
}

/// Your `bind_in_range` over real sockets, each attempt recorded (and a repeated one stopped).
fn really(ip: IpAddr, ports: RangeInclusive<u16>) -> io::Result<(Socket, SocketAddr)> {
    let mut attempts = Attempts::default();
    let range = ports.clone();
    let bind = |addr| {
        attempts.record(&range, addr);
        really_bind(addr)
    };
    yours(|| bind_in_range(ip, ports, bind))
}

#[test]
fn over_real_sockets_the_kernel_answers() {
    // A port a listener holds: the kernel's own "address already in use".
    let holder = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = holder.local_addr().unwrap().port();
    let result = really(LOOPBACK, taken..=taken);
    let why = format!(
        "Over real sockets: the range {taken}..={taken} (one port, a range all the same) is held \
         by a listener."
    );
    let why = why.as_str();
    let message = check_error(why, result, ErrorKind::AddrInUse);
    if !message.contains(&taken.to_string()) {
        fail(
            "The error for a range whose every port is taken must name the range.",
            &format!("Err(AddrInUse: a message with {taken} in it)"),
            &format!("Err(AddrInUse: {message})"),
        );
    }

    // 192.0.2.1 is reserved for documentation (RFC 5737): no machine has it.
    let elsewhere: IpAddr = "192.0.2.1".parse().unwrap();
    let mut attempts = 0;
    let range = 20_000..=20_009;
    let mut tried = Attempts::default();
    let count = |addr| {
        attempts += 1;
        tried.record(&range, addr);
        really_bind(addr)
    };
    let result = yours(|| bind_in_range(elsewhere, range.clone(), count));
    let why = "Over real sockets: bind(192.0.2.1:…) is refused, whatever the port.";
    check_os_error(why, result, libc::EADDRNOTAVAIL, "EADDRNOTAVAIL");
    if attempts != 1 {
        fail(
            "192.0.2.1 is not an address of this machine: after the first refusal, no other \
             port can help.",
            "1 attempt",
            &format!("{attempts} attempts"),
        );
    }

    // A port that was free a moment ago: bound for real, and a client reaches it.
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let result = really(LOOPBACK, free..=free);
    let socket = check_bound(result, LOOPBACK, free);
    socket.listen(8).expect("listen()");
    Conn::open(SocketAddr::new(LOOPBACK, free));
}

#[test]
fn bind_in_range_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your bind_in_range runs.
    testkit::prints_nothing(
        "bind_in_range",
        &[
            "taken_ports_are_skipped_and_the_first_free_one_wins",
            "any_other_error_is_returned_at_once",
            "every_port_taken_is_address_in_use_naming_the_range",
        ],
    );
}
