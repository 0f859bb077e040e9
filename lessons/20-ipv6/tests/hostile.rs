//! The hostile-client battery (testkit::hostile) against lesson 20's server, which serves one
//! client at a time, for ever: it reads nothing, tells each client its address, and closes.
//! After each rude client a normal one is served promptly.
//! `cargo test -p lesson-20-ipv6 hostile -- --nocapture` prints one line per case.
//! Reference build only.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::net::SocketAddr;
use std::time::Duration;

use testkit::hostile::Target;
use testkit::Conn;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-20-ipv6");

/// The IPv4 listener (the battery binds 127.0.0.1:0); the dual-stack one serves clients with
/// the same `serve_one`. The server reads nothing, so any bytes do as the "request"; its only
/// wait per client is one short send, which the kernel takes at once: the 1 s deadline is
/// what the battery allows it, not a limit the server sets.
fn target() -> Target {
    Target::server(BIN, &[], b"hello\n", normal)
        .sequential(Duration::from_millis(1000))
        .skip(
            "stop_continue",
            "the server reads nothing: it answers right after accept() and closes, so no recv() \
             waits for a stop and continue to interrupt (and the case's second half-request \
             then meets the reset that a close with unread bytes sends)",
        )
}

/// A normal client: told its own address, then end of stream.
fn normal(addr: SocketAddr) {
    let mut conn = Conn::open(addr);
    let me = conn.stream().local_addr().unwrap();
    assert_eq!(conn.read_line(), format!("you are {me}"));
    conn.expect_eof();
}

testkit::hostile_battery!(target);
