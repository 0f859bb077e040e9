//! The exercise's checks: your `tune` runs here on a real connected socket, for several needs,
//! and the checks read back from the kernel what it set (getsockopt), and what the peer sees
//! when the connection closes. Never what anything prints. (`cargo exercise lesson-21-options`
//! runs them on src/exercise.rs.)

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use lesson_21_options::{tune, Need};
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

fn keepalive(idle: u64, every: u64, count: u32) -> String {
    let mut want = "TCP_NODELAY true, SO_KEEPALIVE true".to_string();
    if cfg!(not(windows)) {
        want += &format!(", idle {idle} s, every {every} s, {count} probes");
    }
    want
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

#[test]
fn keepalive_numbers_follow_from_the_need() {
    // (give up after, idle before probing) -> (idle, interval, count), by the contract's rule.
    let cases = [
        (secs(95), secs(60), (60, 3, 10)),       // the contract's example
        (secs(100), secs(60), (60, 4, 10)),      // the budget used exactly: 60 + 4 x 10 = 100
        (secs(99), secs(60), (60, 3, 10)),       // 39 s: 10 probes, 3 s apart (4 s: 100 > 99)
        (secs(65), secs(60), (60, 1, 5)),        // under 10 s of budget: one probe a second
        (secs(61), secs(60), (60, 1, 1)),        // one probe, and no more, fits
        (secs(70), secs(60), (60, 1, 10)),       // 10 s: exactly MAX_PROBES at 1 s
        (secs(3600), secs(600), (600, 300, 10)), // a long budget: the interval grows, not the count
        (millis(10_900), millis(2_100), (3, 1, 7)), // 2.1 s idle -> 3 s; 10.9 s -> 10 s
        (secs(5), Duration::ZERO, (1, 1, 4)),    // no idle asked: the kernel's minimum, 1 s
        (secs(5), millis(1), (1, 1, 4)),         // 1 ms rounds up to 1 s
        // The kernel's limit (MAX_KEEPALIVE_SECS, 32,767 s): an idle time of exactly that is
        // fine; an interval the rule makes longer is that (giving up earlier, never later).
        (secs(32_777), secs(32_767), (32_767, 1, 10)),
        (Duration::MAX, secs(60), (60, 32_767, 10)),
        (secs(400_000), secs(60), (60, 32_767, 10)), // 39,994 s a probe by the rule alone
    ];
    for (give_up_after, idle_before_probing, (idle, every, count)) in cases {
        let need = Need {
            give_up_after,
            idle_before_probing,
            interactive: true,
        };
        let (client, _server) = tuned_pair(need);
        let got = options(&client);
        let want = keepalive(idle, every, count);
        if got != want {
            fail(
                &format!(
                    "For the need {}, the keepalive numbers are not the contract's rule (the \
                     kernel gives up idle + interval x count s after the peer's last packet; \
                     what you leave unset stays the system's: on Linux 7200 s, 75 s, 9).",
                    show(need)
                ),
                &want,
                &got,
            );
        }
    }
}

#[test]
fn an_impossible_need_is_refused_before_anything_is_set() {
    let cases = [
        (secs(60), secs(60)),         // no time left for a single probe
        (secs(30), secs(60)),         // give up before probing even starts
        (millis(1_900), millis(500)), // 1.9 s -> 1 s; 0.5 s -> 1 s: nothing left
        (Duration::ZERO, Duration::ZERO),
        (secs(3600), Duration::MAX), // idle rounded up must not overflow: no probe fits
        (Duration::MAX, Duration::MAX),
        (secs(100_000), secs(32_768)), // an idle time the kernel does not take
    ];
    for (give_up_after, idle_before_probing) in cases {
        let need = Need {
            give_up_after,
            idle_before_probing,
            interactive: true,
        };
        let (client, _server) = pair();
        let before = options(&client);
        let result = yours(|| tune(&client, need));
        let after = options(&client);
        match result {
            Err(e) if e.kind() == ErrorKind::InvalidInput => {}
            other => fail(
                &format!(
                    "The need {} cannot be met (not one probe fits, or the idle time is more \
                     than the kernel takes, MAX_KEEPALIVE_SECS), but tune did not refuse it \
                     with an InvalidInput error.",
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
