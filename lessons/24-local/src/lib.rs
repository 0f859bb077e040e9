//! Lesson 24's exercise, `recv_fd`, and what it is given: [`send_fd`], the sending side, and
//! [`ControlBuffer`], room for control messages. The function prints nothing: the lesson
//! narrates around it (`recvmsg(…)` in the child, main.rs), and tests/exercise.rs checks what
//! it returns and what the descriptor it returns can do.
//!
//! Linux only: passing a descriptor works on every Unix (SCM_RIGHTS, unix(7)), but this code
//! uses Linux's MSG_CMSG_CLOEXEC, and Linux is where its tests run.

#![cfg(target_os = "linux")]

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-24-local` checks it),
// src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
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
pub use exercise::recv_fd;

// ANCHOR: control
/// Room for control messages, aligned as a `cmsghdr` must be: `CMSG_FIRSTHDR` points at its
/// first byte, and the kernel writes a header there. 64 bytes hold a header and several
/// descriptors; say how much of it the kernel may use in `msg_controllen`.
#[repr(C, align(8))]
pub struct ControlBuffer(pub [u8; 64]);

impl ControlBuffer {
    pub fn new() -> Self {
        ControlBuffer([0; 64])
    }
}

impl Default for ControlBuffer {
    fn default() -> Self {
        Self::new()
    }
}
// ANCHOR_END: control

// ANCHOR: send_fd
/// Send the descriptor `fd` to the peer of `socket`: one byte of data (`b"F"`: a stream
/// socket sends no message of 0 bytes, and a control message needs one to travel with), and a
/// control message of type SCM_RIGHTS holding the descriptor's number. The peer's kernel
/// installs a new descriptor for the same open file (or socket) in the receiving process, as
/// dup() would. Returns the bytes of data sent: 1.
pub fn send_fd(socket: &UnixStream, fd: BorrowedFd<'_>) -> io::Result<usize> {
    let data = [b'F'];
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    let mut control = ControlBuffer::new();
    // SAFETY: a zeroed msghdr is valid (no iovec, no control); the pointers set below point
    // at `iov` and `control`, which outlive the sendmsg() call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.0.as_mut_ptr().cast();
    // SAFETY: CMSG_SPACE and CMSG_LEN only compute sizes.
    let int = std::mem::size_of::<RawFd>() as u32;
    msg.msg_controllen = unsafe { libc::CMSG_SPACE(int) } as _;
    // SAFETY: msg_control points at an aligned buffer of msg_controllen bytes, room for one
    // header and one int; CMSG_FIRSTHDR and CMSG_DATA point inside it.
    unsafe {
        let header = libc::CMSG_FIRSTHDR(&msg);
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(int) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(header).cast::<RawFd>(), fd.as_raw_fd());
    }
    // SAFETY: msg is complete; MSG_NOSIGNAL: a peer that is gone is an error (EPIPE), not a
    // SIGPIPE that ends the process.
    let sent = unsafe { libc::sendmsg(socket.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(sent as usize)
}
// ANCHOR_END: send_fd
