//! A rude first client (testkit::hostile::once), length framing (`--framing length`): the
//! same promises as tests/hostile.rs, with a 4-byte length in front of each message. With
//! `--quiet` (the checks read exit codes, stderr and bytes, never narration): a server that
//! prints four lines per 9-byte message takes seconds to fill the buffers of a client that
//! never reads; tests/hostile.rs runs the narrated server.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::time::Duration;

use testkit::hostile::once::Once;
use testkit::Conn;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-07-recv");

fn target() -> Once {
    Once::server(
        BIN,
        &[
            "--framing",
            "length",
            "--timeout-ms",
            "1000",
            "--max",
            "16",
            "--quiet",
        ],
        b"\x00\x00\x00\x05hello",
        |addr| {
            let mut conn = Conn::open(addr);
            conn.send(b"\x00\x00\x00\x05hello")
                .expect(b"\x00\x00\x00\x0dgot #1: hello");
            conn.stream().shutdown(std::net::Shutdown::Write).unwrap();
            conn.expect_eof();
        },
    )
    .limit(Duration::from_millis(2500))
}

testkit::hostile_once_battery!(target);
