//! Lesson 08's exercise: the server's lingering close. After its answer, the server ends its
//! sending direction, then reads and throws away whatever the client still sends, until the
//! client's end of stream, within limits. It prints nothing: it works on a [`Closing`] (the
//! lesson's narrates each call; the checks use a plain `&TcpStream`) and says how the
//! client ended with an [`Ending`].

use std::io;
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-08-close` checks
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
pub use exercise::finish;

// ANCHOR: given
/// The calls `finish` may make on the connection, each one system call. The lesson's
/// implementation narrates them; `&TcpStream`'s (below) just makes them.
pub trait Closing {
    /// shutdown(2): `Shutdown::Write` ends our sending direction (the kernel sends FIN after
    /// the bytes still queued); `Read` and `Both` end receiving too.
    fn shutdown(&mut self, how: Shutdown) -> io::Result<()>;
    /// setsockopt(SO_RCVTIMEO): how long each following recv() may wait before it fails with
    /// `WouldBlock` (Unix) or `TimedOut` (Windows). Zero is refused: `InvalidInput`.
    fn set_read_timeout(&mut self, limit: Duration) -> io::Result<()>;
    /// recv(2): up to `buf.len()` bytes. `Ok(0)` is the end of stream — or an empty `buf`.
    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize>;
}

/// The limits of the linger: a client cannot hold the server longer, nor make it read more.
#[derive(Clone, Copy, Debug)]
pub struct Linger {
    /// The longest the whole of `finish` may wait for the client.
    pub deadline: Duration,
    /// The most bytes `finish` may read (and throw away).
    pub max_discard: usize,
}

/// How the client ended, as `finish` saw it; `discarded`: the bytes it read and threw away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The client closed its side: recv() returned 0, end of stream.
    Closed { discarded: usize },
    /// The deadline passed first.
    TimedOut { discarded: usize },
    /// `max_discard` bytes were read before any end of stream: no more are.
    TooMuch { discarded: usize },
    /// The client reset the connection.
    Reset { discarded: usize },
}
// ANCHOR_END: given

/// The plain calls, for a connection that nobody narrates.
impl Closing for &TcpStream {
    fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        TcpStream::shutdown(self, how)
    }

    fn set_read_timeout(&mut self, limit: Duration) -> io::Result<()> {
        TcpStream::set_read_timeout(self, Some(limit))
    }

    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        io::Read::read(self, buf)
    }
}
