//! Lesson 06's exercise, and what it is given: `send_all` works on a [`Sender`], anything
//! with a `send()` that may take fewer bytes than offered (the lesson's is a real socket; the
//! tests' are a real socket too, and fakes that take a few bytes at a time). It prints
//! nothing: the lesson narrates around it, and the tests check the bytes that arrive.

use std::io;

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
/// What `send_all` needs from a connection: ONE `send()`.
pub trait Sender {
    /// One `send()`: the kernel copies the FIRST `n` bytes of `bytes` into its send buffer
    /// and returns `Ok(n)`. `n` may be smaller than `bytes.len()`: the rest was not sent.
    fn send(&mut self, bytes: &[u8]) -> io::Result<usize>;
}

/// Anything that can be written to is a `Sender`: a socket (`&Socket`, `&TcpStream`), or
/// the lesson's narrated socket. Its `write` is one `send()`.
impl<W: io::Write> Sender for W {
    fn send(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.write(bytes)
    }
}
// ANCHOR_END: sender
