//! Lesson 06's exercise, and what it is given: `send_all` works on a [`Sender`], anything
//! with a `send()` that may take fewer bytes than offered and a send timeout (the lesson's is a
//! real socket; the tests' are a real socket too, and fakes that follow a script). It prints
//! nothing: the lesson narrates around it, and the tests check the bytes that arrive.

use std::io;
use std::time::Duration;

use socket2::Socket;

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-06-send` checks
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
pub use exercise::send_all;

// ANCHOR: sender
/// What `send_all` needs from a connection: ONE `send()`, and the socket's send timeout
/// (SO_SNDTIMEO: how long one blocking `send()` may wait for room before giving up).
pub trait Sender {
    /// One `send()`: the kernel copies the FIRST `n` bytes of `bytes` into its send buffer
    /// and returns `Ok(n)`. `n` may be smaller than `bytes.len()`: the rest was not sent.
    /// If the send timeout runs out first, it returns what it took so far, or, if it took
    /// nothing, an error of kind `WouldBlock` (`TimedOut` on some systems).
    fn send(&mut self, bytes: &[u8]) -> io::Result<usize>;
    /// The send timeout in force: `None` means a `send()` may wait for ever.
    fn send_timeout(&self) -> io::Result<Option<Duration>>;
    /// Set the send timeout for the `send()` calls that follow. Like std's
    /// `set_write_timeout`, `Some(Duration::ZERO)` is refused (`InvalidInput`).
    fn set_send_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()>;
}

/// A real socket is a `Sender`: its `write` is one `send()`.
impl Sender for &Socket {
    fn send(&mut self, bytes: &[u8]) -> io::Result<usize> {
        io::Write::write(self, bytes)
    }
    fn send_timeout(&self) -> io::Result<Option<Duration>> {
        self.write_timeout()
    }
    fn set_send_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        self.set_write_timeout(timeout)
    }
}
// ANCHOR_END: sender

// ANCHOR: unsent
/// Why `send_all` stopped before the end of the message, and how far it got.
#[derive(Debug)]
pub struct Unsent {
    /// How many bytes of the message the kernel took (the peer may get them).
    pub sent: usize,
    /// What stopped it: kind `TimedOut` when the deadline passed.
    pub error: io::Error,
}
// ANCHOR_END: unsent

impl std::fmt::Display for Unsent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} after {} bytes", self.error, self.sent)
    }
}

impl std::error::Error for Unsent {}

/// The lesson reports an `Unsent` as the io::Error it carries, as it is.
impl From<Unsent> for io::Error {
    fn from(unsent: Unsent) -> io::Error {
        unsent.error
    }
}
