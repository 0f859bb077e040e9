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
/// The error number (`errno`) a failed call left, to compare with the numbers in [`errors`];
/// `None` for an error that came from no system call.
pub fn errno(err: &LessonError) -> Option<i32> {
    err.source.as_ref().and_then(|e| e.raw_os_error())
}

/// The error numbers accept(2) may give, under the names its man page uses. Each system numbers
/// them its own way, and not every system has every one: compare with these (not with
/// `libc::…`) and your loop builds and sorts right on Linux, macOS and Windows. A name this
/// system has no such error for is a stand-in, a negative number no failure ever has.
pub mod errors {
    // Linux and macOS: libc's numbers. ENONET exists on Linux only.
    #[cfg(target_os = "linux")]
    pub use libc::ENONET;
    #[cfg(unix)]
    pub use libc::{
        EBADF, ECONNABORTED, EHOSTDOWN, EHOSTUNREACH, EINTR, EINVAL, EMFILE, ENETDOWN, ENETUNREACH,
        ENFILE, ENOBUFS, ENOMEM, ENOPROTOOPT, ENOTSOCK, EOPNOTSUPP, EPERM, EPROTO,
    };
    #[cfg(not(target_os = "linux"))]
    pub const ENONET: i32 = -1;

    #[cfg(windows)]
    pub use windows::*;

    /// Windows: a socket call fails with a Windows Sockets code (`WSAE…`, winsock2.h), not
    /// with the C library's errno. These are the codes of the same meaning.
    #[cfg(windows)]
    mod windows {
        pub const EINTR: i32 = 10004; // WSAEINTR
        pub const EBADF: i32 = 10009; // WSAEBADF
        pub const EINVAL: i32 = 10022; // WSAEINVAL
        pub const EMFILE: i32 = 10024; // WSAEMFILE
        pub const ENOTSOCK: i32 = 10038; // WSAENOTSOCK
        pub const ENOPROTOOPT: i32 = 10042; // WSAENOPROTOOPT
        pub const EOPNOTSUPP: i32 = 10045; // WSAEOPNOTSUPP
        pub const ENETDOWN: i32 = 10050; // WSAENETDOWN
        pub const ENETUNREACH: i32 = 10051; // WSAENETUNREACH
        pub const ECONNABORTED: i32 = 10053; // WSAECONNABORTED
        pub const ENOBUFS: i32 = 10055; // WSAENOBUFS
        pub const EHOSTDOWN: i32 = 10064; // WSAEHOSTDOWN
        pub const EHOSTUNREACH: i32 = 10065; // WSAEHOSTUNREACH
                                             // No Windows Sockets code has these meanings: stand-ins.
        pub const EPERM: i32 = -2;
        pub const EPROTO: i32 = -3;
        pub const ENFILE: i32 = -4;
        pub const ENOMEM: i32 = -5;
    }
}
// ANCHOR_END: errno
