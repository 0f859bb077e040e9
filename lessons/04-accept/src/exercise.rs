// Lesson 04's exercise: the accept loop. Yours to write.
//
// Check it:       cargo exercise lesson-04-accept
// Stuck?          cargo hint lesson-04-accept      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-04-accept

use std::net::SocketAddr;

use common::Result;
use socket2::Socket;

#[allow(unused_imports)]
use crate::{errno, errors, Listener};

// ANCHOR: exercise
/// Serve `clients` clients one after another; return their addresses in the order accepted.
/// A server runs for days: an accept() that fails must not end it, or make it spin, unless the
/// listener itself is broken. Sorting accept()'s errors into the three kinds below is yours to
/// do: the kinds say what they mean, accept(2) what each error number means. Read its "Error
/// handling" and ERRORS sections (`man 2 accept`, or
/// https://man7.org/linux/man-pages/man2/accept.2.html). `errno(&error)` gives a failure's
/// number; `errors::EMFILE` and the others name the numbers, on every system.
///
/// The contract (what the checks test):
/// - Each connection `listener.accept()` gives goes to `serve(number, connection, peer)`:
///   clients numbered 1, 2, 3… in the order accepted, with the address accept() reported for
///   THAT connection. One client at a time: serve it before accepting the next.
/// - Exactly `clients` clients are served (no accept() at all for 0); then return their
///   addresses. `clients` comes from the command line and may be huge: the memory the loop
///   holds grows with the clients served, not with the number asked for.
/// - A client whose `serve` fails does not stop the server, and the result is still `Ok`.
/// - A failed accept() is not a client. What follows it depends on why it failed (the checks
///   play every error of accept(2) of the first two kinds that this system has, and some of
///   the third):
///   - the failure is one connection's only: it was aborted while it waited in the queue, a
///     firewall rule refused it, or it is one of the network errors Linux passes on from the
///     new socket (the man page says to retry those, even one that ERRORS also gives another
///     meaning); or a signal interrupted the call. accept() again at once, no pause.
///   - a shortage: the process or the whole system out of descriptors, or not enough memory
///     or buffer space. `listener.pause(d)`, then accept() again. The first pause after a
///     success (or at the start) is 10 ms; each shortage after that waits twice as long as
///     the one before, never more than 1 s, however many come in a row. Only a successful
///     accept() brings the next pause back to 10 ms.
///   - anything else (the socket is not listening, or is no open socket at all, or the error
///     comes from no system call…): the listener is broken. Return that error at once, as
///     it is.
/// - Print nothing: the lesson narrates each call around your function.
pub fn accept_loop(
    listener: &mut impl Listener,
    clients: usize,
    serve: impl FnMut(usize, Socket, SocketAddr) -> Result<()>,
) -> Result<Vec<SocketAddr>> {
    let _ = (listener, clients, serve);
    todo!("serve `clients` clients, one after another")
}
// ANCHOR_END: exercise
