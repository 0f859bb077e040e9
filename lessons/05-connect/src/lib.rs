//! Lesson 05's exercise, and what it is given: `connect_first` tries the addresses of a server
//! in order, as `TcpStream::connect` does with every address a name resolves to. It makes its
//! system calls through [`Connector`] (the lesson's narrates each one, the tests' logs them and
//! can make them fail) and prints nothing.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use socket2::Socket;

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
/// The two system calls a client needs to connect.
pub trait Connector {
    /// `socket()`: a new TCP socket, unconnected, of the family of `addr` (IPv4 or IPv6).
    fn socket(&mut self, addr: SocketAddr) -> io::Result<Socket>;

    /// `connect()` on `socket`, giving up after `timeout`: `Ok` once the handshake is done;
    /// else the error, e.g. `ErrorKind::ConnectionRefused` (the machine answered RST: nobody
    /// listens there) or `ErrorKind::TimedOut` (no answer at all within `timeout`).
    fn connect_timeout(
        &mut self,
        socket: &Socket,
        addr: SocketAddr,
        timeout: Duration,
    ) -> io::Result<()>;
}
// ANCHOR_END: connector
