//! The Linux parts: the kernel's view of a Unix socket (/proc/net/unix), the peer's
//! credentials (SO_PEERCRED), and a TCP connection handed to a child process (SCM_RIGHTS).

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

use common::{Lesson, Narrated, Narrator, Options, Result};
use lesson_24_local::{recv_fd, send_fd};

use super::CHILD_ENV;

/// The socket's line in /proc/net/unix, found by its inode (the number in the link
/// /proc/self/fd/N -> `socket:[INODE]`), in `ss -x`'s words: `u_str LISTEN /tmp/…/echo.sock`.
/// Columns: Num RefCount Protocol Flags Type St Inode Path.
pub fn kernel_view(socket: &impl AsFd) -> Option<String> {
    let fd = socket.as_fd().as_raw_fd();
    let link = std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()?;
    let inode = link
        .to_str()?
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .to_string();
    let table = std::fs::read_to_string("/proc/net/unix").ok()?;
    let line = table
        .lines()
        .skip(1)
        .find(|l| l.split_whitespace().nth(6) == Some(&inode))?;
    let fields: Vec<&str> = line.split_whitespace().collect();
    let flags = u32::from_str_radix(fields[3], 16).ok()?;
    let kind = match fields[4] {
        "0001" => "u_str",
        "0002" => "u_dgr",
        "0005" => "u_seq",
        _ => "unix",
    };
    // __SO_ACCEPTCON (1 << 16): a listening socket.
    let state = match (flags & 0x1_0000 != 0, fields[5]) {
        (true, _) => "LISTEN",
        (_, "03") => "ESTAB",
        (_, "01") => "UNCONN",
        (_, other) => other,
    };
    let path = fields.get(7).copied().unwrap_or("(no path)");
    Some(format!("{kind} {state} {path} (/proc/net/unix)"))
}

// ANCHOR: peercred
/// SO_PEERCRED: the pid, uid and gid of the process at the other end, as the kernel recorded
/// them when it connected (or when socketpair() made the pair). std does not have it yet
/// (`UnixStream::peer_cred` is unstable), so: getsockopt() through libc.
pub fn peer_credentials(conn: &UnixStream, say: &Narrator) -> Result<()> {
    let read = || {
        let mut cred = libc::ucred {
            pid: 0,
            uid: 0,
            gid: 0,
        };
        let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
        // SAFETY: the kernel writes at most `len` bytes into `cred`.
        let rc = unsafe {
            libc::getsockopt(
                conn.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_PEERCRED,
                (&mut cred as *mut libc::ucred).cast(),
                &mut len,
            )
        };
        if rc < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(cred)
    };
    let show = |c: &libc::ucred| {
        let who = match c.pid as u32 {
            pid if pid == std::process::id() => " (this process)",
            pid if pid == std::os::unix::process::parent_id() => " (our parent)",
            _ => "",
        };
        format!("pid {}{who}, uid {}, gid {}", c.pid, c.uid, c.gid)
    };
    say.call_then(
        "getsockopt(SO_PEERCRED)",
        "who is at the other end?",
        read,
        show,
    )?;
    Ok(())
}
// ANCHOR_END: peercred

// ANCHOR: hand_over
/// A socketpair, a child process holding one end as its standard input, and a TCP connection
/// accepted here and served there: its descriptor crosses with sendmsg(SCM_RIGHTS).
pub fn hand_over(opts: &Options, dir: &Path) -> Result<()> {
    let parent = opts.narrator("parent");
    let client = opts.narrator("client");
    let pair = || UnixStream::pair();
    let why = "two sockets, already connected";
    let (ours, theirs) = parent.call_then("socketpair(AF_UNIX, SOCK_STREAM)", why, pair, |_| {
        "ok".into()
    })?;
    super::kernel(&ours, &parent);
    // The child narrates into a pipe and a trace file of its own; its lines are shown once it
    // is done, so that the two processes' lines never interleave.
    let trace = opts.trace.as_ref().map(|_| dir.join("child-trace.jsonl"));
    let mut child = start_child(theirs, trace.as_deref(), &parent)?;
    let (conn, accepted) = tcp_connection(&client, &parent)?;

    let call = "sendmsg(b\"F\" + SCM_RIGHTS [the accepted connection])";
    let why = "send its descriptor to the child";
    parent.call_then(
        call,
        why,
        || send_fd(&ours, accepted.as_fd()),
        |n| format!("{n} byte + 1 descriptor"),
    )?;
    parent.call("close(accepted)", "our copy: the child has its own", || {
        drop(accepted);
        Ok(())
    })?;
    show_child(&mut child, trace.as_deref());
    let status = parent.call_then(
        "waitpid(child)",
        "wait until it is done",
        || child.wait(),
        |s| format!("{s}"),
    )?;
    if !status.success() {
        return Err(parent.protocol_error(format!("the child failed: {status}")));
    }
    let mut buf = [0u8; 64];
    Narrated::new(&conn, client.clone())
        .read(&mut buf)
        .map_err(|e| client.fail(e))?;
    client.note("the echo came from the child, which has exited: the connection outlived it");
    Ok(())
}

