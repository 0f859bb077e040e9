//! The listening socket that lessons 9 to 17 need, made call by call as chapters 1 to 4 teach
//! it: socket, SO_REUSEADDR, bind, listen; and, for the threaded servers (11, 14, 15), an
//! accept() that rides out the errors that are not the server's end, and deadlines. Chapters 1 to 8 make these calls in the lesson
//! itself, because they are the lesson; from chapter 9 on they are the ground the lesson
//! stands on, so they are written once, here, and still narrated one call at a time.

use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, SockRef, Socket, Type};

use crate::narrate::family;
use crate::{Narrator, Options, Result};

// ANCHOR: listen_on
/// A TCP listener on `opts.addr`, ready to accept, with an accept queue of 128 (what std's
/// `TcpListener::bind` asks for): prints the readiness line.
pub fn listen_on(opts: &Options, say: &Narrator) -> Result<TcpListener> {
    listen_with_backlog(opts, 128, say)
}

/// A TCP listener on `opts.addr`, ready to accept, whose accept queue holds `backlog`
/// connections (as far as the system allows: listen(2) caps it at `net.core.somaxconn`, and
/// the kernel view shows what was granted): prints the readiness line.
pub fn listen_with_backlog(opts: &Options, backlog: i32, say: &Narrator) -> Result<TcpListener> {
    let addr = opts.addr;
    let socket = say.call(
        format!("socket({}, SOCK_STREAM)", family(&addr)),
        "make the listening socket",
        || Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)),
    )?;

    // A restarted server must not wait a minute for its old connections' TIME_WAIT to end
    // (chapter 2). Unix only, as std does it: on Windows the option lets two servers share
    // a port.
    if cfg!(unix) {
        say.call(
            "setsockopt(SO_REUSEADDR, 1)",
            "allow a restart while old connections sit in TIME_WAIT",
            || socket.set_reuse_address(true),
        )?;
    }

    // bind(), then getsockname() to learn the port the kernel chose for port 0.
    let bind = || {
        socket.bind(&SockAddr::from(addr))?;
        let bound = socket.local_addr()?.as_socket();
        bound.ok_or_else(|| std::io::Error::other("not an IP address"))
    };
    let bound = say.call_then(
        format!("bind({addr})"),
        "give the socket its address",
        bind,
        |bound| format!("ok, bound to {bound}"),
    )?;

    // From here on std's listener is all a lesson needs (mio and tokio take it too).
    let listener = TcpListener::from(socket);
    say.call_with(
        &listener,
        format!("listen(backlog={backlog})"),
        "let the kernel queue connections for us",
        || SockRef::from(&listener).listen(backlog),
        |_| "ok".into(),
    )?;

    opts.ready(bound);
    Ok(listener)
}
// ANCHOR_END: listen_on

// ANCHOR: accept
/// Take the next connection, riding out the errors that are not the server's end.
///
/// accept(2) fails for reasons that concern one connection, or a shortage that passes, far
/// more often than because the listening socket is broken; a server that stops on the first
/// error lets one bad moment refuse every later client. So:
///
/// - `ECONNABORTED` (the client reset while its connection waited in the queue) and `EINTR`
///   (a signal came): nothing is wrong, take the next connection at once;
/// - `EMFILE`/`ENFILE` (no file descriptor left for the new socket, in this process or in the
///   system), `ENOBUFS`/`ENOMEM` (no memory), and the network errors Linux passes on
///   (`ENETDOWN`, `EPROTO`, `EHOSTUNREACH`, ...): say so, wait a little, and try again. The
///   wait doubles from 10 ms up to 1 s while the errors go on (a [`Backoff`]), so that a
///   server out of descriptors does not spin at full speed on a connection it cannot take;
/// - `EINVAL` (the socket is not listening) is a bug: stop. (`EBADF`, `ENOTSOCK` and `EFAULT`
///   cannot happen here: a `TcpListener` always holds a valid listening socket.)
pub fn accept(
    listener: &TcpListener,
    pause: &mut Backoff,
    say: &Narrator,
) -> Result<(TcpStream, SocketAddr)> {
    loop {
        let taken = say.call_then(
            "accept()",
            "take the next connection from the queue",
            || listener.accept(),
            |(_, peer)| format!("ok, a client at {peer}"),
        );
        // The error line is already printed; what to do next depends on the error.
        match taken.as_ref().map_err(|e| e.kind()) {
            Ok(_) => {
                pause.reset();
                return taken;
            }
            Err(Some(ErrorKind::InvalidInput)) => return taken,
            Err(Some(ErrorKind::ConnectionAborted | ErrorKind::Interrupted)) => {}
            Err(_) => pause.wait(say),
        }
    }
}

/// How long to wait before trying again after an error: 10 ms, then twice as long after each
/// further error, never more than 1 s; back to 10 ms after a success.
pub struct Backoff {
    next: Duration,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MOST: Duration = Duration::from_secs(1);

