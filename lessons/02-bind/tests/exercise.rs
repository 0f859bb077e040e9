//! The exercise's checks: your `bind_pair` runs here with a `bind` that records each attempt
//! and answers as each check plans it: "address already in use" for a port planned as taken
//! (as if another program held it), another of the kernel's errors (an errno) where one is
//! planned, and for a free port a real socket, really bound there (a pair of ports the check
//! found and holds). While your function runs, that `bind` also looks at what it handed over:
//! when the odd port is asked for, a real bind() of its own of the even port must be refused
//! (your function still holds it), and the socket of a pair that failed must be closed before
//! the next attempt (its descriptor, on Unix, no longer that socket). Then once over real
//! sockets and the kernel's own answers. They check which
//! attempts it makes, in which order and how fast, which sockets it holds when, and what it
//! returns (the two sockets, bound and not listening, or which error: bind()'s own, errno and
//! all), never what anything prints. (`cargo exercise lesson-02-bind` runs them on
//! src/exercise.rs.)

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io::{self, ErrorKind};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::ops::RangeInclusive;
use std::time::{Duration, Instant};

use lesson_02_bind::bind_pair;
use socket2::{Domain, SockAddr, Socket, Type};
use testkit::{fail, yours, Conn};

type Pair = io::Result<(Socket, Socket)>;

/// What the check's `bind` answers for one port.
enum Plan {
    /// Another socket holds it: `AddrInUse`. (Every port not planned otherwise.)
    Taken,
    /// It binds: this socket, really bound to the port.
    Free(Socket),
    /// bind() fails with this OS error (an errno, as the kernel's own errors are).
    Fails(i32),
}

/// What the check's `bind` answers, port by port; and the real sockets of ports planned as free
/// and then planned otherwise, still held by the check (so that no other test takes them).
struct Plans(HashMap<u16, Plan>, Vec<Socket>);

impl Plans {
    fn new() -> Self {
        Plans(HashMap::new(), Vec::new())
    }

    fn taken(mut self, ports: impl IntoIterator<Item = u16>) -> Self {
        for port in ports {
            self.plan(port, Plan::Taken);
        }
        self
    }

    fn fails(mut self, port: u16, errno: i32) -> Self {
        self.plan(port, Plan::Fails(errno));
        self
    }

    fn plan(&mut self, port: u16, plan: Plan) {
        if let Some(Plan::Free(socket)) = self.0.insert(port, plan) {
            self.1.push(socket);
        }
    }

    /// A pair of ports that bind, `p` even and `p + 1`: two sockets of ours, really bound there
    /// (so no other program can have them), which `bind` hands over when each port is asked
    /// for. Returns `p`, between 1024 and 65000 (so that the checks' ranges around it are ports
    /// too).
    fn free_pair(&mut self, ip: IpAddr) -> u16 {
        let (even, odd) = held_pair(ip);
        let p = own_address(&even).expect("a bound address").port();
        self.0.insert(p, Plan::Free(even));
        self.0.insert(p + 1, Plan::Free(odd));
        p
    }
}

/// Two sockets of ours, bound to an even port and the next, between 1024 and 65000: the kernel
/// chooses one port (port 0), and the other of its pair is asked for, until both bind.
fn held_pair(ip: IpAddr) -> (Socket, Socket) {
    for _ in 0..1000 {
        let chosen = really_bind(SocketAddr::new(ip, 0)).expect("bind(port 0)");
        let port = own_address(&chosen).expect("a bound address").port();
        if !(1024..=65_001).contains(&port) {
            continue;
        }
        let partner = port ^ 1;
        if let Ok(other) = really_bind(SocketAddr::new(ip, partner)) {
            return match port % 2 {
                0 => (chosen, other),
                _ => (other, chosen),
            };
        }
    }
    panic!("no free pair of ports found on {ip} in 1000 tries");
}

/// The address the socket really has (getsockname), as the kernel says.
fn own_address(socket: &Socket) -> Option<SocketAddr> {
    socket.local_addr().ok().and_then(|a| a.as_socket())
}

