#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! The hostile-client battery (testkit::hostile) against the reference server: one thread,
//! tokio tasks, so a normal client is served WHILE each rude client is still connected.

use std::net::SocketAddr;
use std::time::Duration;

use testkit::hostile::Target;
use testkit::{Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-29-load");

fn target() -> Target {
    Target::new(
        |extra| {
            let mut args = vec!["--deadline", "3s"];
            args.extend_from_slice(extra);
            Server::start(BIN, &args)
        },
        b"hello\n",
        normal,
    )
    .concurrent(Duration::from_millis(3000))
    .max_rss_mb(16.0)
}

/// A normal client: a line in, the same line out, then end of stream.
fn normal(addr: SocketAddr) {
    Conn::open(addr)
        .send(b"hello\n")
        .expect(b"hello\n")
        .shutdown_write();
}

testkit::hostile_battery!(target);
