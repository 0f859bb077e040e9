//! Everything Unix: std::os::unix::net exists on Unix only. The peer's credentials and the
//! descriptor passing are Linux's here (SO_PEERCRED; MSG_CMSG_CLOEXEC in the exercise).

use std::fs;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{show_bytes, LessonError, Narrated, Narrator, Options, Result};

#[cfg(target_os = "linux")]
pub use linux::child_main;

/// Set in the environment of the demo's child process (the same program; main() looks for it):
/// to the file where it writes its trace, or empty.
#[cfg(target_os = "linux")]
pub const CHILD_ENV: &str = "LESSON_24_LOCAL_CHILD";

/// The longest line the server takes, newline included.
const MAX_LINE: u64 = 1024;
/// How many clients the server serves at once; more are closed at once.
const MAX_CLIENTS: usize = 64;
/// How long the client waits for an echo.
const LINE_TIMEOUT: Duration = Duration::from_secs(10);

/// `--path`, or `lesson-24-local.sock` in the temporary directory ($TMPDIR, or /tmp).
fn socket_path(opts: &Options) -> Result<PathBuf> {
    let default = std::env::temp_dir().join("lesson-24-local.sock");
    let path = PathBuf::from(opts.value("--path", default.to_string_lossy().into_owned())?);
    // sun_path holds 108 bytes on Linux, 104 on macOS and the BSDs, the final NUL included.
    if path.as_os_str().len() > 103 {
        let reason = format!(
            "--path {}: longer than a socket's path may be (103 bytes)",
            path.display()
        );
        return Err(LessonError::protocol("command line", reason));
    }
    Ok(path)
}

// ANCHOR: unlink
/// unlink(path), where "no such file" is an answer, not a failure.
fn unlink(path: &Path, why: &str, say: &Narrator) -> Result<()> {
    let gone = || match fs::remove_file(path) {
        Ok(()) => Ok("ok, the file is gone"),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok("no such file: nothing to remove"),
        Err(e) => Err(e),
    };
    say.call_then(format!("unlink({})", path.display()), why, gone, |s| {
        s.to_string()
    })?;
    Ok(())
}
// ANCHOR_END: unlink

/// stat(path): what kind of file it is, and who may use it (`ls -l` shows the same: `srw-------`).
fn stat(path: &Path, why: &str, say: &Narrator) -> Result<()> {
    let show = |meta: &fs::Metadata| {
        let kind = if meta.file_type().is_socket() {
            "a socket file"
        } else {
            "not a socket"
        };
        format!("{kind}, mode {:o}", meta.permissions().mode() & 0o777)
    };
    say.call_then(
        format!("stat({})", path.display()),
        why,
        || fs::metadata(path),
        show,
    )?;
    Ok(())
}

// ANCHOR: bind_safely
/// Bind a listening socket on `path`, and take the path over from a server that died without
/// unlinking it (its file stays: bind() fails with EADDRINUSE). Never from a running server,
/// and never a file that is not a socket.
fn bind_safely(path: &Path, say: &Narrator) -> Result<UnixListener> {
    let call = format!(
        "socket(AF_UNIX, SOCK_STREAM) + bind({}) + listen()",
        path.display()
    );
    let ok = |_: &UnixListener| "ok".to_string();
    match say.call_then(
        &call,
        "make the listening socket",
        || UnixListener::bind(path),
        ok,
    ) {
        Err(e) if e.kind() == Some(ErrorKind::AddrInUse) => {}
        other => return other,
    }
    stale(path, say)?;
    unlink(path, "nobody listens: the file is stale, remove it", say)?;
    say.call_then(
        call,
        "again, on a free path",
        || UnixListener::bind(path),
        ok,
    )
}

/// Is the file at `path` a socket nobody listens on? An error says why not.
fn stale(path: &Path, say: &Narrator) -> Result<()> {
    let shown = path.display();
    // connect() to a file that is not a socket is refused too: look at its type first.
    let is_socket = |meta: &fs::Metadata| meta.file_type().is_socket();
    let kind = |m: &fs::Metadata| {
        if is_socket(m) {
            "a socket file"
        } else {
            "not a socket"
        }
    };
    let meta = say.call_then(
        format!("lstat({shown})"),
        "what holds the path?",
        || fs::symlink_metadata(path),
        |m| kind(m).to_string(),
    )?;
    if !is_socket(&meta) {
        let reason = format!("{shown} is not a socket: not removing it");
        return Err(
            LessonError::protocol("bind", reason).with_hint("choose another path with --path")
        );
    }
    let probe = || UnixStream::connect(path).map(drop);
    match say.call(
        format!("connect({shown})"),
        "does anyone listen there?",
        probe,
    ) {
        Ok(()) => {
            let reason = format!("a server is running on {shown}");
            Err(LessonError::protocol("bind", reason)
                .with_hint("stop it first, or choose another path with --path"))
        }
        Err(e) if e.kind() == Some(ErrorKind::ConnectionRefused) => Ok(()),
        Err(e) => Err(e),
    }
}
// ANCHOR_END: bind_safely