/// A new socket, bound to `addr` for real (no SO_REUSEADDR: refused if any socket holds it).
fn really_bind(addr: SocketAddr) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.bind(&SockAddr::from(addr))?;
    Ok(socket)
}

/// Does some socket (yours) still hold `addr`? A real bind() of our own says, and lets go.
fn held(addr: SocketAddr) -> bool {
    matches!(really_bind(addr), Err(e) if e.kind() == ErrorKind::AddrInUse)
}

/// One socket the check handed over, known by more than its port: on Unix, its descriptor and
/// the inode behind it, so that "does your function still have it open?" has an exact answer
/// (another socket on that port a moment later, another test's, is not yours).
struct Handle {
    port: u16,
    #[cfg(unix)]
    fd: i32,
    #[cfg(unix)]
    id: Option<(u64, u64)>,
}

impl Handle {
    fn of(socket: &Socket, port: u16) -> Self {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            let fd = socket.as_raw_fd();
            Handle {
                port,
                fd,
                id: inode(fd),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = socket;
            Handle { port }
        }
    }

    /// Is this very socket still open? (Elsewhere than Unix: is its port still held?)
    fn still_open(&self, ip: IpAddr) -> bool {
        #[cfg(unix)]
        {
            let _ = ip;
            self.id.is_some() && inode(self.fd) == self.id
        }
        #[cfg(not(unix))]
        {
            held(SocketAddr::new(ip, self.port))
        }
    }
}

/// The file behind a descriptor, as fstat(2) names it: (device, inode); None if it is closed.
#[cfg(unix)]
#[allow(clippy::unnecessary_cast)]
fn inode(fd: i32) -> Option<(u64, u64)> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes a whole `stat` when it returns 0, and reads nothing else.
    let stat = unsafe {
        if libc::fstat(fd, stat.as_mut_ptr()) != 0 {
            return None;
        }
        stat.assume_init()
    };
    Some((stat.st_dev as u64, stat.st_ino as u64))
}

/// Run your `bind_pair(ip, ports, start, bind)`: what it returned, and the attempts it made
/// through `bind`, in order.
fn run(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    start: u16,
    plans: Plans,
) -> (Pair, Vec<SocketAddr>) {
    run_timed(ip, ports, start, plans, None)
}

/// What the check's `bind` has handed over so far.
#[derive(Default)]
struct Handed {
    /// The even ports' sockets that went to your function, whose pair is not settled yet.
    evens: Vec<Handle>,
    /// Both sockets of a pair went to your function: the search is over.
    done: bool,
}

/// `run`, and if `limit` is given, the search must not last longer: each of the check's
/// answers comes at once, so a search that takes longer waits between its attempts.
fn run_timed(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    start: u16,
    plans: Plans,
    limit: Option<Duration>,
) -> (Pair, Vec<SocketAddr>) {
    let Plans(plans, _held_by_the_check) = plans;
    let plans = RefCell::new(plans);
    let attempts = RefCell::new(Attempts::default());
    let handed = RefCell::new(Handed::default());
    let range = ports.clone();
    let started = Instant::now();
    let bind = |addr: SocketAddr| {
        attempts.borrow_mut().record(&range, addr);
        if let Some(limit) = limit.filter(|&limit| started.elapsed() > limit) {
            let count = attempts.borrow().list.len();
            fail(
                &format!(
                    "bind_pair took over {limit:?} for {count} attempts, although bind() \
                     answered each at once: it waits between attempts. bind() never blocks, \
                     and the search has no reason to."
                ),
                &format!("all {count} attempts within {limit:?}"),
                &format!("{:?} for {count} attempts", started.elapsed()),
            );
        }
        check_what_is_held(ip, addr, &mut handed.borrow_mut(), &attempts.borrow().list);
        // A port handed over once is held from then on, by the socket handed over.
        let plan = plans.borrow_mut().remove(&addr.port());
        match plan {
            Some(Plan::Free(socket)) if addr.ip() == ip => {
                let mut handed = handed.borrow_mut();
                match addr.port() % 2 {
                    0 => handed.evens.push(Handle::of(&socket, addr.port())),
                    _ => handed.done = true,
                }
                Ok(socket)
            }
            Some(Plan::Fails(errno)) => Err(io::Error::from_raw_os_error(errno)),
            _ => Err(io::Error::new(
                ErrorKind::AddrInUse,
                "address already in use",
            )),
        }
    };
    let result = yours(|| bind_pair(ip, ports, start, bind));
    if result.is_err() {
        // Whatever went wrong, no socket of a pair is left open behind the error.
        for even in &handed.borrow().evens {
            let addr = SocketAddr::new(ip, even.port);
            if even.still_open(ip) {
                fail(
                    &format!(
                        "bind_pair returned an error, but a socket it was given (bound to \
                         {addr}) is still open: it holds that port for nobody."
                    ),
                    &format!("the socket bound to {addr} closed once bind_pair has returned"),
                    &format!("the socket bound to {addr} still open"),
                );
            }
        }
    }
    (result, attempts.into_inner().list)
}

