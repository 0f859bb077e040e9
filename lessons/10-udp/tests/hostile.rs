//! What strangers can do to lesson 10's UDP server (testkit::hostile::udp): garbage, bytes
//! that are not UTF-8, empty datagrams, datagrams longer than its 65-byte buffer (cut by the
//! receive: the server must notice and ignore them, as the chapter says), a flood from 32
//! ports that never read, clients that vanish before their answer, a stop and continue. After
//! each, a normal client is answered promptly and the server's memory stayed bounded.
//! `cargo test -p lesson-10-udp hostile_udp -- --nocapture` prints one line per case.
//! Reference build only.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::net::UdpSocket;

use lesson_10_udp::MAX_MESSAGE;
use testkit::hostile::udp::{ask, Udp};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-10-udp");

fn target() -> Udp {
    Udp::server(BIN, &[], b"1 hello", |addr| {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        ask(&socket, addr, b"7 normal", |answer| answer == b"7 NORMAL");
    })
    // The server's buffer: one byte more than the longest message (src/main.rs, serve).
    .buffer(MAX_MESSAGE + 1)
}

testkit::hostile_udp_battery!(target);
