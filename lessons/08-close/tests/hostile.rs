//! The hostile-client battery (testkit::hostile) against lesson 08's server: after each rude
//! client, a normal one is served, promptly. `cargo test -p lesson-08-close hostile -- --nocapture`
//! prints one line per case with its figures.
//!
//! These check the lesson as the book shows it, so they run on the reference build only; the
//! exercise's checks are tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::net::SocketAddr;
use std::time::Duration;

use testkit::hostile::Target;
use testkit::Conn;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-08-close");

/// The server as the battery starts it: serving until stopped, a 2 s limit (1 s left the
/// stop-and-continue case, which stops the server for 300 ms, too little room on a loaded
/// machine) for each request
/// and each answer.
fn target() -> Target {
    Target::server(
        BIN,
        &["--clients", "0", "--timeout", "2"],
        b"one\ntwo\nthree\n",
        normal,
    )
    .sequential(Duration::from_millis(2000))
}

/// A normal client: the request, the half-close, the answer to its end.
fn normal(addr: SocketAddr) {
    let mut conn = Conn::open(addr);
    conn.send(b"one\ntwo\nthree\n").shutdown_write();
    conn.expect(b"three\ntwo\none\n").expect_eof();
}

testkit::hostile_battery!(target);
