//! Lesson 04's exercise, and what it is given: the accept loop works on a [`Listener`] (the
//! lesson's narrates each `accept()`; the tests' one counts the calls and can make them fail)
//! and hands each connection to a `serve` function. It prints nothing: the lesson narrates
//! around it, and the tests check what it does.

use std::io::ErrorKind;
use std::net::SocketAddr;

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

    /// Wait a little before the next `accept()`, after one that failed for a passing reason.
    fn pause(&mut self);
}
// ANCHOR_END: listener

// ANCHOR: worth_retrying
/// Should the server try accept() again after this error? Almost always: accept(2) lists
/// errors that belong to one connection or to a passing shortage, not to the listener:
/// ECONNABORTED (a client gave up while it waited in the queue), EINTR (a signal), EMFILE and
/// ENFILE (no file descriptor left, for now), ENOBUFS and ENOMEM (no buffer memory, for now),
/// EPERM (a firewall rule refused this connection), and the network errors Linux passes on
/// from the new connection (ENETDOWN, EPROTO, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH,
/// EOPNOTSUPP, ENETUNREACH). Only EINVAL (the socket is not listening) is the program's own
/// mistake, and trying again cannot fix it. (EBADF, ENOTSOCK and EFAULT cannot happen with a
/// `Socket` we made ourselves.)
pub fn worth_retrying(err: &LessonError) -> bool {
    err.kind() != Some(ErrorKind::InvalidInput)
}
// ANCHOR_END: worth_retrying
