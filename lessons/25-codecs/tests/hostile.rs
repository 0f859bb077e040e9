#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! The hostile-client battery (testkit::hostile) against lesson 25's server (a reader task and
//! a writer task per connection, on one thread): a normal client must be served WHILE each
//! rude client is still connected, and after it. `cargo test -p lesson-25-codecs hostile --
//! --nocapture` prints each case's figures.

use std::time::Duration;

use testkit::hostile::Target;
use testkit::{Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-25-codecs");

fn target() -> Target {
    Target::new(
        // 3 s for each whole line and each answer: longer than the battery's 2 s margin, so
        // that the rude client is still connected while the normal one is served.
        |extra| {
            let mut args = vec!["--idle", "3", "--write-timeout", "3"];
            args.extend_from_slice(extra);
            Server::start(BIN, &args)
        },
        // A line of the longest size the server takes: a client that never reads fills the
        // buffers sooner.
        &[&[b'v'; 32][..], b"\n"].concat(),
        |addr| {
            Conn::open(addr)
                .send(b"hello\nagain\n")
                .expect(b"HELLO\nAGAIN\n")
                .shutdown_write()
                .expect_eof();
        },
    )
    .concurrent(Duration::from_millis(3000))
    // One thread; a line is at most 32 bytes and at most 16 answers wait: a server that kept
    // a flood's bytes, or queued answers without bound, is far over this.
    .max_rss_mb(16.0)
}

testkit::hostile_battery!(target);
