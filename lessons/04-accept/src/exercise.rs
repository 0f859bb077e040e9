//! Lesson 04 exercise: the accept loop.
//!
//! Check your work with:   cargo exercise lesson-04-accept
//! Run your version with:  cargo run -p lesson-04-accept --features exercise

use std::net::SocketAddr;

use common::{Narrator, Result};
use socket2::Socket;

// ANCHOR: exercise
/// Serve `clients` clients one after another, and return their addresses in order.
///
/// Each accepted connection goes to `serve(number, connection, peer)`, numbered from 1.
/// A client that fails must not stop the server: report it, and accept the next one.
///
/// TODO: until `clients` clients have been accepted:
///   - narrate with `say.next("accept()", "...")`, then call `listener.accept()`. Most of its
///     errors pass (`crate::worth_retrying(&e)` says which): then `say.fail(e)`, wait with a
///     `crate::Backoff` (`backoff.wait(say)`) and accept again. Any other error: return
///     `say.fail(e)`;
///   - `accept` gives `(Socket, SockAddr)`: turn the address into a `SocketAddr` with
///     `.as_socket()`, then `say.done_with(&conn, ...)` naming the client's number and address;
///   - remember the peer, then hand the connection to `serve`. If `serve` returns an error,
///     `say.note(...)` it and carry on: do NOT return it.
pub fn accept_loop(
    listener: &Socket,
    clients: usize,
    say: &Narrator,
    serve: impl FnMut(usize, Socket, SocketAddr) -> Result<()>,
) -> Result<Vec<SocketAddr>> {
    let _ = (listener, clients, say, serve);
    todo!("accept `clients` connections, serve each, return the peers")
}
// ANCHOR_END: exercise
