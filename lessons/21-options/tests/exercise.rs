//! The exercise's checks: your `tune` runs here on real connected sockets, for chosen and for
//! random needs, and the checks read back from the kernel what it set (getsockopt) and test each
//! of the contract's promises on it, and what the peer sees when the connection closes. Never
//! what anything prints, nor how the numbers were found. (`cargo exercise lesson-21-options`
//! runs them on src/exercise.rs.)

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use lesson_21_options::{tune, Need, MAX_KEEPALIVE_SECS, MAX_PROBES};
use socket2::SockRef;
use testkit::{fail, yours};

const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}
const fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// A request/answer need that every check below can meet.
const TYPICAL: Need = Need {
    give_up_after: secs(95),
    idle_before_probing: secs(60),
    interactive: true,
};

/// A connection on loopback, `tune` called on its client's side: (client, server).
fn tuned_pair(need: Need) -> (TcpStream, TcpStream) {
    let (client, server) = pair();
    if let Err(e) = yours(|| tune(&client, need)) {
        fail(
            &format!(
                "tune returned an error for a need it can meet: {}.",
                show(need)
            ),
            "Ok(())",
            &format!("Err({e})"),
        );
    }
    (client, server)
}

fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind()");
    let client = TcpStream::connect(listener.local_addr().unwrap()).expect("connect()");
    let (server, _) = listener.accept().expect("accept()");
    for side in [&client, &server] {
        side.set_read_timeout(Some(testkit::timeout())).unwrap();
    }
    (client, server)
}

fn show(need: Need) -> String {
    format!(
        "give_up_after {:?}, idle_before_probing {:?}, interactive {}",
        need.give_up_after, need.idle_before_probing, need.interactive
    )
}

/// The options `tune` is about, read back from the kernel.
fn options(client: &TcpStream) -> String {
    let socket = SockRef::from(client);
    let nodelay = client.nodelay().expect("getsockopt(TCP_NODELAY)");
    let on = socket.keepalive().expect("getsockopt(SO_KEEPALIVE)");
    #[cfg_attr(windows, allow(unused_mut))]
    let mut got = format!("TCP_NODELAY {nodelay}, SO_KEEPALIVE {on}");
    // Windows sets the keepalive numbers but cannot read them back.
    #[cfg(not(windows))]
    if on {
        let idle = socket.tcp_keepalive_time().expect("TCP_KEEPIDLE").as_secs();
        let every = socket.tcp_keepalive_interval().expect("TCP_KEEPINTVL");
        let count = socket.tcp_keepalive_retries().expect("TCP_KEEPCNT");
        got += &format!(
            ", idle {idle} s, every {} s, {count} probes",
            every.as_secs()
        );
    }
    got
}

#[test]
fn nagle_is_off_only_when_interactive() {
    // From a fresh socket (Nagle on), and from one whose TCP_NODELAY was already set: the
    // need decides, whatever the socket held before.
    for nodelay_before in [false, true] {
        for interactive in [true, false] {
            let (client, _server) = pair();
            client
                .set_nodelay(nodelay_before)
                .expect("setsockopt(TCP_NODELAY)");
            let need = Need {
                interactive,
                ..TYPICAL
            };
            if let Err(e) = yours(|| tune(&client, need)) {
                fail(
                    &format!(
                        "tune returned an error for a need it can meet: {}.",
                        show(need)
                    ),
                    "Ok(())",
                    &format!("Err({e})"),
                );
            }
            let nodelay = client.nodelay().expect("getsockopt(TCP_NODELAY)");
            if nodelay != interactive {
                fail(
                    &format!(
                        "{} (TCP_NODELAY was {nodelay_before} before tune)",
                        if interactive {
                            "interactive: Nagle's algorithm is still on, so a request written \
                             in two pieces waits for the peer's delayed ACK (40 ms on Linux)"
                        } else {
                            "not interactive: Nagle's algorithm is off, so a bulk transfer goes \
                             out in more, smaller segments than it needs; the need decides, \
                             whatever the socket held before"
                        }
                    ),
                    &format!("getsockopt(TCP_NODELAY) = {interactive}"),
                    &format!("getsockopt(TCP_NODELAY) = {nodelay}"),
                );
            }
        }
    }
}

