//! The hostile-client battery (testkit::hostile) against lesson 19's echo server, which serves
//! one client at a time, for ever: after each rude client, a normal one is served, within the
//! server's limit for the rude one (`--timeout-ms`) + a margin.
//! `cargo test -p lesson-19-names hostile -- --nocapture` prints one line per case.
//! Reference build only.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::net::SocketAddr;
use std::time::Duration;

use testkit::hostile::Target;
use testkit::Conn;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-19-names");

fn target() -> Target {
    Target::server(BIN, &["--timeout-ms", "2000"], b"hello\n", normal)
        .sequential(Duration::from_millis(2000))
}

/// A normal client: one line out, the same line back, then end of stream.
fn normal(addr: SocketAddr) {
    let mut conn = Conn::open(addr);
    conn.send(b"hello\n").expect(b"hello\n");
    conn.expect_eof();
}

testkit::hostile_battery!(target);