/// Before the check's `bind` answers the attempt on `addr`: is what your function holds right?
/// The socket of an even port must still be bound when its odd partner is asked for; one
/// whose partner was taken must be closed before any other attempt; and once both sockets of a
/// pair are handed over, nothing more is asked for.
#[track_caller]
fn check_what_is_held(ip: IpAddr, addr: SocketAddr, handed: &mut Handed, attempts: &[SocketAddr]) {
    let port = addr.port();
    if handed.done {
        fail(
            &format!(
                "bind_pair asked bind() for {addr} after both sockets of a pair were bound: the \
                 first free pair wins, and the search ends there."
            ),
            "no attempt after the pair",
            &show(attempts),
        );
    }
    let mut still_open = Vec::new();
    for even in std::mem::take(&mut handed.evens) {
        let even_addr = SocketAddr::new(ip, even.port);
        if port % 2 == 1 && port - 1 == even.port {
            if !held(even_addr) {
                fail(
                    &format!(
                        "bind_pair asked for {addr} after closing the socket it got for \
                         {even_addr}: between the two, another program could have taken \
                         {even_addr} (this check could: its own bind() of it succeeded). Keep \
                         the even port's socket while you ask for the odd one."
                    ),
                    &format!("{even_addr} still held by your socket while {addr} is asked for"),
                    &format!("{even_addr} free: its socket was closed (dropped)"),
                );
            }
            still_open.push(even);
        } else if even.still_open(ip) {
            fail(
                &format!(
                    "bind_pair asked bind() for {addr} while still holding {even_addr}, the \
                     even half of a pair whose odd port was taken: half a pair is of no use, \
                     and holds a port another program may want. Close it before any other \
                     attempt."
                ),
                &format!("the socket bound to {even_addr} closed before bind({addr})"),
                &format!(
                    "the socket bound to {even_addr} still open\nattempts so far:\n{}",
                    show(attempts)
                ),
            );
        }
    }
    handed.evens = still_open;
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
            "bind_pair asked bind() for {addr} a second time: each port is asked for at most \
             once (a socket you got is yours: keep it rather than bind again), and a search \
             that comes back to a port may never end."
        )
    } else if !ports.contains(&addr.port()) {
        let port = addr.port();
        format!(
            "bind_pair asked bind() for port {port}, outside the range {first}..={last}: both \
             ports of a pair must be in the range."
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
    let expected = format!("each port of {first}..={last} at most once");
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

/// The result must be two sockets, bound to `ip:p` and `ip:p+1`, in that order, and neither
/// listening.
#[track_caller]
fn check_pair(result: Pair, ip: IpAddr, p: u16) -> (Socket, Socket) {
    let (even, odd) = (SocketAddr::new(ip, p), SocketAddr::new(ip, p + 1));
    match result {
        Ok((first, second)) => {
            let shown = |s: &Socket| own_address(s).map_or("no address".into(), |a| a.to_string());
            let (one, two) = (own_address(&first), own_address(&second));
            if (one, two) != (Some(even), Some(odd)) {
                fail(
                    "bind_pair returned sockets that are not the first free pair of the \
                     search, the even port's socket first.",
                    &format!("Ok((socket bound to {even}, socket bound to {odd}))"),
                    &format!(
                        "Ok((socket bound to {}, socket bound to {}))",
                        shown(&first),
                        shown(&second)
                    ),
                );
            }
            for addr in [even, odd] {
                // Only bound, a socket answers nobody: a client is refused (chapter 5).
                let reached = TcpStream::connect_timeout(&addr, Duration::from_secs(5));
                if let Ok(client) = reached {
                    let client = client.local_addr().map_or("?".into(), |a| a.to_string());
                    fail(
                        "bind_pair returned a socket that already listens: a client connected \
                         to it. Return the sockets as bind() gave them, bound and not \
                         listening: the caller listens when it is ready.",
                        &format!("connect({addr}) refused (nobody listens yet)"),
                        &format!("connect({addr}) accepted, from {client}"),
                    );
                }
            }
            (first, second)
        }
        Err(e) => fail(
            "bind_pair failed, but a pair of the range was free.",
            &format!("Ok((socket bound to {even}, socket bound to {odd}))"),
            &format!("Err({:?}: {e})", e.kind()),
        ),
    }
}

/// The result must be an error of this kind; its message.
#[track_caller]
fn check_error(why: &str, result: Pair, kind: ErrorKind) -> String {
    match result {
        Err(e) if e.kind() == kind => e.to_string(),
        Err(e) => fail(
            why,
            &format!("Err({kind:?})"),
            &format!("Err({:?}: {e})", e.kind()),
        ),
        Ok((one, two)) => fail(why, &format!("Err({kind:?})"), &pair_text(&one, &two)),
    }
}

fn pair_text(one: &Socket, two: &Socket) -> String {
    let shown = |s: &Socket| own_address(s).map_or("no address".into(), |a| a.to_string());
    format!(
        "Ok((socket bound to {}, socket bound to {}))",
        shown(one),
        shown(two)
    )
}

/// The result must be bind()'s own error, as it is: this OS error (errno), named `name`.
#[track_caller]
fn check_os_error(why: &str, result: Pair, errno: i32, name: &str) {
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
                "{why} bind_pair returned another error than bind()'s own: return that \
                 io::Error itself, not a new one (the caller reads its OS error code, as the \
                 lesson does to say \"too many open files\" and how to fix it)."
            );
            fail(&why, &expected, &got)
        }
        Ok((one, two)) => fail(why, &expected, &pair_text(&one, &two)),
    }
}

