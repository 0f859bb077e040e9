//! The hostile-client battery (testkit::hostile) against the lesson's server, built from the
//! solution, or from YOUR src/exercise.rs with `cargo exercise lesson-23-kv`: one client at a
//! time, so after each hostile client a normal one must be served within the deadline given
//! to the hostile one (`--timeout 2`) + a margin. Spec: "Limits", "Deadline", "Clients".
//! `cargo test -p lesson-23-kv hostile -- --nocapture` prints each case's figures.
//! (Not in maintainers' variant builds: the variants are proven by tests/exercise.rs, and 13
//! cases of about 20 s for each variant would slow `cargo verify-exercises` for nothing.)
#![cfg(not(feature = "variant"))]

use std::time::Duration;

use testkit::hostile::Target;
use testkit::Conn;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-23-kv");

fn target() -> Target {
    Target::server(
        BIN,
        &["--timeout", "2"],
        // A client that never reads must make the server's send() block, and only replies
        // fill the buffers between them: each GET's reply here is as long as the request that
        // set it, so they fill within a few MB. (With SET alone, 3 bytes of reply for 507 of
        // request, they never filled within the case's 512 MB: a correct server that read
        // in max_line pieces was still busy with a valid client at the cap, and failed.)
        &[b"SET k ".as_slice(), &[b'v'; 500], b"\nGET k\n"].concat(),
        |addr| {
            Conn::open(addr)
                .send(b"SET a 1\nGET a\nGET nothing\n")
                .expect(b"OK\nVALUE 1\nNOTFOUND\n")
                .shutdown_write()
                .expect_eof();
        },
    )
    .sequential(Duration::from_secs(2))
    // A line is at most 1024 bytes: a server that keeps a flood's bytes is far over this.
    .max_rss_mb(16.0)
}

testkit::hostile_battery!(target);