// ANCHOR: permissions
/// chmod(path, 0600): connect() needs write permission on the socket file (unix(7)), so only
/// this user (and root) may connect from now on.
fn owner_only(path: &Path, say: &Narrator) -> Result<()> {
    let only_us = fs::Permissions::from_mode(0o600);
    say.call(
        format!("chmod({}, 0600)", path.display()),
        "only our user may connect",
        || fs::set_permissions(path, only_us),
    )
}
// ANCHOR_END: permissions

/// What the kernel holds for a Unix socket (Linux: its line in /proc/net/unix).
fn kernel(socket: &impl std::os::fd::AsFd, say: &Narrator) {
    #[cfg(target_os = "linux")]
    if let Some(text) = linux::kernel_view(socket) {
        say.kernel_text(text);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (socket, say);
}

/// The peer's credentials, as the server narrates them (Linux: SO_PEERCRED).
fn credentials(conn: &UnixStream, say: &Narrator) -> Result<()> {
    #[cfg(target_os = "linux")]
    linux::peer_credentials(conn, say)?;
    #[cfg(not(target_os = "linux"))]
    {
        let _ = conn;
        say.note("SO_PEERCRED is Linux's; macOS and the BSDs have getpeereid(3) (uid and gid)");
    }
    Ok(())
}

// ANCHOR: demo
pub fn demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    let lesson = opts.narrator("lesson");
    let dir = std::env::temp_dir().join(format!("lesson-24-local.{}", std::process::id()));
    server.call(
        format!("mkdir({})", dir.display()),
        "a new directory for the socket file",
        || fs::create_dir(&dir),
    )?;
    let path = dir.join("echo.sock");

    lesson.note("1. a path instead of a port");
    let listener = bind_safely(&path, &server)?;
    kernel(&listener, &server);
    owner_only(&path, &server)?;
    stat(&path, "bind() made a file", &server)?;

    lesson.note("2. lesson 09's echo, over the path");
    echo(&listener, &path, &client, &server)?;

    lesson.note("3. what close() leaves behind");
    left_behind(listener, &path, &client, &server)?;

    #[cfg(target_os = "linux")]
    {
        lesson.note("4. socketpair(), and a TCP connection handed to a child process");
        linux::hand_over(opts, &dir)?;
    }
    #[cfg(not(target_os = "linux"))]
    lesson.note("4. (Linux) SCM_RIGHTS: this lesson's descriptor passing runs on Linux only");

    lesson.note("5. SOCK_DGRAM: one datagram per recv(), never lost");
    datagrams(&opts.narrator("alice"), &opts.narrator("bob"))?;
    server.call(
        format!("rmdir({})", dir.display()),
        "leave nothing behind",
        || fs::remove_dir(&dir),
    )
}
// ANCHOR_END: demo

// ANCHOR: echo
/// Connect, accept, and lesson 09's echo of two lines, both sides in this thread: the client
/// writes everything and shuts down its side, the server echoes until end of stream.
fn echo(listener: &UnixListener, path: &Path, client: &Narrator, server: &Narrator) -> Result<()> {
    let call = format!("socket(AF_UNIX, SOCK_STREAM) + connect({})", path.display());
    let conn = client.call_then(
        call,
        "no handshake: the kernel links the two sockets",
        || UnixStream::connect(path),
        |_| "ok".to_string(),
    )?;
    kernel(&conn, client);
    let show = |(_, peer): &(UnixStream, std::os::unix::net::SocketAddr)| match peer.as_pathname() {
        Some(p) => format!("ok, peer {}", p.display()),
        None => "ok, peer unnamed (the client never called bind)".to_string(),
    };
    let (accepted, _) = server.call_then("accept()", "take it", || listener.accept(), show)?;
    kernel(&accepted, server);
    credentials(&accepted, server)?;

    let mut to_server = Narrated::new(&conn, client.clone());
    let sent = to_server.write_all(b"hello\nworld\n");
    sent.map_err(|e| client.failed("write_all(b\"hello\\nworld\\n\")", e))?;
    client.call("shutdown(SHUT_WR)", "no more lines", || {
        conn.shutdown(std::net::Shutdown::Write)
    })?;
    let echoed = echo_lines(Narrated::new(&accepted, server.clone()));
    let lines = echoed.map_err(|e| server.failed("echo_lines()", e))?;
    server.note(format!("{lines} line(s) echoed; end of stream"));
    server.call("close(conn)", "done with this client", || {
        drop(accepted);
        Ok(())
    })?;
    let mut buf = [0u8; 64];
    let failed = |e| client.failed("recv(64)", e);
    while to_server.read(&mut buf).map_err(failed)? > 0 {}
    Ok(())
}
// ANCHOR_END: echo

