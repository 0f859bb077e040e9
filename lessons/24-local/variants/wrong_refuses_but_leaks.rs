// WRONG: refuses a message of several descriptors, as it should, but keeps them as plain
// numbers (RawFd) and makes an OwnedFd only of the one it returns: on the way out with an
// error, every descriptor that arrived stays open in this process (leaked), and the peer of
// each passed socket never sees it closed.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

#[allow(unused_imports)]
use crate::ControlBuffer;

pub fn recv_fd(socket: &UnixStream) -> io::Result<OwnedFd> {
    let mut data = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: data.as_mut_ptr().cast(),
        iov_len: 1,
    };
    let mut control = ControlBuffer::new();
    // SAFETY: zeroed is a valid msghdr; the pointers set below outlive the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = control.0.len() as _;
    let n = unsafe { libc::recvmsg(socket.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    // Every descriptor that came, by number.
    let mut fds: Vec<RawFd> = Vec::new();
    // SAFETY: the headers are walked with CMSG_FIRSTHDR/NXTHDR within msg_controllen.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let bytes = (*cmsg).cmsg_len as usize - libc::CMSG_LEN(0) as usize;
                let count = bytes / std::mem::size_of::<RawFd>();
                let data = libc::CMSG_DATA(cmsg) as *const RawFd;
                for i in 0..count {
                    fds.push(std::ptr::read_unaligned(data.add(i)));
                }
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    if n == 0 && fds.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the peer closed",
        ));
    }
    if msg.msg_flags & libc::MSG_CTRUNC != 0 || fds.len() > 1 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "more than one descriptor",
        ));
    }
    // SAFETY: the one descriptor that came is ours from now on.
    fds.pop()
        .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) })
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "a byte without a descriptor"))
}
