//! Lesson 02's exercise: `bind_pair` binds two sockets to a pair of ports of a range, an even
//! one and the next, as an RTP media session takes them, the search starting where the caller
//! says and going round the range (RFC 6056, section 3.3.1). It prints nothing: the lesson hands it
//! a `bind(addr)` that narrates each attempt (socket, setsockopt, bind), and the tests hand it
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
pub use exercise::bind_pair;

/// The demo's stage, not one of its lessons: `count` ports in a row that nobody uses, the first
/// of them even, so that every run shows the same story (and the tests can hold some of them
/// and leave the others free). Returns the first.
///
/// Unlike the exercise, it holds nothing: `probe(addr)` binds a socket to the port and closes
/// it again (the lesson narrates each call, the tests use [`port_is_free`]); its error other
/// than a taken port ends the search. And it looks at whole windows of ports, not pairs: one
/// taken port rules out its window, and the next window is tried. The windows are below the
/// ephemeral ranges (Linux 32768-60999, macOS and Windows 49152-65535), where no connection
/// takes a port.
pub fn free_ports(
    ip: IpAddr,
    count: u16,
    mut probe: impl FnMut(SocketAddr) -> io::Result<bool>,
) -> io::Result<u16> {
    // Windows of 24 ports from 20000 on, and each process starts at a window of its own, so
    // that two runs at once look in different places. (Two ports apart, a demo started just
    // after another, its process id one higher, probed the ports the first one's servers were
    // taking: 2 runs in 150 of the lesson's tests failed that way, 2026-12-03.)
    const WINDOW: u16 = 24;
    const WINDOWS: u32 = 500; // 20000 + 500 * 24 = 32000
    assert!(count <= WINDOW, "at most {WINDOW} ports in a row");
    let own = std::process::id() % WINDOWS;
    'windows: for k in 0..WINDOWS {
        let low = 20_000 + ((own + k) % WINDOWS) as u16 * WINDOW;
        for port in low..low + count {
            if !probe(SocketAddr::new(ip, port))? {
                continue 'windows;
            }
        }
        return Ok(low);
    }
    let why = format!("no {count} free ports in a row between 20000 and 32000");
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
