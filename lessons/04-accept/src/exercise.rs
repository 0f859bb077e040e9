// Lesson 04's exercise: the accept loop. Yours to write.
//
// Check it:       cargo exercise lesson-04-accept
// Stuck?          cargo hint lesson-04-accept      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-04-accept

use std::net::SocketAddr;

use common::Result;
use socket2::Socket;

#[allow(unused_imports)]
use crate::{errno, Listener};

// ANCHOR: exercise
/// Serve `clients` clients one after another; return their addresses in the order accepted.
/// A server runs for days: an accept() that fails must not end it, or make it spin, unless the
/// listener itself is broken. Which failures pass is yours to sort, from accept(2)'s ERRORS
/// section (`man 2 accept`) and the chapter; `errno(&error)` gives the error's number.
///
/// The contract (what the checks test):
/// - Each connection `listener.accept()` gives goes to `serve(number, connection, peer)`:
///   clients numbered 1, 2, 3… in the order accepted, with the address accept() reported for
///   THAT connection. One client at a time: serve it before accepting the next.
/// - Exactly `clients` clients are served (no accept() at all for 0); then return their
///   addresses. `clients` comes from the command line and may be huge: the memory the loop
///   holds grows with the clients served, not with the number asked for.
/// - A client whose `serve` fails does not stop the server, and the result is still `Ok`.
/// - A failed accept() is not a client. What follows it depends on why it failed:
///   - trouble with that one connection, or a signal: accept() again at once, no pause. The
///     checks use ECONNABORTED, EINTR, EPERM, EPROTO and the network errors Linux passes on
///     (ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET, EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH).
///   - a shortage (EMFILE, ENFILE, ENOBUFS, ENOMEM): `listener.pause(d)`, then accept() again.
///     The first pause after a success (or at the start) is 10 ms; each shortage after that
///     waits twice as long as the one before, never more than 1 s, however many come in a
///     row. Only a successful accept() brings the next pause back to 10 ms.
///   - anything else (EINVAL: not listening, EBADF, ENOTSOCK, an error that is no system
///     call's…): the listener is broken. Return that error at once, as it is.
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
