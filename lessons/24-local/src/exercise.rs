// Lesson 24's exercise: receive a descriptor. Yours to write.
//
// Check it:       cargo exercise lesson-24-local
// Stuck?          cargo hint lesson-24-local      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-24-local   (the child process calls it)

use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;

#[allow(unused_imports)]
use crate::ControlBuffer;

// ANCHOR: exercise
/// Receive one descriptor that the peer sent with `send_fd`: one byte of data, and an
/// SCM_RIGHTS control message holding one descriptor.
///
/// The contract (what the checks test):
/// - Returns the new descriptor, owned (closed when dropped). It is a working descriptor for
///   what the peer sent: the checks use it.
/// - It is close-on-exec (FD_CLOEXEC) from the start: a program this process starts later
///   does not inherit it. "From the start": as the kernel creates it, not by a later call
///   (one check runs your function where fcntl(F_SETFD), fcntl(F_DUPFD_CLOEXEC),
///   ioctl(FIOCLEX) and dup3() fail with EPERM).
/// - It waits for the descriptor as long as the socket lets it (the socket is blocking; the
///   caller may have set a read timeout). A timeout that expires is the call's error
///   (`WouldBlock`), returned at once: no second try.
/// - It reads exactly one byte of data per call: nothing after the descriptor's byte, and
///   nothing glued before it.
/// - End of stream (the peer closed, nothing came): an error of kind `UnexpectedEof`.
/// - A byte that came without a descriptor: an error of kind `InvalidData` (even if a
///   descriptor follows it: the next call takes that one).
/// - More than one descriptor in the message: an error of kind `InvalidData` (the kernel
///   delivers what fits in your control buffer and drops the rest; it says so in the flags).
///   A descriptor that did arrive is closed, not leaked.
/// - Any other failure of the call is returned as its error. Print nothing.
pub fn recv_fd(socket: &UnixStream) -> io::Result<OwnedFd> {
    let _ = socket;
    todo!("recvmsg() with room for one descriptor")
}
// ANCHOR_END: exercise
