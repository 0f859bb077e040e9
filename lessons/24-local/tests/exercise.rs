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

#[test]
fn it_waits_for_a_descriptor_sent_later() {
    // recv_fd is called first; the descriptor comes a moment later, as in the lesson, where
    // the child waits while the parent accepts a connection.
    let (sender, receiver) = pair();
    let (_ours, theirs) = UnixStream::pair().expect("socketpair()");
    let later = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        send_fd(&sender, theirs.as_fd()).expect("sendmsg(SCM_RIGHTS)");
        sender
    });
    let result = received(&receiver);
    let _sender = later.join().expect("the sending thread");
    if result.is_err() {
        fail(
            "recv_fd was called 300 ms before the descriptor was sent: it must wait for it \
             (the socket is blocking; only its read timeout, 10 s here, ends the wait).",
            "Ok(a new descriptor)",
            &shown(&result),
        );
    }
}

#[test]
fn a_silent_peer_is_the_sockets_timeout() {
    // The receiving socket has a read timeout of 300 ms and its peer stays connected and
    // silent: recvmsg() fails with EAGAIN (WouldBlock), and that is the error to return.
    let (sender, receiver) = UnixStream::pair().expect("socketpair()");
    let moment = std::time::Duration::from_millis(300);
    receiver.set_read_timeout(Some(moment)).unwrap();
    // If recv_fd still waits after 3 s, end the stream so that the check can report it.
    let (done, waited) = std::sync::mpsc::channel::<()>();
    let guard = std::thread::spawn(move || {
        if waited
            .recv_timeout(std::time::Duration::from_secs(3))
            .is_err()
        {
            let _ = sender.shutdown(std::net::Shutdown::Both);
        }
        sender
    });
    let start = std::time::Instant::now();
    let result = received(&receiver);
    let took = start.elapsed();
    let _ = done.send(());
    let _sender = guard.join().expect("the guard thread");
    let expired =
        |e: &std::io::Error| matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut);
    let timed_out = matches!(&result, Err(e) if expired(e));
    if !timed_out || took > std::time::Duration::from_secs(2) {
        fail(
            "The peer stayed connected and sent nothing; the socket's read timeout (300 ms) \
             expired. recvmsg() then fails with EAGAIN: return that error (it is not the end of \
             the stream), and do not call again. (If your recv_fd was still waiting after 3 s, the \
             check ended the stream to stop it: that is the end of stream you may see below.)",
            "Err(kind WouldBlock) after about 300 ms",
            &format!("{} after {} ms", shown(&result), took.as_millis()),
        );
    }
}

#[test]
fn a_byte_before_the_descriptor_is_not_swallowed() {
    // b"x" alone, then send_fd's b"F" with the descriptor: two calls, two answers.
    let (mut sender, receiver) = pair();
    let (_ours, theirs) = UnixStream::pair().expect("socketpair()");
    sender.write_all(b"x").expect("send()");
    send_fd(&sender, theirs.as_fd()).expect("sendmsg(SCM_RIGHTS)");
    let first = received(&receiver);
    if !matches!(&first, Err(e) if e.kind() == ErrorKind::InvalidData) {
        fail(
            "The peer sent b\"x\" alone, then b\"F\" with a descriptor. Your first call must \
             read one byte, b\"x\", which came without a descriptor; reading more glues the \
             bytes before the descriptor's byte to it.",
            "first call: Err(kind InvalidData)",
            &format!("first call: {}", shown(&first)),
        );
    }
    let second = received(&receiver);
    if second.is_err() {
        fail(
            "The peer sent b\"x\" alone, then b\"F\" with a descriptor: the second call must \
             return the descriptor.",
            "second call: Ok(a new descriptor)",
            &format!("second call: {}", shown(&second)),
        );
    }
}

