//! Lesson 05's exercise, and what it is given: `connect_first` tries the addresses of a server
//! staggered, in the manner of Happy Eyeballs (RFC 8305): a new try every `stagger` while the
//! earlier ones still wait, the first connection wins. It connects through [`Connector`] (the
//! lesson's narrates each call, the tests' scripts delays and outcomes and sees what is closed)
//! and prints nothing.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use socket2::{Domain, SockAddr, Socket, Type};

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-05-connect` checks
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
pub use exercise::connect_first;

// ANCHOR: connector
/// One try at connecting: `socket()`, then `connect()` with a time limit. `connect_first`
/// makes several tries at once, each on a thread of its own, hence `Send + Sync + 'static`.
pub trait Connector: Send + Sync + 'static {
    /// What a try that worked gives back: for the lesson, the connected `Socket`. Dropping it
    /// closes it.
    type Conn: Send + 'static;

    /// Connect to `addr`, giving up after `timeout`: the connection once the handshake is
    /// done; else the error, e.g. `ErrorKind::ConnectionRefused` (the machine answered RST:
    /// nobody listens there), `ErrorKind::TimedOut` (no answer at all within `timeout`), or
    /// the error of `socket()` itself (an IPv6 address on a machine without IPv6).
    fn connect(&self, addr: SocketAddr, timeout: Duration) -> io::Result<Self::Conn>;
}
// ANCHOR_END: connector

/// The plain connector: a real socket and a real connect, nothing said. (The tests use it.)
pub struct Plain;

impl Connector for Plain {
    type Conn = Socket;

    fn connect(&self, addr: SocketAddr, timeout: Duration) -> io::Result<Socket> {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
        socket.connect_timeout(&SockAddr::from(addr), timeout)?;
        Ok(socket)
    }
}
