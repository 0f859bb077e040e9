//! Lesson 04's exercise, and what it is given: the accept loop works on a [`Listener`] (the
//! lesson's narrates each `accept()` and sleeps when asked to pause; the tests' one plays a
//! script of accept() results and writes down the pauses) and hands each connection to a
//! `serve` function. It prints nothing: the lesson narrates
//! around it, and the tests check what it does.

use std::net::SocketAddr;
use std::time::Duration;

use common::{LessonError, Result};
use socket2::Socket;

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-04-accept` checks
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
pub use exercise::accept_loop;

// ANCHOR: listener
/// What the accept loop needs from a listening socket.
pub trait Listener {
    /// One `accept()`: the next connection from the queue, on a new socket, and its peer's
    /// address.
    fn accept(&mut self) -> Result<(Socket, SocketAddr)>;

    /// Wait `how_long` before the next `accept()`. (The lesson's listener sleeps; the checks'
    /// one only writes down how long it was asked to wait.)
    fn pause(&mut self, how_long: Duration);
}
// ANCHOR_END: listener

// ANCHOR: errno
/// The error number (`errno`) a failed call left, to compare with `libc::EMFILE` and the
/// others of accept(2)'s ERRORS section; `None` for an error that came from no system call.
pub fn errno(err: &LessonError) -> Option<i32> {
    err.source.as_ref().and_then(|e| e.raw_os_error())
}
// ANCHOR_END: errno
