#![cfg(not(any(feature = "exercise", feature = "variant")))]
#![cfg(target_os = "linux")]

//! A crowd: a thousand members join at once, then one of them speaks, and every other member must
//! get the line. The server is stopped (SIGSTOP) while they connect and send their nicknames,
//! so that it meets all the arrivals in one burst. Each arrival used to be a notice in every
//! inbox of a 256-message ring: the first members fell more than 256 behind before they had a
//! turn, and were dropped "too slow" because others joined.

use testkit::hostile::{kill, prlimit};
use testkit::Server;

mod members;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-16-chat");

/// Far more than the 256 messages a member may fall behind (--queue's default): with 300,
/// the members' turns came often enough that none fell 256 behind.
const CROWD: usize = 1000;

#[test]
fn a_thousand_members_joining_at_once_all_get_the_first_line() {
    // Both this process and the server (which inherits the limit) hold CROWD sockets: raise
    // the soft descriptor limit (often 1024) as far as the hard one allows.
    let me = std::process::id().to_string();
    prlimit(&["--pid", &me, &format!("--nofile={}:", 2 * CROWD + 100)]);
    let somaxconn = std::fs::read_to_string("/proc/sys/net/core/somaxconn").unwrap_or_default();
    let somaxconn: usize = somaxconn.trim().parse().unwrap_or(0);
    assert!(
        somaxconn >= CROWD,
        "net.core.somaxconn is {somaxconn} here: no listener may queue {CROWD} connections \
         (it is 4096 by default since Linux 5.4; sysctl -w net.core.somaxconn=4096)"
    );
    let server = Server::start(BIN, &["--quiet"]);
    kill("STOP", server.pid());
    let mut members = members::arrive(server.addr, CROWD);
    kill("CONT", server.pid());
    members::welcomed(&mut members);
    members::everyone_hears_m0(&mut members, "hello, crowd");
}