/// The keepalive numbers read back from the kernel: (idle, interval, count).
#[cfg(not(windows))]
fn numbers(client: &TcpStream) -> Option<(u64, u64, u64)> {
    let socket = SockRef::from(client);
    if !socket.keepalive().expect("getsockopt(SO_KEEPALIVE)") {
        return None;
    }
    let idle = socket.tcp_keepalive_time().expect("TCP_KEEPIDLE").as_secs();
    let every = socket.tcp_keepalive_interval().expect("TCP_KEEPINTVL");
    let count = socket.tcp_keepalive_retries().expect("TCP_KEEPCNT");
    Some((idle, every.as_secs(), u64::from(count)))
}

/// Whole seconds, rounded up (what the test knows of the need, done its own way).
fn secs_up(d: Duration) -> u64 {
    d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0))
}

/// The earliest idle time the kernel takes that keeps promise 1, if the kernel takes it.
fn earliest_idle(need: Need) -> Option<u64> {
    Some(secs_up(need.idle_before_probing).max(1)).filter(|s| *s <= MAX_KEEPALIVE_SECS)
}

/// The whole seconds after `idle` within which the peer must be given up (promise 2).
fn room_after(need: Need, idle: u64) -> u64 {
    need.give_up_after.as_secs().saturating_sub(idle)
}

/// Can any three numbers keep promises 1 and 2? (One probe, 1 s after the earliest idle.)
fn can_be_met(need: Need) -> bool {
    earliest_idle(need).is_some_and(|idle| room_after(need, idle) >= 1)
}

/// Tune a fresh connection for `need` and check every promise of the contract on what the
/// kernel holds afterwards, whatever way the numbers were found.
#[cfg(not(windows))]
fn judge(need: Need) {
    let (client, _server) = pair();
    if !can_be_met(need) {
        return refused(&client, need);
    }
    if let Err(e) = yours(|| tune(&client, need)) {
        fail(
            &format!(
                "tune returned an error for a need it can meet (at least one probe fits): {}.",
                show(need)
            ),
            "Ok(())",
            &format!("Err(kind {:?}: {e})", e.kind()),
        );
    }
    let Some((idle, every, count)) = numbers(&client) else {
        fail(
            &format!("Keepalive is off after tune, for the need {}.", show(need)),
            "getsockopt(SO_KEEPALIVE) = true",
            "getsockopt(SO_KEEPALIVE) = false",
        )
    };
    let got = format!("idle {idle} s, interval {every} s, count {count}");
    let broken = |promise: &str, expected: String| -> ! {
        fail(
            &format!(
                "For the need {}, {promise}. The kernel probes after idle s of silence, then \
                 every interval s, and drops the peer idle + interval x count s after its last \
                 packet; what you leave unset stays the system's (on Linux 7200 s, 75 s, 9).",
                show(need)
            ),
            &expected,
            &got,
        )
    };
    if Duration::from_secs(idle) < need.idle_before_probing {
        broken(
            "the first probe goes out before the allowed silence is over (promise 1)",
            format!(
                "idle >= {:?}: at least {} s in whole seconds",
                need.idle_before_probing,
                secs_up(need.idle_before_probing)
            ),
        );
    }
    let dropped_at = u128::from(idle) + u128::from(every) * u128::from(count);
    if dropped_at > need.give_up_after.as_secs() as u128 {
        broken(
            "the peer is given up later than asked (promise 2)",
            format!(
                "idle + interval x count <= {:?}, that is <= {} whole seconds; got {idle} + \
                 {every} x {count} = {dropped_at} s",
                need.give_up_after,
                need.give_up_after.as_secs()
            ),
        );
    }
    if count > u64::from(MAX_PROBES) {
        broken(
            "there are more probes than MAX_PROBES",
            format!("count <= {MAX_PROBES}"),
        );
    }
    // The earliest idle time leaves the most room; at 1 s apart, one probe per second of it.
    let earliest = earliest_idle(need).expect("a need that can be met");
    let most = room_after(need, earliest).min(u64::from(MAX_PROBES));
    if count < most {
        broken(
            "fewer probes than fit (promise 3: as many as the need leaves room for)",
            format!(
                "count = {most}: {most} probes fit ({earliest} + 1 x {most} = {} s)",
                earliest + most
            ),
        );
    }
    let widest = (room_after(need, earliest) / count).min(MAX_KEEPALIVE_SECS);
    if every < widest {
        broken(
            "the probes are closer together than they need be (promise 4: as far apart as \
             they fit, with that many)",
            format!(
                "interval = {widest} s: {earliest} + {widest} x {count} = {} s still fits",
                earliest + widest * count
            ),
        );
    }
    if idle > earliest {
        broken(
            "probing starts later than it may (promise 5: as early as promise 1 allows)",
            format!(
                "idle = {earliest} s (the first whole second, at least 1, with \
                 {:?} of silence passed)",
                need.idle_before_probing
            ),
        );
    }
}

