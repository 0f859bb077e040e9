//! What strangers can do to lesson 17's game server (testkit::hostile::udp): garbage, bytes
//! that are not UTF-8, empty datagrams, a hello longer than the server's 129-byte buffer (cut
//! by the receive: it must be ignored, not answered with a cookie), a flood of hellos and
//! garbage from 32 ports that never read, clients that vanish before their cookie, a stop and
//! continue. After each, a normal player (the lesson's client) joins and has its move applied
//! promptly, and the server's memory stayed bounded.
//! `cargo test -p lesson-17-game hostile_udp -- --nocapture` prints one line per case.
//! Reference build only.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use testkit::hostile::udp::Udp;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-17-game");

fn target() -> Udp {
    Udp::server(BIN, &[], b"hello, may I play?", |addr| {
        // Joins (hello, cookie, join), sends one move, waits until the server applied it.
        testkit::lesson(BIN)
            .client(addr)
            .args(&["--moves", "right"])
            .run()
            .success();
    })
    // MAX_DATAGRAM (128, src/main.rs) + 1: the server's receive buffer.
    .buffer(129)
}

testkit::hostile_udp_battery!(target);