const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// The even ports from `from` to `to`, both included.
fn evens(from: u16, to: u16) -> Vec<u16> {
    (from..=to).filter(|p| p % 2 == 0).collect()
}

#[test]
fn a_free_first_pair_is_bound_and_returned() {
    let mut plans = Plans::new();
    let p = plans.free_pair(LOOPBACK);
    // The ports after the pair would bind too (were they asked for): they are not.
    let (result, attempts) = run(LOOPBACK, p..=p + 5, p, plans);
    let why = "The range's first two ports are free: the even one, then the next, and nothing \
               after them.";
    check_attempts(why, LOOPBACK, &[p, p + 1], &attempts);
    check_pair(result, LOOPBACK, p);
}

#[test]
fn a_half_free_pair_is_let_go_and_the_next_even_port_tried() {
    // Two pairs of real sockets, a < b. The first one's odd port is taken (another program
    // holds it), and so is every port between them.
    let mut plans = Plans::new();
    let (x, y) = (plans.free_pair(LOOPBACK), plans.free_pair(LOOPBACK));
    let (a, b) = (x.min(y), x.max(y));
    let plans = plans.taken([a - 2, a + 1]);
    let (result, attempts) = run(LOOPBACK, a - 2..=b + 3, a - 2, plans);
    let mut expected = vec![a - 2, a, a + 1];
    expected.extend(evens(a + 2, b));
    expected.push(b + 1);
    let why = format!(
        "Port {} is taken; {a} binds but {} is taken, so that pair is no pair: go on with the \
         next even port, {}, up to the free pair {b} and {}, and nothing after it.",
        a - 2,
        a + 1,
        a + 2,
        b + 1
    );
    check_attempts(&why, LOOPBACK, &expected, &attempts);
    check_pair(result, LOOPBACK, b);
}

