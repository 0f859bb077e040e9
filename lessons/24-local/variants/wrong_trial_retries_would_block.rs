// WRONG: retries when recvmsg() fails with WouldBlock: the socket's read timeout never ends
// the wait, and the caller hangs as long as the peer stays silent.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use crate::ControlBuffer;

pub fn recv_fd(socket: &UnixStream) -> io::Result<OwnedFd> {
    let mut data = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: data.as_mut_ptr().cast(),
        iov_len: data.len(),
    };
    let mut control = ControlBuffer::new();
    // SAFETY: zeroed is a valid msghdr; the pointers set below outlive the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.0.as_mut_ptr().cast();
    // Room for exactly one descriptor.
    msg.msg_controllen = unsafe { libc::CMSG_SPACE(std::mem::size_of::<RawFd>() as u32) } as _;
    // MSG_CMSG_CLOEXEC: the new descriptor is close-on-exec from its first instant.
    let n = loop {
        let n = unsafe { libc::recvmsg(socket.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
        if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::WouldBlock {
            continue;
        }
        break n;
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    if n == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "end of stream: the peer closed without sending a descriptor",
        ));
    }
    // Own every descriptor that came first: an error below then closes them. CMSG_SPACE
    // rounds up to the header's alignment, so room for one int is room for two on 64-bit.
    let mut fds = Vec::new();
    // SAFETY: the kernel filled msg_control and set msg_controllen to what it wrote; the
    // header's cmsg_len says how many ints follow it.
    unsafe {
        let header = libc::CMSG_FIRSTHDR(&msg);
        if !header.is_null()
            && (*header).cmsg_level == libc::SOL_SOCKET
            && (*header).cmsg_type == libc::SCM_RIGHTS
        {
            let bytes = (*header).cmsg_len as usize - libc::CMSG_LEN(0) as usize;
            let first = libc::CMSG_DATA(header).cast::<RawFd>();
            for i in 0..bytes / std::mem::size_of::<RawFd>() {
                fds.push(OwnedFd::from_raw_fd(std::ptr::read_unaligned(first.add(i))));
            }
        }
    }
    if msg.msg_flags & libc::MSG_CTRUNC != 0 || fds.len() > 1 {
        let why = "more than one descriptor came; the ones that arrived are closed";
        return Err(io::Error::new(io::ErrorKind::InvalidData, why));
    }
    let none = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "no descriptor came with the byte",
        )
    };
    fds.pop().ok_or_else(none)
}
