//! The listening socket that lessons 9 to 17 need, made call by call as chapters 1 to 4 teach
//! it: socket, SO_REUSEADDR, bind, listen; and, for the threaded servers (11, 14, 15), an
//! accept() that rides out the errors that are not the server's end, and deadlines. Chapters 1 to 8 make these calls in the lesson
//! itself, because they are the lesson; from chapter 9 on they are the ground the lesson
//! stands on, so they are written once, here, and still narrated one call at a time.

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::narrate::family;
use crate::{Narrator, Options, Result};

// ANCHOR: listen_on
/// A TCP listener on `opts.addr`, ready to accept: prints the readiness line.
pub fn listen_on(opts: &Options, say: &Narrator) -> Result<TcpListener> {
    let addr = opts.addr;
    say.next(
        format!("socket({}, SOCK_STREAM)", family(&addr)),
        "make the listening socket",
    );
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(|e| say.fail(e))?;
    say.done("ok");

    // A restarted server must not wait a minute for its old connections' TIME_WAIT to end
    // (chapter 2). Unix only, as std does it: on Windows the option lets two servers share
    // a port.
    if cfg!(unix) {
        say.next(
            "setsockopt(SO_REUSEADDR, 1)",
            "allow a restart while old connections sit in TIME_WAIT",
        );
        socket.set_reuse_address(true).map_err(|e| say.fail(e))?;
        say.done("ok");
    }

    say.next(format!("bind({addr})"), "give the socket its address");
    socket
        .bind(&SockAddr::from(addr))
        .map_err(|e| say.fail(e))?;
    let bound = socket
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .ok_or_else(|| say.protocol_error("not an IP address"))?;
    say.done(format!("ok, bound to {bound}"));

    say.next(
        "listen(backlog=128)",
        "let the kernel queue connections for us",
    );
    socket.listen(128).map_err(|e| say.fail(e))?;
    // From here on std's listener is all a lesson needs (mio and tokio take it too).
    let listener = TcpListener::from(socket);
    say.done_with(&listener, "ok");

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
        say.next("accept()", "take the next connection from the queue");
        match listener.accept() {
            Ok((conn, peer)) => {
                say.done(format!("ok, a client at {peer}"));
                pause.reset();
                return Ok((conn, peer));
            }
            Err(e) if e.kind() == ErrorKind::InvalidInput => return Err(say.fail(e)),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::ConnectionAborted | ErrorKind::Interrupted
                ) =>
            {
                say.fail(e); // printed; nothing to wait for
            }
            Err(e) => {
                say.fail(e);
                pause.wait(say);
            }
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