#[test]
fn a_range_that_starts_on_an_odd_port_starts_its_pairs_after_it() {
    let mut plans = Plans::new();
    let p = plans.free_pair(LOOPBACK);
    // p - 1 is odd: it starts no pair (p - 1 and p are no RTP/RTCP pair), and must not be
    // asked for.
    let (result, attempts) = run(LOOPBACK, p - 1..=p + 1, p - 1, plans);
    let why = format!(
        "The range {}..={}: its first port is odd, so the first pair is {p} and {}.",
        p - 1,
        p + 1,
        p + 1
    );
    check_attempts(&why, LOOPBACK, &[p, p + 1], &attempts);
    check_pair(result, LOOPBACK, p);
}

#[test]
fn an_ipv6_address_is_bound_and_returned_too() {
    if TcpListener::bind("[::1]:0").is_err() {
        println!("note: this machine has no IPv6 loopback; skipping the IPv6 check");
        return;
    }
    let ip: IpAddr = "::1".parse().unwrap();
    let mut plans = Plans::new();
    let p = plans.free_pair(ip);
    let plans = plans.taken([p - 2]);
    let (result, attempts) = run(ip, p - 2..=p + 1, p - 2, plans);
    let why = "On [::1], the first pair's even port is taken and the second pair binds, each \
               attempt on the IP address given.";
    check_attempts(why, ip, &[p - 2, p, p + 1], &attempts);
    check_pair(result, ip, p);
}

#[test]
fn any_other_error_is_returned_at_once() {
    // An address this machine does not have (ip(7): EADDRNOTAVAIL), a port it may not use
    // (bind(2): EACCES, below 1024 without privileges), no descriptor left for the socket
    // (socket(2): EMFILE), no memory for it (ENOBUFS), a socket already bound (EINVAL): not
    // one of them is about this one port, and another pair cannot help.
    let errors = [
        (libc::EADDRNOTAVAIL, "EADDRNOTAVAIL"),
        (libc::EACCES, "EACCES"),
        (libc::EMFILE, "EMFILE"),
        (libc::ENOBUFS, "ENOBUFS"),
        (libc::EINVAL, "EINVAL"),
    ];
    for (errno, name) in errors {
        let error = io::Error::from_raw_os_error(errno);
        // From an even port: the pair after it is free, but is not tried.
        let mut plans = Plans::new();
        let p = plans.free_pair(LOOPBACK);
        let plans = plans.taken([p - 4]).fails(p - 2, errno);
        let (result, attempts) = run(LOOPBACK, p - 4..=p + 1, p - 4, plans);
        let why = format!(
            "bind({}) fails with {name} ({error}), which is not about that one port: the \
             search stops there (the next pair is free, but is not tried). Only \"address \
             already in use\" moves on.",
            p - 2
        );
        check_attempts(&why, LOOPBACK, &[p - 4, p - 2], &attempts);
        let why = format!("bind() failed with {name}: return that error, as it is.");
        check_os_error(&why, result, errno, name);

        // From an odd port: the even socket is closed, and the error returned as it is.
        let mut plans = Plans::new();
        let p = plans.free_pair(LOOPBACK);
        let plans = plans.fails(p + 1, errno);
        let (result, attempts) = run(LOOPBACK, p..=p + 3, p, plans);
        let why = format!(
            "{p} binds, then bind({}) fails with {name} ({error}): not about that one port \
             either, so the search stops there, although the next pair might be free.",
            p + 1
        );
        check_attempts(&why, LOOPBACK, &[p, p + 1], &attempts);
        let why =
            format!("bind() of the odd port failed with {name}: return that error, as it is.");
        check_os_error(&why, result, errno, name);
    }
}

