// CORRECT, another way: room for the whole ControlBuffer (12 descriptors), every control
// message walked with CMSG_NXTHDR, every descriptor owned at once; then exactly one must
// have come. An error returns after the OwnedFds are dropped, so nothing leaks.

use std::io::{self, Error, ErrorKind};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use crate::ControlBuffer;

pub fn recv_fd(socket: &UnixStream) -> io::Result<OwnedFd> {
    let mut byte = [0u8];
    let mut control = ControlBuffer::default();
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = control.0.len() as _;
    let got = unsafe { libc::recvmsg(socket.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
    let got = match got {
        -1 => return Err(Error::last_os_error()),
        0 => return Err(Error::new(ErrorKind::UnexpectedEof, "the peer hung up")),
        n => n,
    };
    let mut owned: Vec<OwnedFd> = Vec::new();
    let mut header = unsafe { libc::CMSG_FIRSTHDR(&msg) };
    while let Some(h) = unsafe { header.as_ref() } {
        if h.cmsg_level == libc::SOL_SOCKET && h.cmsg_type == libc::SCM_RIGHTS {
            let ints = (h.cmsg_len as usize - unsafe { libc::CMSG_LEN(0) } as usize) / 4;
            let data = unsafe { libc::CMSG_DATA(header) } as *const RawFd;
            for i in 0..ints {
                owned.push(unsafe { OwnedFd::from_raw_fd(data.add(i).read_unaligned()) });
            }
        }
        header = unsafe { libc::CMSG_NXTHDR(&msg, header) };
    }
    let truncated = msg.msg_flags & libc::MSG_CTRUNC != 0;
    match (owned.len(), truncated) {
        (1, false) => Ok(owned.remove(0)),
        (0, false) => Err(Error::new(
            ErrorKind::InvalidData,
            format!("{got} byte(s), no SCM_RIGHTS"),
        )),
        (n, _) => Err(Error::new(
            ErrorKind::InvalidData,
            format!("{n} descriptor(s), truncated: {truncated}"),
        )),
    }
}
