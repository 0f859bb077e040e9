//! The hostile-client battery (testkit::hostile) against the lesson's server, built from the
//! solution, or from YOUR src/exercise.rs with `cargo exercise lesson-27-rooms`. A chat
//! serves many clients at once, so the normal client (a new member who joins a room and
//! speaks) is served WHILE the hostile one is still connected, and a line must be done
//! within 3 s of its first byte (`--line-wait 3000`). Spec: "Limits", "Slow members".
//! `cargo test -p lesson-27-rooms hostile -- --nocapture` prints each case's figures.
//! (Not in maintainers' variant builds: the variants are proven by tests/exercise.rs.)
#![cfg(not(feature = "variant"))]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use testkit::hostile::Target;
use testkit::{Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-27-rooms");

fn target() -> Target {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    Target::new(
        |extra| {
            let mut args = vec!["--line-wait", "3000"];
            args.extend_from_slice(extra);
            Server::start(BIN, &args)
        },
        b"NICK hostile\n",
        |addr: SocketAddr| {
            let nick = format!("normal{}", NEXT.fetch_add(1, Ordering::SeqCst));
            Conn::open(addr)
                .send(format!("NICK {nick}\nJOIN #n\nMSG #n hi\nLIST\n").as_bytes())
                .expect(format!("OK nick {nick}\nOK join #n\nOK msg #n\nROOMS #n\n").as_bytes())
                .send(b"QUIT\n")
                .expect(b"OK bye\n")
                .expect_eof();
        },
    )
    .concurrent(Duration::from_millis(3000))
    // A line is at most 512 bytes and a queue 64 lines: a server that keeps a flood's bytes,
    // or every line for a member that never reads, is far over this.
    .max_rss_mb(16.0)
}

testkit::hostile_battery!(target);

#[test]
fn idle_crowd() {
    // 50 silent clients connected at once: a new member is still served.
    testkit::hostile::idle_crowd(&target());
}
