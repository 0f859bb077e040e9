//! The hostile-client battery (testkit::hostile) against the lesson's server, built from the
//! solution, or from YOUR src/exercise.rs with `cargo exercise lesson-30-scale`. The server
//! serves many clients at once, so the normal client (one line there and back) is served
//! WHILE the hostile one is still connected, and a client may keep the server waiting at most
//! 3 s (`--idle-ms 3000`). Spec: "Limits", "Backpressure", "Leaving".
//! `cargo test -p lesson-30-scale hostile -- --nocapture` prints each case's figures.
//! (Not in maintainers' variant builds: the variants are proven by tests/exercise.rs.)
#![cfg(not(feature = "variant"))]

use std::net::SocketAddr;
use std::time::Duration;

use testkit::hostile::Target;
use testkit::Conn;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-30-scale");

fn target() -> Target {
    Target::server(
        BIN,
        &["--idle-ms", "3000"],
        b"ping\n",
        |addr: SocketAddr| {
            Conn::open(addr)
                .send(b"hello\nworld\n")
                .expect(b"hello\nworld\n");
        },
    )
    .concurrent(Duration::from_millis(3000))
    // A line is at most 1 KB and a connection holds one: a server that keeps a flood's bytes,
    // or every answer for a client that never reads, is far over this.
    .max_rss_mb(16.0)
}

testkit::hostile_battery!(target);

#[test]
fn idle_crowd() {
    // 50 silent clients connected at once: a new client is still served.
    testkit::hostile::idle_crowd(&target());
}
