//! Lesson 02's exercise: `bind_in_range` binds a socket to the first free port of a range, as
//! a development server does when its port is taken. It prints nothing: the lesson hands it a
//! `bind(addr)` that narrates each attempt (socket, setsockopt, bind), and the tests hand it
//! one that records each attempt and says which ports are taken.

use std::io;
use std::net::{IpAddr, SocketAddr};

use socket2::{Domain, SockAddr, Socket, Type};

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-02-bind` checks
// it), src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
#[cfg(not(feature = "variant"))]
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(not(feature = "exercise"), path = "solution.rs")]
mod exercise;
#[cfg(feature = "variant")]
mod exercise {
    include!(env!(
        "LESSON_VARIANT",
        "set LESSON_VARIANT to the variant's path (cargo xtask verify-exercises does)"
    ));
}
pub use exercise::bind_in_range;

/// The demo's stage, not one of its lessons: two ports in a row that nobody uses, so that every
/// run shows the same two dev servers (and the tests can take a port and leave the next free).
/// They are looked for below the ephemeral ranges (Linux 32768-60999, macOS and Windows
/// 49152-65535), where no connection takes a port. `probe(addr)` says whether a port is free
/// (it binds a socket to it and closes it again: the lesson narrates each call, the tests use
/// [`port_is_free`]); its error other than a taken port ends the search. Returns the first of
/// the two.
pub fn two_free_ports(
    ip: IpAddr,
    mut probe: impl FnMut(SocketAddr) -> io::Result<bool>,
) -> io::Result<u16> {
    // Each process starts somewhere else, so that two runs at once look in different places:
    // 24 ports apart, room for the pair and the ten ports of the dev servers after it. (Two
    // apart, a demo started just after another, its process id one higher, probed the ten
    // ports the first one's dev servers were taking: 2 runs in 150 of the lesson's tests
    // failed that way, 2026-12-03.)
    let start = 20_000 + (std::process::id() % 500) as u16 * 24;
    for port in (start..32_000).chain(20_000..start).step_by(2) {
        if probe(SocketAddr::new(ip, port))? && probe(SocketAddr::new(ip, port + 1))? {
            return Ok(port);
        }
    }
    let why = "no two free ports in a row between 20000 and 32000";
    Err(io::Error::new(io::ErrorKind::AddrInUse, why))
}

/// Is `addr`'s port free for a server that sets SO_REUSEADDR? A socket bound to it and closed
/// again, quietly: `Ok(false)` if another socket holds it.
pub fn port_is_free(addr: SocketAddr) -> io::Result<bool> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    // The lesson's servers set SO_REUSEADDR: a port that only a connection in TIME_WAIT holds
    // (an earlier run's) is free for them.
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    match socket.bind(&SockAddr::from(addr)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => Ok(false),
        Err(e) => Err(e),
    }
}