#[test]
fn a_long_range_is_searched_to_its_end_without_waiting() {
    // Every port from 1 up is taken, but the last pair of the range (tens of thousands of
    // attempts): no cap on the attempts, and no pause between them.
    let mut plans = Plans::new();
    let p = plans.free_pair(LOOPBACK);
    let limit = Duration::from_secs(5);
    let (result, attempts) = run_timed(LOOPBACK, 1..=p + 1, 1, plans, Some(limit));
    let mut expected = evens(1, p);
    expected.push(p + 1);
    let got: Vec<u16> = attempts.iter().map(|a| a.port()).collect();
    if got != expected {
        let last = attempts
            .last()
            .map_or("none".into(), |a| format!("bind({a})"));
        fail(
            &format!(
                "The range 1..={}: every pair is taken but the last, {p} and {}. Each even \
                 port is tried in turn, however many: a range has no limit of attempts.",
                p + 1,
                p + 1
            ),
            &format!(
                "{} attempts, bind(127.0.0.1:2), bind(127.0.0.1:4), … bind(127.0.0.1:{p}), \
                 bind(127.0.0.1:{})",
                expected.len(),
                p + 1
            ),
            &format!("{} attempts, the last {last}", got.len()),
        );
    }
    check_pair(result, LOOPBACK, p);
}

#[test]
fn port_0_and_ranges_without_a_pair_are_invalid_input_and_no_attempt() {
    #[allow(clippy::reversed_empty_ranges)]
    let ranges = [
        0..=0,
        0..=9,
        7010..=7000,
        1..=0,
        7000..=7000,
        7001..=7001,
        7001..=7002,
        65_535..=65_535,
    ];
    for ports in ranges {
        let shown = format!("{}..={}", ports.start(), ports.end());
        let start = *ports.start();
        let (result, attempts) = run(LOOPBACK, ports, start, Plans::new());
        let why = format!(
            "The range {shown} contains port 0 (\"any port\", outside any range) or no pair \
             at all (an even port and the next, both in the range): no attempt."
        );
        check_attempts(&why, LOOPBACK, &[], &attempts);
        let why = format!(
            "bind_pair(…, {shown}, …): a range with port 0 or without a pair is the caller's \
             mistake (InvalidInput), not a busy port (AddrInUse)."
        );
        check_error(&why, result, ErrorKind::InvalidInput);
    }
}

#[test]
fn every_pair_taken_is_address_in_use_naming_the_range() {
    // 41207 is odd and 41212 has no partner in the range: two pairs, 41208 and 41210.
    let (result, attempts) = run(LOOPBACK, 41_207..=41_212, 41_207, Plans::new());
    let why = "Every pair of 41207..=41212 is taken: the even ports 41208 and 41210 are tried \
               once each (41207 and 41212 start no pair in the range), then the search gives \
               up.";
    check_attempts(why, LOOPBACK, &[41_208, 41_210], &attempts);
    let why = "Every pair of the range is taken: that is an AddrInUse error.";
    let message = check_error(why, result, ErrorKind::AddrInUse);
    if !message.contains("41207") || !message.contains("41212") {
        fail(
            "The error for a range whose every pair is taken must name the range (its first \
             and last port): the last attempt's own error names neither.",
            "Err(AddrInUse: a message with 41207 and 41212 in it)",
            &format!("Err(AddrInUse: {message})"),
        );
    }
}

#[test]
fn a_range_up_to_port_65535_is_searched_to_its_end() {
    for (first, last, tried) in [
        (65_532, 65_535, vec![65_532, 65_534]),
        (65_533, 65_535, vec![65_534]),
        (65_530, 65_534, vec![65_530, 65_532]),
    ] {
        let (result, attempts) = run(LOOPBACK, first..=last, first, Plans::new());
        let why = format!(
            "The range {first}..={last}, every pair taken: each even port whose partner is in \
             the range too is tried once (an even last port has none, and an odd first port \
             starts no pair), and the search ends there: there is no port 65536."
        );
        check_attempts(&why, LOOPBACK, &tried, &attempts);
        let why = "Every pair of the range is taken: that is an AddrInUse error.";
        check_error(why, result, ErrorKind::AddrInUse);
    }
}