#[test]
fn close_on_exec_from_the_start() {
    // Your recv_fd runs on a thread where the calls that set close-on-exec AFTER the
    // descriptor exists are refused (seccomp, EPERM): fcntl(F_SETFD), fcntl(F_DUPFD_CLOEXEC),
    // ioctl(FIOCLEX), dup3(). Between recvmsg() and such a call, another thread's fork() and
    // exec() would take the descriptor along; MSG_CMSG_CLOEXEC leaves no such moment.
    let (sender, receiver) = pair();
    let (_ours, theirs) = UnixStream::pair().expect("socketpair()");
    send_fd(&sender, theirs.as_fd()).expect("sendmsg(SCM_RIGHTS)");
    drop(theirs);
    let outcome: std::io::Result<_> = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                refuse_late_cloexec()?;
                let result = received(&receiver);
                let flags = match &result {
                    // SAFETY: fcntl(F_GETFD) only reads the descriptor's flags.
                    Ok(fd) => unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) },
                    Err(_) => -1,
                };
                Ok((shown(&result), result.is_ok(), flags))
            })
            .join()
            .expect("the check's thread")
    });
    let (shown, ok, flags) = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("close_on_exec_from_the_start: seccomp not available here ({e}): skipped");
            return;
        }
    };
    if !ok || flags < 0 || flags & libc::FD_CLOEXEC == 0 {
        fail(
            "Your recv_fd ran where fcntl(F_SETFD), fcntl(F_DUPFD_CLOEXEC), ioctl(FIOCLEX) and \
             dup3() fail with EPERM. The descriptor must be close-on-exec from the moment \
             recvmsg() creates it: setting it afterwards leaves a moment in which another \
             thread's fork() and exec() inherit it.",
            "Ok(a new descriptor), FD_CLOEXEC set",
            &format!("{shown}, fcntl(F_GETFD) = {flags}"),
        );
    }
}

/// A seccomp filter on the calling thread only: fcntl(F_SETFD), fcntl(F_DUPFD_CLOEXEC),
/// ioctl(FIOCLEX) and dup3() fail with EPERM; everything else is allowed.
fn refuse_late_cloexec() -> std::io::Result<()> {
    use libc::{sock_filter, sock_fprog};
    let statement = |code: u32, k: u32| sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    };
    let jump = |k: u32, jt: u8, jf: u8| sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt,
        jf,
        k,
    };
    let load = |offset: u32| statement(libc::BPF_LD | libc::BPF_W | libc::BPF_ABS, offset);
    let allow = statement(libc::BPF_RET | libc::BPF_K, libc::SECCOMP_RET_ALLOW);
    let refuse = statement(
        libc::BPF_RET | libc::BPF_K,
        libc::SECCOMP_RET_ERRNO | libc::EPERM as u32,
    );
    // struct seccomp_data: nr at 0, arch at 4, args[1] at 24 (its low half on little-endian).
    let args1 = if cfg!(target_endian = "little") {
        24
    } else {
        28
    };
    let mut program = [
        load(0),                                  // 0: the call's number
        jump(libc::SYS_fcntl as u32, 3, 0),       // 1: fcntl → 5
        jump(libc::SYS_ioctl as u32, 6, 0),       // 2: ioctl → 9
        jump(libc::SYS_dup3 as u32, 8, 0),        // 3: dup3 → refuse
        allow,                                    // 4
        load(args1),                              // 5: fcntl's command
        jump(libc::F_SETFD as u32, 5, 0),         // 6: → refuse
        jump(libc::F_DUPFD_CLOEXEC as u32, 4, 0), // 7: → refuse
        allow,                                    // 8
        load(args1),                              // 9: ioctl's request
        jump(libc::FIOCLEX as u32, 1, 0),         // 10: → refuse
        allow,                                    // 11
        refuse,                                   // 12
    ];
    let fprog = sock_fprog {
        len: program.len() as u16,
        filter: program.as_mut_ptr(),
    };
    // SAFETY: prctl() with a valid filter program that outlives the call; PR_SET_SECCOMP with
    // SECCOMP_MODE_FILTER applies to this thread only (no TSYNC).
    unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
            || libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER as libc::c_ulong,
                &fprog as *const sock_fprog,
            ) != 0
        {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

#[test]
fn recv_fd_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your recv_fd runs.
    testkit::prints_nothing(
        "recv_fd",
        &[
            "the_descriptor_that_came_works",
            "end_of_stream_is_unexpected_eof",
            "a_byte_without_a_descriptor_is_invalid_data",
        ],
    );
}
