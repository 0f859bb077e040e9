#![cfg(not(any(feature = "exercise", feature = "variant")))]
#![cfg(target_os = "linux")]

//! Every member is a socket, every socket a descriptor. Started with a soft limit of 64 open
//! descriptors, the server must still seat 200 members: it raises its own limit (up to the hard
//! one) before it listens. Without that, the 60-odd-th accept() fails with EMFILE, and the
//! members after it wait in the queue until their welcome never comes.
//! (Alone in its file: it changes this test process's limit, which the server inherits.)

use testkit::hostile::prlimit;
use testkit::{Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-16-chat");

const MEMBERS: usize = 200;

#[test]
fn a_low_descriptor_limit_does_not_turn_members_away() {
    let me = std::process::id().to_string();
    // The server inherits 64; then this process takes back what its own members need.
    prlimit(&["--pid", &me, "--nofile=64:"]);
    let server = Server::start(BIN, &["--quiet"]);
    prlimit(&["--pid", &me, &format!("--nofile={}:", 2 * MEMBERS + 100)]);
    let mut members: Vec<Conn> = (0..MEMBERS)
        .map(|k| {
            let mut conn = Conn::open(server.addr);
            conn.send(format!("m{k}\n").as_bytes());
            conn
        })
        .collect();
    for (k, conn) in members.iter_mut().enumerate() {
        conn.expect(format!("* welcome m{k}\n").as_bytes());
    }
    members[0].send(b"all here\n");
    // Members past the first 100 are not announced; the first ones get join notices first.
    for (k, conn) in members.iter_mut().enumerate().skip(1) {
        let line = loop {
            let line = conn.read_line();
            if !(line.starts_with("* m") && line.ends_with(" joined")) {
                break line;
            }
        };
        assert_eq!(line, "m0: all here", "member m{k}");
    }
}