/// The order the contract asks for: the pairs of `first..=last` (even `p`, `p + 1` in the
/// range), from the first at or after `start` (else the first of all), round the end, once.
fn order(first: u16, last: u16, start: u16) -> Vec<u16> {
    let pairs: Vec<u16> = (first..last).filter(|p| p % 2 == 0).collect();
    let from = pairs.iter().position(|&p| p >= start).unwrap_or(0);
    pairs[from..]
        .iter()
        .chain(&pairs[..from])
        .copied()
        .collect()
}

#[test]
fn the_search_starts_at_start_and_wraps_round_the_range_once() {
    // Every pair taken, so that the whole order shows: each pair once, from `start`'s on.
    let cases: &[(u16, u16, &[u16], &str)] = &[
        (41_200, 41_209, &[41_200], "start on the range's first port"),
        (
            41_200,
            41_209,
            &[41_204, 41_206],
            "start on an even port inside the range",
        ),
        (
            41_200,
            41_209,
            &[41_205, 41_203],
            "an odd start: its pair is the one after it",
        ),
        (
            41_200,
            41_209,
            &[41_208],
            "start on the last pair's even port",
        ),
        (
            41_200,
            41_209,
            &[41_209],
            "start on the last port, odd: no pair at or after it",
        ),
        (
            41_201,
            41_210,
            &[41_201, 41_202],
            "a range from an odd port to an even one",
        ),
        (
            41_201,
            41_210,
            &[41_207, 41_208],
            "start near its end, whose last port has no partner",
        ),
        (
            41_201,
            41_210,
            &[41_209, 41_210],
            "start past its last pair",
        ),
        (41_208, 41_209, &[41_208, 41_209], "a range of one pair"),
        (
            41_207,
            41_210,
            &[41_207, 41_208, 41_209, 41_210],
            "one pair, ports of none around it",
        ),
        (
            65_530,
            65_535,
            &[65_533, 65_534, 65_535],
            "a range up to port 65535",
        ),
        (
            65_531,
            65_534,
            &[65_531, 65_533, 65_534],
            "a range up to 65534 (one pair, 65532)",
        ),
    ];
    for &(first, last, starts, what) in cases {
        for &start in starts {
            let (result, attempts) = run(LOOPBACK, first..=last, start, Plans::new());
            let expected = order(first, last, start);
            let why = format!(
                "bind_pair(…, {first}..={last}, start {start}, …), every pair taken ({what}): \
                 the first pair tried is the first whose even port is at or after {start} (or, \
                 if none is, the range's first pair); then the following pairs to the range's \
                 last, then from its first on, each pair once, up to the one before the first \
                 tried."
            );
            check_attempts(&why, LOOPBACK, &expected, &attempts);
            let why = "Every pair of the range is taken: that is an AddrInUse error.";
            let message = check_error(why, result, ErrorKind::AddrInUse);
            if !message.contains(&first.to_string()) || !message.contains(&last.to_string()) {
                fail(
                    "The error for a range whose every pair is taken must name the range (its \
                     first and last port), wherever the search began.",
                    &format!("Err(AddrInUse: a message with {first} and {last} in it)"),
                    &format!("Err(AddrInUse: {message})"),
                );
            }
        }
    }
}