/// This program again, as a child process with `end` as its standard input (fd 0).
fn start_child(end: UnixStream, trace: Option<&Path>, say: &Narrator) -> Result<Child> {
    let start = || {
        let mut child = Command::new(std::env::current_exe()?);
        child.env(CHILD_ENV, trace.unwrap_or(Path::new("")));
        child
            .stdin(Stdio::from(OwnedFd::from(end)))
            .stdout(Stdio::piped());
        child.spawn() // the Command, and with it our copy of `end`, is dropped on return
    };
    let call = "fork() + exec(this program), stdin = the pair's other end";
    say.call_then(call, "a second process", start, |c| {
        format!("ok, pid {}", c.id())
    })
}

/// A TCP connection on loopback, its client's line already sent: (client's, accepted).
fn tcp_connection(client: &Narrator, server: &Narrator) -> Result<(TcpStream, TcpStream)> {
    let any = "127.0.0.1:0";
    let listener = server.call(
        "socket() + bind(127.0.0.1:0) + listen()",
        "a TCP listener",
        || TcpListener::bind(any),
    )?;
    let addr = listener.local_addr().map_err(|e| server.fail(e))?;
    let conn = client.call(format!("connect({addr})"), "a TCP client", || {
        TcpStream::connect(addr)
    })?;
    let (accepted, _) = server.call("accept()", "the connection to hand over", || {
        listener.accept()
    })?;
    let mut to_server = Narrated::new(&conn, client.clone());
    to_server
        .write_all(b"over TCP\n")
        .map_err(|e| client.fail(e))?;
    client.call("shutdown(SHUT_WR)", "no more lines", || {
        conn.shutdown(std::net::Shutdown::Write)
    })?;
    Ok((conn, accepted))
}
// ANCHOR_END: hand_over

/// The child's narration, once it is done: its lines (read from its stdout until it closes),
/// and its events, added to our trace.
fn show_child(child: &mut Child, trace: Option<&Path>) {
    let mut printed = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut printed);
    }
    print!("{printed}");
    if let Some(path) = trace {
        for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
            common::trace::record_line(line);
        }
        let _ = std::fs::remove_file(path);
    }
}

/// The child's side: the same program, started by the demo with CHILD_ENV set (to the parent's
/// --trace file, or empty). Its narration follows the parent's, which waits for it.
pub fn child_main(lesson: &'static Lesson, trace: OsString) -> ExitCode {
    if !trace.is_empty() {
        if let Err(e) = common::trace::open(Path::new(&trace)) {
            eprintln!("error: --trace: {e}");
            return ExitCode::from(2);
        }
    }
    match child(&Narrator::new("child", lesson.package)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: child
/// Standard input is our end of the socketpair: who is at the other end, then the descriptor
/// that comes over it, then lesson 09's echo on the TCP connection it turns out to be.
fn child(say: &Narrator) -> Result<()> {
    let stdin = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| say.fail(e))?;
    let parent = UnixStream::from(stdin);
    peer_credentials(&parent, say)?;
    let call = "recvmsg(0, 1 byte, room for 1 descriptor)";
    let fd = say.call_then(
        call,
        "take what the parent sends",
        || recv_fd(&parent),
        |_| "1 byte + 1 descriptor, a new number in this process".into(),
    )?;
    let conn = TcpStream::from(fd);
    say.call_then(
        "getpeername(fd)",
        "what is it?",
        || conn.peer_addr(),
        |peer| format!("a TCP connection, peer {peer}"),
    )?;
    say.kernel(&conn);
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| say.fail(e))?;
    let lines = super::echo_lines(Narrated::new(&conn, say.clone())).map_err(|e| say.fail(e))?;
    say.note(format!("{lines} line(s) echoed; end of stream"));
    say.call(
        "close(fd)",
        "done: the connection ends with this process's last descriptor",
        || {
            drop(conn);
            Ok(())
        },
    )
}
// ANCHOR_END: child
