//! The exercise's checks: your `recv_fd` runs here on real socketpairs, with descriptors sent
//! by `send_fd` (or, for two at once, by the sendmsg() below). The checks look at what it
//! returns and what the descriptor it returns can do, never at what anything prints.
//! (`cargo exercise lesson-24-local` runs them on src/exercise.rs.) Linux only, as the lesson's
//! descriptor passing is.
#![cfg(target_os = "linux")]

use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use lesson_24_local::{recv_fd, send_fd, ControlBuffer};
use testkit::{fail, yours};

/// A connected pair, the receiving side with a timeout: (sender, receiver).
fn pair() -> (UnixStream, UnixStream) {
    let (sender, receiver) = UnixStream::pair().expect("socketpair()");
    receiver.set_read_timeout(Some(testkit::timeout())).unwrap();
    (sender, receiver)
}

/// Your function on the receiving side, with what it returned shown for a report.
fn received(receiver: &UnixStream) -> std::io::Result<OwnedFd> {
    yours(|| recv_fd(receiver))
}

fn shown(result: &std::io::Result<OwnedFd>) -> String {
    match result {
        Ok(fd) => format!("Ok(descriptor {})", fd.as_raw_fd()),
        Err(e) => format!("Err(kind {:?}: {e})", e.kind()),
    }
}

/// A descriptor that came: one end of another socketpair, whose other end we keep.
fn passed_socket() -> (OwnedFd, UnixStream) {
    let (sender, receiver) = pair();
    let (ours, theirs) = UnixStream::pair().expect("socketpair()");
    send_fd(&sender, theirs.as_fd()).expect("sendmsg(SCM_RIGHTS)");
    drop(theirs); // only the copy in flight is left
    let result = received(&receiver);
    match result {
        Ok(fd) => (fd, ours),
        Err(_) => fail(
            "A descriptor was sent with one byte, and your recv_fd did not return it.",
            "Ok(a new descriptor)",
            &shown(&result),
        ),
    }
}

#[test]
fn the_descriptor_that_came_works() {
    let (fd, mut ours) = passed_socket();
    let mut theirs = UnixStream::from(fd);
    theirs
        .write_all(b"through the passed descriptor")
        .expect("send() on the descriptor you returned");
    drop(theirs);
    let mut got = Vec::new();
    ours.set_read_timeout(Some(testkit::timeout())).unwrap();
    ours.read_to_end(&mut got).expect("recv()");
    if got != b"through the passed descriptor" {
        fail(
            "Bytes written on the descriptor you returned did not reach the socket it was sent for.",
            "b\"through the passed descriptor\"",
            &format!("b\"{}\"", got.escape_ascii()),
        );
    }
}

#[test]
fn the_descriptor_is_close_on_exec() {
    let (fd, _ours) = passed_socket();
    // SAFETY: fcntl(F_GETFD) only reads the descriptor's flags.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
    if flags < 0 || flags & libc::FD_CLOEXEC == 0 {
        fail(
            "The descriptor you returned is not close-on-exec: a program this process starts \
             would inherit it.",
            "FD_CLOEXEC set",
            &format!("fcntl(F_GETFD) = {flags}"),
        );
    }
}

#[test]
fn end_of_stream_is_unexpected_eof() {
    let (sender, receiver) = pair();
    drop(sender);
    let result = received(&receiver);
    if !matches!(&result, Err(e) if e.kind() == ErrorKind::UnexpectedEof) {
        fail(
            "The peer closed without sending anything: that is the end of the stream.",
            "Err(kind UnexpectedEof)",
            &shown(&result),
        );
    }
}

#[test]
fn a_byte_without_a_descriptor_is_invalid_data() {
    let (mut sender, receiver) = pair();
    sender.write_all(b"F").expect("send()");
    let result = received(&receiver);
    if !matches!(&result, Err(e) if e.kind() == ErrorKind::InvalidData) {
        fail(
            "One byte came, with no control message: there is no descriptor to return.",
            "Err(kind InvalidData)",
            &shown(&result),
        );
    }
}

#[test]
fn two_descriptors_at_once_are_refused() {
    // Room for one int is room for two on 64-bit (CMSG_SPACE rounds up): both may arrive.
    more_than_one(2);
}

#[test]
fn three_descriptors_at_once_are_refused() {
    // Too many for any buffer sized for one: the kernel keeps some and sets MSG_CTRUNC.
    more_than_one(3);
}

#[track_caller]
fn more_than_one(count: usize) {
    let (sender, receiver) = pair();
    let pairs: Vec<_> = (0..count)
        .map(|_| UnixStream::pair().expect("socketpair()"))
        .collect();
    let fds: Vec<RawFd> = pairs.iter().map(|(a, _)| a.as_raw_fd()).collect();
    send_many(&sender, &fds);
    let result = received(&receiver);
    if !matches!(&result, Err(e) if e.kind() == ErrorKind::InvalidData) {
        fail(
            &format!(
                "{count} descriptors came in one message. Returning one of them hides the \
                 others (those that fitted in your control buffer, or the ones the kernel \
                 dropped, saying so with MSG_CTRUNC)."
            ),
            "Err(kind InvalidData)",
            &shown(&result),
        );
    }
    // Every descriptor that came is closed now (yours, or the kernel's for those that did not
    // fit): with our own copies closed too, the other end of each socket reads the end of the
    // stream at once. A copy still open somewhere in this process leaves it waiting. (Not a
    // non-blocking read: another check's fork() holds a copy of every descriptor until its
    // exec(), for a moment.)
    let mut leaked = 0;
    for (ours, mut other) in pairs {
        drop(ours);
        let moment = std::time::Duration::from_secs(1);
        other.set_read_timeout(Some(moment)).unwrap();
        if !matches!(other.read(&mut [0u8; 1]), Ok(0)) {
            leaked += 1;
        }
    }
    if leaked > 0 {
        fail(
            &format!(
                "{count} descriptors came in one message and your recv_fd refused them, but \
                 left {leaked} of them open: a descriptor that arrived is yours to close."
            ),
            "every descriptor that arrived closed",
            &format!("{leaked} of {count} still open"),
        );
    }
}

/// sendmsg() with one byte and several descriptors in one SCM_RIGHTS message.
fn send_many(sender: &UnixStream, fds: &[RawFd]) {
    let data = [b'F'];
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: 1,
    };
    let mut control = ControlBuffer::new();
    let size = std::mem::size_of_val(fds) as u32;
    // SAFETY: as in send_fd (src/lib.rs), with room for every int (64 bytes hold 12).
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.0.as_mut_ptr().cast();
        msg.msg_controllen = libc::CMSG_SPACE(size) as _;
        let header = libc::CMSG_FIRSTHDR(&msg);
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(size) as _;
        let data = libc::CMSG_DATA(header).cast::<RawFd>();
        for (i, fd) in fds.iter().enumerate() {
            std::ptr::write_unaligned(data.add(i), *fd);
        }
        assert_eq!(libc::sendmsg(sender.as_raw_fd(), &msg, 0), 1, "sendmsg()");
    }
}