// ANCHOR: left_behind
/// close() leaves the file: connect() to it is refused, and a new bind() must take it over.
fn left_behind(
    listener: UnixListener,
    path: &Path,
    client: &Narrator,
    server: &Narrator,
) -> Result<()> {
    server.call(
        "close(listener)",
        "the socket goes; its file does not",
        || {
            drop(listener);
            Ok(())
        },
    )?;
    let call = format!("connect({})", path.display());
    match client.call(call, "a file nobody listens on", || {
        UnixStream::connect(path).map(drop)
    }) {
        Err(e) if e.kind() == Some(ErrorKind::ConnectionRefused) => {}
        Err(e) => return Err(e),
        Ok(_) => return Err(client.protocol_error("connected to a closed socket's file")),
    }
    let listener = bind_safely(path, server)?;
    server.call("close(listener)", "done with it", || {
        drop(listener);
        Ok(())
    })?;
    unlink(path, "a server removes its file when it is done", server)
}
// ANCHOR_END: left_behind

// ANCHOR: echo_lines
/// Echo lines until end of stream: lesson 09's loop. A line over MAX_LINE bytes, or cut short
/// by the end of the stream, ends the connection with an error. Returns how many were echoed.
fn echo_lines(conn: impl Read + Write) -> std::io::Result<usize> {
    let mut reader = BufReader::new(conn);
    let mut lines = 0;
    loop {
        let mut line = Vec::new();
        (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line)?;
        if line.is_empty() {
            return Ok(lines);
        }
        if !line.ends_with(b"\n") {
            let why = match line.len() as u64 {
                MAX_LINE => format!("no newline within {MAX_LINE} bytes"),
                _ => format!("the stream ended inside a line: {}", show_bytes(&line)),
            };
            return Err(std::io::Error::new(ErrorKind::InvalidData, why));
        }
        reader.get_mut().write_all(&line)?;
        lines += 1;
    }
}
// ANCHOR_END: echo_lines

// ANCHOR: datagrams
/// A datagram pair: each send() is one datagram, each recv() takes exactly one.
fn datagrams(alice: &Narrator, bob: &Narrator) -> Result<()> {
    let (a, b) = alice.call_then(
        "socketpair(AF_UNIX, SOCK_DGRAM)",
        "two datagram sockets, connected",
        UnixDatagram::pair,
        |_| "ok".to_string(),
    )?;
    kernel(&a, alice);
    let mut sender = Narrated::new(Datagrams(&a), alice.clone());
    for message in [&b"one"[..], b"two!"] {
        sender
            .write(message)
            .map_err(|e| alice.failed("send()", e))?;
    }
    let mut receiver = Narrated::new(Datagrams(&b), bob.clone());
    let mut buf = [0u8; 64];
    for _ in 0..2 {
        receiver
            .read(&mut buf)
            .map_err(|e| bob.failed("recv(64)", e))?;
    }
    Ok(())
}

/// A datagram socket as `Read` and `Write`, so that `Narrated` shows each recv() and send():
/// one call, one datagram.
struct Datagrams<'a>(&'a UnixDatagram);

impl Read for Datagrams<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.recv(buf)
    }
}