/// `tune` must refuse `need` with InvalidInput and leave the socket as it was.
fn refused(client: &TcpStream, need: Need) {
    let before = options(client);
    let result = yours(|| tune(client, need));
    let after = options(client);
    match result {
        Err(e) if e.kind() == ErrorKind::InvalidInput => {}
        other => fail(
            &format!(
                "The need {} cannot be met (not one probe fits between the idle time and the \
                 give-up time, or the idle time is more than the kernel takes, \
                 MAX_KEEPALIVE_SECS), but tune did not refuse it with an InvalidInput error.",
                show(need)
            ),
            "Err(kind InvalidInput)",
            &match other {
                Ok(()) => format!("Ok(()), with {after}"),
                Err(e) => format!("Err(kind {:?}: {e})", e.kind()),
            },
        ),
    }
    if after != before {
        fail(
            &format!(
                "tune refused the need {}, but changed the socket first: check the need \
                 before any setsockopt().",
                show(need)
            ),
            &format!("{before} (as before tune)"),
            &after,
        );
    }
}

#[cfg(not(windows))]
#[test]
fn keepalive_keeps_the_needs_promises() {
    // (give up after, idle before probing): the edges of the promises.
    let cases = [
        (secs(95), secs(60)),                // 35 s of room after 60 s
        (secs(100), secs(60)),               // room used exactly
        (secs(99), secs(60)),                // room not a multiple of the count
        (secs(65), secs(60)),                // room for fewer than MAX_PROBES
        (secs(61), secs(60)),                // room for one probe, and no more
        (secs(70), secs(60)),                // exactly MAX_PROBES at 1 s
        (secs(3600), secs(600)),             // a long room
        (millis(10_900), millis(2_100)),     // fractions of a second on both sides
        (millis(62_999), millis(60_001)),    // 60.001 s of silence; 62.999 s to give up
        (secs(5), Duration::ZERO),           // no silence asked: the kernel's minimum is 1 s
        (secs(5), millis(1)),                // 1 ms of silence
        (secs(2), Duration::ZERO),           // one probe after the minimum
        (secs(32_777), secs(32_767)),        // the longest idle time the kernel takes
        (Duration::MAX, secs(60)),           // an interval past the kernel's limit, by division
        (secs(400_000), secs(60)),           // the same, with an ordinary number
        (Duration::MAX, millis(32_766_500)), // the longest idle, reached by rounding up
    ];
    for (give_up_after, idle_before_probing) in cases {
        judge(Need {
            give_up_after,
            idle_before_probing,
            interactive: true,
        });
    }
}

