// Lesson 04's exercise: the accept loop. Yours to write.
//
// Check it:       cargo exercise lesson-04-accept
// Stuck?          cargo hint lesson-04-accept      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-04-accept

use std::net::SocketAddr;

use common::Result;
use socket2::Socket;

#[allow(unused_imports)]
use crate::{worth_retrying, Listener};

// ANCHOR: exercise
/// Serve `clients` clients one after another; return their addresses in the order accepted.
///
/// The contract (what the checks test):
/// - Each connection `listener.accept()` gives goes to `serve(number, connection, peer)`:
///   numbered 1, 2, 3… in the order accepted, with the address accept() reported for THAT
///   connection. One client at a time: serve it before accepting the next.
/// - Exactly `clients` clients are served (none at all for 0); then return their addresses.
///   `clients` comes from the command line and may be huge: the memory the loop holds grows
///   with the clients served, not with the number asked for.
/// - A client whose `serve` fails does not stop the server: the next one is still served, and
///   the result is still `Ok`.
/// - An `accept()` that fails for a passing reason (`worth_retrying(&error)` says which) is
///   not a client: call `listener.pause()`, then accept again. Any other accept() error ends
///   the loop at once: return it.
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