impl Write for Datagrams<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.send(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
// ANCHOR_END: datagrams

// ANCHOR: server
/// Echo lines on the Unix socket at --path, a thread per client (at most MAX_CLIENTS), each
/// whole line and each echo within --timeout.
pub fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let limit = opts.seconds("--timeout", 10)?.max(Duration::from_secs(1));
    let path = socket_path(opts)?;
    let listener = bind_safely(&path, &say)?;
    owner_only(&path, &say)?;
    common::narrate::release_held(&format!("listening on {}", path.display()));
    let busy = Arc::new(AtomicUsize::new(0));
    loop {
        let ok = |_: &_| "ok".to_string();
        let conn = match say.call_then("accept()", "wait for a client", || listener.accept(), ok) {
            Ok((conn, _)) => conn,
            Err(err) => {
                // Out of descriptors, say: wait a little and go on.
                std::thread::sleep(Duration::from_millis(100));
                say.note(format!("accept failed ({}); going on", err.reason));
                continue;
            }
        };
        if busy.fetch_add(1, Ordering::SeqCst) >= MAX_CLIENTS {
            busy.fetch_sub(1, Ordering::SeqCst);
            say.note(format!("{MAX_CLIENTS} clients already: closing this one"));
            continue;
        }
        let (say, busy) = (say.clone(), Arc::clone(&busy));
        std::thread::spawn(move || {
            serve(conn, limit, &say);
            busy.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// One client: who it is, then its lines echoed; a failure ends this client only.
fn serve(conn: UnixStream, limit: Duration, say: &Narrator) {
    let _ = credentials(&conn, say);
    let timed = Deadlined {
        conn: &conn,
        limit,
        deadline: Instant::now() + limit,
    };
    match echo_lines(Narrated::quiet(timed, say.clone())) {
        Ok(lines) => say.note(format!("{lines} line(s) echoed; end of stream")),
        Err(e) => say.note(format!(
            "dropping the client: {}",
            common::error::describe(&e)
        )),
    }
}
// ANCHOR_END: server

// ANCHOR: deadlined
/// A connection with a deadline for each whole line and each whole echo (lesson 09): before
/// each recv() and send(), SO_RCVTIMEO or SO_SNDTIMEO is set to what is left of it, so
/// neither a trickle nor a client that never reads can hold its thread. A line received in
/// full (a newline read) starts a new deadline.
struct Deadlined<'a> {
    conn: &'a UnixStream,
    limit: Duration,
    deadline: Instant,
}

impl Deadlined<'_> {
    fn left(&self) -> std::io::Result<Duration> {
        common::listener::time_left(self.deadline).ok_or_else(|| ErrorKind::TimedOut.into())
    }
}

impl Read for Deadlined<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.conn.set_read_timeout(Some(self.left()?))?;
        let n = Read::read(&mut self.conn, buf)?; // recv()
        if buf[..n].contains(&b'\n') {
            self.deadline = Instant::now() + self.limit;
        }
        Ok(n)
    }
}

impl Write for Deadlined<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.conn.set_write_timeout(Some(self.left()?))?;
        Write::write(&mut self.conn, bytes) // send()
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
// ANCHOR_END: deadlined

// ANCHOR: client
/// Send each line of standard input to the server at --path; print each echo.
pub fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let path = socket_path(opts)?;
    let call = format!("socket(AF_UNIX, SOCK_STREAM) + connect({})", path.display());
    let connect = || UnixStream::connect(&path);
    let conn = say
        .call_then(call, "connect to the server's path", connect, |_| {
            "ok".into()
        })
        .map_err(|e| explained(e, &path, opts.lesson.package))?;
    conn.set_read_timeout(Some(LINE_TIMEOUT))
        .map_err(|e| say.failed("setsockopt(SO_RCVTIMEO)", e))?;
    let mut socket = Narrated::quiet(&conn, say.clone());
    let mut echoes = BufReader::new(&conn);
    for line in std::io::stdin().lock().split(b'\n') {
        let mut line = line.map_err(|e| say.failed("read(stdin)", e))?;
        line.push(b'\n');
        let sent = socket.write_all(&line);
        sent.map_err(|e| say.failed("write_all(line)", e))?;
        let mut echo = Vec::new();
        (&mut echoes)
            .take(MAX_LINE)
            .read_until(b'\n', &mut echo)
            .map_err(|e| say.failed("read_until(b'\\n')", e))?;
        if echo != line {
            return Err(say.protocol_error(format!("the echo was {}", show_bytes(&echo))));
        }
        println!("echo: {}", String::from_utf8_lossy(&echo).trim_end());
    }
    say.call("close()", "done", || {
        drop(conn);
        Ok(())
    })
}
// ANCHOR_END: client

/// A failed connect() to a path, with a hint that fits a path rather than a port.
fn explained(err: LessonError, path: &Path, package: &str) -> LessonError {
    let path = path.display();
    match err.kind() {
        Some(ErrorKind::NotFound) => err.with_hint(format!(
            "no socket file at {path}: is the server running? \
             (start it with: cargo run -p {package} -- server)"
        )),
        Some(ErrorKind::PermissionDenied) => err.with_hint(format!(
            "connect() needs write permission on the socket file: see `ls -l {path}`"
        )),
        _ => err,
    }
}

#[cfg(target_os = "linux")]
mod linux;