/// A small random generator with a fixed seed: the same needs every run.
#[cfg(not(windows))]
struct Random(u64);

#[cfg(not(windows))]
impl Random {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// A duration of one of the sizes that matter, whole seconds or not.
    fn duration(&mut self) -> Duration {
        let nanos = match self.below(3) {
            0 => 0,
            1 => 1 + self.below(999_999_999) as u32,
            _ => self.below(1000) as u32 * 1_000_000,
        };
        let secs = match self.below(6) {
            0 => 0,
            1 => self.below(20),
            2 => self.below(200),
            3 => 32_700 + self.below(100),
            4 => self.below(1_000_000),
            _ => return Duration::MAX,
        };
        Duration::new(secs, nanos)
    }
}

#[cfg(not(windows))]
#[test]
fn keepalive_keeps_the_promises_for_random_needs() {
    let mut random = Random(0x5eed_2121);
    for _ in 0..400 {
        let idle_before_probing = random.duration();
        // Mostly a give-up time a little after the idle time, where the edges are.
        let give_up_after = match random.below(4) {
            0 => random.duration(),
            // Room for a few probes, or none: where count and refusal are decided.
            1 => idle_before_probing
                .checked_add(Duration::new(
                    random.below(13),
                    random.below(1000) as u32 * 1_000_000,
                ))
                .unwrap_or(Duration::MAX),
            _ => idle_before_probing
                .checked_add(random.duration().min(secs(500)))
                .unwrap_or(Duration::MAX),
        };
        judge(Need {
            give_up_after,
            idle_before_probing,
            interactive: random.below(2) == 0,
        });
    }
}

#[test]
fn an_impossible_need_is_refused_before_anything_is_set() {
    let cases = [
        (secs(60), secs(60)),         // no time left for a single probe
        (secs(30), secs(60)),         // give up before probing even starts
        (millis(1_900), millis(500)), // nothing left once in whole seconds
        (millis(61_999), millis(60_001)),
        (Duration::ZERO, Duration::ZERO),
        (secs(1), Duration::ZERO), // the kernel waits 1 s at least before probing
        (secs(3600), Duration::MAX), // idle rounded up must not overflow: no probe fits
        (Duration::MAX, Duration::MAX),
        (secs(100_000), secs(32_768)), // an idle time the kernel does not take
        (secs(100_000), millis(32_767_001)),
    ];
    for (give_up_after, idle_before_probing) in cases {
        let need = Need {
            give_up_after,
            idle_before_probing,
            interactive: true,
        };
        assert!(!can_be_met(need), "the test's own case: {}", show(need));
        let (client, _server) = pair();
        refused(&client, need);
    }
}

#[test]
fn closing_still_ends_with_a_fin_not_a_reset() {
    let (mut client, mut server) = tuned_pair(TYPICAL);
    let linger = SockRef::from(&client)
        .linger()
        .expect("getsockopt(SO_LINGER)");
    if linger.is_some() {
        fail(
            "tune set SO_LINGER: with a time of 0 s, close() sends a reset; with more, close() \
             blocks until the unsent data is out or the time is up. The contract: no SO_LINGER.",
            "getsockopt(SO_LINGER) = off (None, as before tune)",
            &format!("getsockopt(SO_LINGER) = {linger:?}"),
        );
    }
    client.write_all(b"bye\n").expect("send()");
    drop(client); // close()
    let mut got = Vec::new();
    match server.read_to_end(&mut got) {
        Ok(_) if got == b"bye\n" => {}
        Ok(_) => fail(
            "The peer did not get the bytes sent before close().",
            "b\"bye\\n\", then end of stream (a FIN)",
            &format!("b\"{}\", then end of stream", got.escape_ascii()),
        ),
        Err(e) => fail(
            "After tune, close() no longer ends the connection with a FIN: the peer reads a \
             reset (SO_LINGER with 0 s does that), and loses what was still in flight.",
            "b\"bye\\n\", then end of stream (a FIN)",
            &format!(
                "b\"{}\", then {}",
                got.escape_ascii(),
                match e.kind() {
                    ErrorKind::ConnectionReset =>
                        "error: connection reset by peer (ECONNRESET)".into(),
                    _ => format!("error: {e}"),
                }
            ),
        ),
    }
}