#[test]
fn a_free_pair_before_start_is_found_after_the_wrap() {
    // The free pair p is before `start`: the search goes to the range's end, wraps round,
    // and finds it; one pair after it (never reached) would be free too.
    let mut plans = Plans::new();
    let p = plans.free_pair(LOOPBACK);
    let (result, attempts) = run(LOOPBACK, p - 4..=p + 5, p + 2, plans);
    let why = format!(
        "The range {}..={}, start {}: {} and {} are taken, then the search wraps round to {}, \
         {} (both taken) and the free pair {p} and {}, and stops there.",
        p - 4,
        p + 5,
        p + 2,
        p + 2,
        p + 4,
        p - 4,
        p - 2,
        p + 1
    );
    check_attempts(
        &why,
        LOOPBACK,
        &[p + 2, p + 4, p - 4, p - 2, p, p + 1],
        &attempts,
    );
    check_pair(result, LOOPBACK, p);

    // A half-free pair on the way, after the wrap: its even socket is let go, as anywhere.
    let mut plans = Plans::new();
    let (x, y) = (plans.free_pair(LOOPBACK), plans.free_pair(LOOPBACK));
    let (a, b) = (x.min(y), x.max(y));
    let plans = plans.taken([a + 1]);
    let (result, attempts) = run(LOOPBACK, a..=b + 3, b + 2, plans);
    let mut expected = vec![b + 2, a, a + 1];
    expected.extend(evens(a + 2, b));
    expected.push(b + 1);
    let why = format!(
        "The range {a}..={}, start {}: {} is taken, the search wraps round to {a} (it binds, \
         but {} is taken: let it go), then goes on up to the free pair {b} and {}.",
        b + 3,
        b + 2,
        b + 2,
        a + 1,
        b + 1
    );
    check_attempts(&why, LOOPBACK, &expected, &attempts);
    check_pair(result, LOOPBACK, b);
}

#[test]
fn a_start_outside_the_range_is_invalid_input_and_no_attempt() {
    for (first, last, start) in [
        (41_200, 41_209, 41_199),
        (41_200, 41_209, 41_210),
        (41_200, 41_209, 0),
        (41_200, 41_209, 65_535),
        (65_530, 65_534, 65_535),
    ] {
        let (result, attempts) = run(LOOPBACK, first..=last, start, Plans::new());
        let why = format!(
            "start {start} is not a port of {first}..={last}: the caller's mistake, so no \
             attempt."
        );
        check_attempts(&why, LOOPBACK, &[], &attempts);
        let why = format!(
            "bind_pair(…, {first}..={last}, start {start}, …): a start outside the range is \
             InvalidInput."
        );
        check_error(&why, result, ErrorKind::InvalidInput);
    }
}

/// Your `bind_pair` over real sockets, each attempt recorded (and a repeated one stopped).
fn really(ip: IpAddr, ports: RangeInclusive<u16>) -> Pair {
    let start = *ports.start();
    let mut attempts = Attempts::default();
    let range = ports.clone();
    let bind = |addr| {
        attempts.record(&range, addr);
        really_bind(addr)
    };
    yours(|| bind_pair(ip, ports, start, bind))
}

#[test]
fn over_real_sockets_the_kernel_answers() {
    // A port a listener holds: the kernel's own "address already in use", for the one pair
    // the range has, whichever half the port is.
    let holder = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = holder.local_addr().unwrap().port();
    let even = taken & !1;
    let result = really(LOOPBACK, even..=even + 1);
    let why = format!(
        "Over real sockets: the range {even}..={} (one pair) has a port, {taken}, held by a \
         listener.",
        even + 1
    );
    let message = check_error(&why, result, ErrorKind::AddrInUse);
    if !message.contains(&even.to_string()) || !message.contains(&(even + 1).to_string()) {
        fail(
            "The error for a range whose every pair is taken must name the range.",
            &format!(
                "Err(AddrInUse: a message with {even} and {} in it)",
                even + 1
            ),
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
    let result = yours(|| bind_pair(elsewhere, range.clone(), 20_005, count));
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

    // A pair that was free a moment ago: bound for real, and a client reaches each socket.
    let (one, two) = held_pair(LOOPBACK);
    let p = own_address(&one).unwrap().port();
    drop((one, two));
    let (rtp, rtcp) = check_pair(really(LOOPBACK, p..=p + 1), LOOPBACK, p);
    for socket in [rtp, rtcp] {
        socket.listen(8).expect("listen()");
        Conn::open(own_address(&socket).unwrap());
    }
}

#[test]
fn bind_pair_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your bind_pair runs.
    testkit::prints_nothing(
        "bind_pair",
        &[
            "a_half_free_pair_is_let_go_and_the_next_even_port_tried",
            "any_other_error_is_returned_at_once",
            "every_pair_taken_is_address_in_use_naming_the_range",
        ],
    );
}
