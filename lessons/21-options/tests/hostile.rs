#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! The hostile-client battery (testkit::hostile) against lesson 21's echo server: one client
//! at a time, so after each hostile client a normal one must be served within the server's
//! deadline for the hostile one (`--timeout 2`) + a margin. `cargo test -p lesson-21-options
//! hostile -- --nocapture` prints each case's figures.

use std::time::Duration;

use testkit::hostile::Target;
use testkit::Conn;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-21-options");

fn target() -> Target {
    Target::server(
        BIN,
        &["--timeout", "2"],
        // Long lines fill the buffers of a client that never reads sooner than short ones.
        &[b"ping ".as_slice(), &[b'x'; 900], b"\n"].concat(),
        |addr| {
            Conn::open(addr)
                .send(b"ping \n")
                .expect(b"ping \n")
                .shutdown_write()
                .expect_eof();
        },
    )
    .sequential(Duration::from_secs(2))
}

testkit::hostile_battery!(target);