    pub fn new() -> Backoff {
        Backoff { next: Self::FIRST }
    }

    /// Sleep for the current wait, and double it for next time.
    pub fn wait(&mut self, say: &Narrator) {
        say.note(format!("trying again in {} ms", self.next.as_millis()));
        std::thread::sleep(self.next);
        self.next = (self.next * 2).min(Self::MOST);
    }

    /// It worked: the next trouble starts again from the shortest wait.
    pub fn reset(&mut self) {
        self.next = Self::FIRST;
    }
}
// ANCHOR_END: accept

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new()
    }
}

// ANCHOR: time_left
/// The time left until `deadline`, or `None` once it has passed.
///
/// `SO_RCVTIMEO` and `SO_SNDTIMEO` limit ONE call: a client that sends a byte just before
/// each recv would time out is never timed out, and holds its thread for as long as it likes.
/// A deadline limits a whole message: before each call, give it only the time left
/// (`set_read_timeout(Some(left))`). std refuses a zero timeout (it would mean "forever" to
/// the kernel), hence the `None`.
pub fn time_left(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}
// ANCHOR_END: time_left

// ANCHOR: deadline
/// A connection read against ONE deadline: each `read()` (one recv()) waits only for the time
/// left until it (`set_read_timeout(time left)` before each), so a whole message takes at most
/// `limit` however its bytes trickle in; past it, reads fail with `TimedOut`. A recv() the
/// process's stop and continue interrupted (EINTR: signal(7)) is asked again: nothing was lost.
/// Wrap it in a `BufReader` (and `.take(max)`) to read a line with both limits.
pub struct Deadline<'a> {
    conn: &'a TcpStream,
    deadline: Instant,
    limit: Duration,
}

impl<'a> Deadline<'a> {
    /// Reads of `conn` from now on, all done within `limit`.
    pub fn after(conn: &'a TcpStream, limit: Duration) -> Self {
        let deadline = Instant::now() + limit;
        Deadline {
            conn,
            deadline,
            limit,
        }
    }
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let late = || {
            let text = format!("no whole message within {} ms", self.limit.as_millis());
            std::io::Error::new(ErrorKind::TimedOut, text)
        };
        loop {
            let left = time_left(self.deadline).ok_or_else(late)?;
            self.conn.set_read_timeout(Some(left))?;
            match (&mut self.conn).read(buf) {
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(late())
                }
                result => return result,
            }
        }
    }
}
// ANCHOR_END: deadline

// ANCHOR: allow_descriptors
/// Let this process open up to `wanted` descriptors (RLIMIT_NOFILE, getrlimit(2)), as far as
/// its hard limit allows; returns the limit now in force.
///
/// Every connection is a file descriptor, and the soft limit is often 1024: a server that
/// means to hold 10,000 connections must raise it, or `accept()` fails with EMFILE at the
/// 1,021st. A process may raise its soft limit up to its hard limit; only a privileged one may
/// raise the hard limit (`ulimit -Hn` shows it).
#[cfg(target_os = "linux")]
pub fn allow_descriptors(wanted: u64, say: &Narrator) -> Result<u64> {
    let why = "how many descriptors may this process open?";
    let limit = say.call_then("getrlimit(RLIMIT_NOFILE)", why, nofile, |l| {
        format!("ok, soft {} hard {}", l.rlim_cur, l.rlim_max)
    })?;
    if limit.rlim_cur >= wanted {
        return Ok(limit.rlim_cur);
    }
    let raised = libc::rlimit {
        rlim_cur: wanted.min(limit.rlim_max),
        rlim_max: limit.rlim_max,
    };
    let call = format!("setrlimit(RLIMIT_NOFILE, soft {})", raised.rlim_cur);
    let why = "one descriptor per connection: raise the soft limit (up to the hard one)";
    // SAFETY: setrlimit reads the struct we pass, nothing else.
    let set = || match unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    };
    // A refusal is not the server's end: it serves as many as the old limit allows.
    match say.call(call, why, set) {
        Ok(()) => Ok(raised.rlim_cur),
        Err(_) => Ok(limit.rlim_cur),
    }
}

/// getrlimit(RLIMIT_NOFILE): this process's soft and hard limits on open descriptors.
#[cfg(target_os = "linux")]
fn nofile() -> std::io::Result<libc::rlimit> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct we pass, nothing else.
    match unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } {
        0 => Ok(limit),
        _ => Err(std::io::Error::last_os_error()),
    }
}
// ANCHOR_END: allow_descriptors

/// Elsewhere the limits are left as they are (macOS and the BSDs have the same call; this
/// book measures on Linux).
#[cfg(not(target_os = "linux"))]
pub fn allow_descriptors(_wanted: u64, say: &Narrator) -> Result<u64> {
    say.note("the descriptor limit is left as it is on this system (ulimit -n shows it)");
    Ok(0)
}
