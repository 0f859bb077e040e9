//! The hostile-client battery (testkit::hostile) against lesson 03's server: after each rude
//! client, a normal one is served, promptly. `cargo test -p lesson-03-listen hostile -- --nocapture`
//! prints one line per case with its figures. Reference build only (the exercise's checks are
//! tests/exercise.rs).
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::net::SocketAddr;
use std::time::Duration;

use testkit::hostile::Target;
use testkit::Conn;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-03-listen");

/// The server as the battery starts it: serving until stopped, a 2 s limit (1 s left the
/// stop-and-continue case, which stops the server for 300 ms, too little room on a loaded
/// machine) per client.
/// The backlog is 128 rather than the lesson's 3, as a real server's would be: with 3, the
/// burst of 200 connections would mostly measure SYN retries (chapter 3), not the server.
fn target() -> Target {
    Target::server(
        BIN,
        &["--clients", "0", "--timeout", "2000", "--backlog", "128"],
        b"alice\n",
        normal,
    )
    .sequential(Duration::from_millis(2000))
}

/// A normal client: its name in, a greeting with its number out, then end of stream. (The
/// number is however many clients the server served before it, so only its form is fixed.)
fn normal(addr: SocketAddr) {
    let mut conn = Conn::open(addr);
    conn.send(b"alice\n");
    let answer = conn.read_line();
    // read_line gives the line without its newline.
    let number = answer
        .strip_prefix("hello alice, you are number ")
        .unwrap_or_else(|| panic!("not a greeting: {answer:?}"));
    assert!(number.parse::<u32>().is_ok(), "not a number: {answer:?}");
    conn.expect_eof();
}

testkit::hostile_battery!(target);
