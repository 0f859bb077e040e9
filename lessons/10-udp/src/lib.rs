//! Lesson 10's exercise, and what it is given: the protocol (`message`, `parse`,
//! `MAX_MESSAGE`), `is_timeout`, and [`Datagrams`], what `request` needs from a UDP socket.
//! The lesson's `Link` is a real socket that narrates each call and can lose a datagram on
//! purpose; the tests' fake is a network with a clock of its own. `request` prints nothing.

use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-10-udp` checks
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
pub use exercise::request;

/// The longest message the protocol allows, in bytes.
pub const MAX_MESSAGE: usize = 64;

// ANCHOR: protocol
/// A request or an answer: `<seq> <text>` as bytes.
pub fn message(seq: u32, text: &[u8]) -> Vec<u8> {
    let mut datagram = format!("{seq} ").into_bytes();
    datagram.extend_from_slice(text);
    datagram
}

/// Split a datagram into its sequence number and its text; `None` if it is not
/// `<number> <text>`, or is longer than `MAX_MESSAGE` (then a receive buffer one byte longer
/// than that cut it: the rest is gone). (A datagram is one whole message: no need to look for
/// a newline.)
pub fn parse(datagram: &[u8]) -> Option<(u32, &[u8])> {
    if datagram.len() > MAX_MESSAGE {
        return None;
    }
    let space = datagram.iter().position(|&b| b == b' ')?;
    let digits = std::str::from_utf8(&datagram[..space]).ok()?;
    let seq = digits.parse().ok()?;
    Some((seq, &datagram[space + 1..]))
}

/// Did a receive end because the read timeout (SO_RCVTIMEO) ran out? Unix reports that as
/// `WouldBlock`, Windows as `TimedOut`.
pub fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
// ANCHOR_END: protocol

// ANCHOR: datagrams
/// What `request` needs from a UDP socket.
pub trait Datagrams {
    /// How long the first try of a request waits for its answer.
    fn first_wait(&self) -> Duration;

    /// The moment a try that waits `wait` ends: now + `wait`.
    fn deadline(&mut self, wait: Duration) -> Instant;

    /// `sendto()`: send one datagram to `to`.
    fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> io::Result<usize>;

    /// `recvfrom()`: the next datagram that arrives (its length in `buf`, and who sent it),
    /// waiting no later than `deadline`; past it, an error for which `is_timeout` is true.
    fn recv_from(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<(usize, SocketAddr)>;
}
// ANCHOR_END: datagrams
