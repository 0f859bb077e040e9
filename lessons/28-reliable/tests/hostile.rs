//! What strangers can do to lesson 28's receiver (testkit::hostile::udp): garbage, bytes that
//! are not UTF-8, empty datagrams, oversized ones, a flood from 32 ports that never read,
//! clients that vanish, a stop and continue. The receiver takes ONE stream, from the first
//! sender whose Data or End comes, then exits: so the strangers here send what must never
//! take that place (an Ack: a receiver's packet; garbage; a Data too long to be one), and
//! after them the lesson's sender must deliver its stream and the receiver exit with code 0.
//! Reference build only.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::net::UdpSocket;

use lesson_28_reliable::Packet;
use testkit::hostile::udp::Udp;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-28-reliable");

/// What the normal sender sends: a few packets' worth.
fn text() -> Vec<u8> {
    b"every byte, once, in order\n".repeat(100)
}

fn normal(addr: std::net::SocketAddr) {
    testkit::lesson(BIN)
        .client(addr)
        .stdin(&text())
        .run()
        .success();
}

fn target() -> Udp {
    // A stranger's Ack: a valid packet, but one a receiver never takes from anyone.
    Udp::server(BIN, &[], &Packet::Ack { next: 0 }.encode(), normal)
        // The longest valid datagram (a Data with MAX_PAYLOAD bytes) + 1: `oversized` sends
        // longer ones, which the receiver must not take (its buffer holds 65,536 bytes, so
        // none is cut: the length check is Packet::parse's).
        .buffer(1 + 4 + Packet::MAX_PAYLOAD + 1)
        .one_exchange()
        // `D` + 4 bytes + up to 1200 IS a Data packet, `E` + 4 bytes an End: by the spec the
        // first one to come, from anyone, opens the stream (chapter 28 says so). Garbage that
        // happens to start with D would be a stranger's valid first packet, not garbage.
        .garbage_avoids(b"DE")
        .skip(
            "vanish",
            "a receiver takes one stream and waits for its sender up to Config::idle (30 s, \
             no flag to shorten it): the stranger that vanishes must not be its sender, and an \
             Ack from one that vanished is the garbage case again",
        )
}

testkit::hostile_udp_battery!(target);

/// A Data packet too long to be one (payload over MAX_PAYLOAD), from a stranger, first: the
/// receiver must not take its sender for the stream's; the real sender's stream comes through.
#[test]
fn an_oversized_data_from_a_stranger_does_not_take_the_senders_place() {
    let server = testkit::Server::start(BIN, &[]);
    let stranger = UdpSocket::bind("127.0.0.1:0").unwrap();
    for payload in [Packet::MAX_PAYLOAD + 1, 65_000] {
        let mut datagram = Packet::Data {
            seq: 0,
            payload: vec![b'x'; Packet::MAX_PAYLOAD],
        }
        .encode();
        datagram.resize(1 + 4 + payload, b'x');
        stranger.send_to(&datagram, server.addr).unwrap();
    }
    normal(server.addr);
    let run = server.finish();
    run.success();
    assert!(
        run.stdout
            .contains(&format!("received {} bytes", text().len())),
        "{}",
        run.transcript()
    );
}
