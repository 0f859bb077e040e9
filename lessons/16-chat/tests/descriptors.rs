#![cfg(not(any(feature = "exercise", feature = "variant")))]
#![cfg(target_os = "linux")]

//! Every member is a socket, every socket a descriptor. Started with a soft limit of 64 open
//! descriptors, the server must still seat 200 members: it raises its own limit (up to the hard
//! one) before it listens. Without that, the 60-odd-th accept() fails with EMFILE, and the
//! members after it wait in the queue until their welcome never comes.
//! (Alone in its file: it changes this test process's limit, which the server inherits.)

use testkit::hostile::prlimit;
use testkit::Server;

mod members;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-16-chat");

const MEMBERS: usize = 200;

#[test]
fn a_low_descriptor_limit_does_not_turn_members_away() {
    let me = std::process::id().to_string();
    // The server inherits 64; then this process takes back what its own members need.
    prlimit(&["--pid", &me, "--nofile=64:"]);
    let server = Server::start(BIN, &["--quiet"]);
    prlimit(&["--pid", &me, &format!("--nofile={}:", 2 * MEMBERS + 100)]);
    let mut members = members::arrive(server.addr, MEMBERS);
    members::welcomed(&mut members);
    members::everyone_hears_m0(&mut members, "all here");
}