#[test]
fn the_buffer_sizes_stay_the_kernels() {
    let (client, _server) = pair();
    let socket = SockRef::from(&client);
    let sizes = || {
        let recv = socket.recv_buffer_size().expect("getsockopt(SO_RCVBUF)");
        let send = socket.send_buffer_size().expect("getsockopt(SO_SNDBUF)");
        format!("SO_RCVBUF {recv} bytes, SO_SNDBUF {send} bytes")
    };
    let before = sizes();
    if let Err(e) = yours(|| tune(&client, TYPICAL)) {
        fail("tune returned an error.", "Ok(())", &format!("Err({e})"));
    }
    let after = sizes();
    if after != before {
        fail(
            "tune changed a buffer size: a socket whose SO_RCVBUF or SO_SNDBUF is set keeps \
             that size, and loses the autotuning that grows it as the connection needs.",
            &format!("{before} (as before tune)"),
            &after,
        );
    }
}

#[test]
fn no_other_time_limit_is_set() {
    let (client, _server) = pair();
    let socket = SockRef::from(&client);
    let limits = || {
        let read = client.read_timeout().expect("getsockopt(SO_RCVTIMEO)");
        let write = client.write_timeout().expect("getsockopt(SO_SNDTIMEO)");
        #[cfg(target_os = "linux")]
        let user = socket
            .tcp_user_timeout()
            .expect("getsockopt(TCP_USER_TIMEOUT)");
        #[cfg(not(target_os = "linux"))]
        let user: Option<std::time::Duration> = None;
        let _ = &socket;
        format!("SO_RCVTIMEO {read:?}, SO_SNDTIMEO {write:?}, TCP_USER_TIMEOUT {user:?}")
    };
    let before = limits();
    if let Err(e) = yours(|| tune(&client, TYPICAL)) {
        fail("tune returned an error.", "Ok(())", &format!("Err({e})"));
    }
    let after = limits();
    if after != before {
        fail(
            "tune set another time limit. Keepalive alone decides when a silent peer is given \
             up within the need's time: TCP_USER_TIMEOUT overrides its probe count (tcp(7)), and a \
             read or write timeout ends calls that keepalive would have let wait.",
            &format!("{before} (as before tune)"),
            &after,
        );
    }
}

/// A socket that cannot take TCP options (a UDP socket, handed over as a `TcpStream`): each
/// setsockopt() of `tune` fails there, and tune must say so rather than look done.
#[cfg(target_os = "linux")]
#[test]
fn a_failing_call_is_returned_as_its_error() {
    let udp = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)
        .expect("socket(AF_INET, SOCK_DGRAM)");
    let not_tcp = TcpStream::from(udp);
    if let Ok(()) = yours(|| tune(&not_tcp, TYPICAL)) {
        fail(
            "tune was given a socket on which setsockopt(TCP_NODELAY) and TCP_KEEPIDLE fail \
             (a UDP socket), and returned Ok: a failing call must be returned as its error \
             (`?`), not dropped, or the caller believes the connection is tuned.",
            "Err(the failing setsockopt()'s error)",
            "Ok(())",
        );
    }
}

#[test]
fn tune_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your tune runs.
    testkit::prints_nothing(
        "tune",
        &[
            "nagle_is_off_only_when_interactive",
            "an_impossible_need_is_refused_before_anything_is_set",
            "a_failing_call_is_returned_as_its_error",
        ],
    );
}
