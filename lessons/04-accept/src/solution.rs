// Reference solution for lesson 04's exercise. (Yours goes in exercise.rs.)

use std::net::SocketAddr;

use common::Result;
use socket2::Socket;

use crate::{worth_retrying, Listener};

// ANCHOR: solution
/// Serve `clients` clients one after another; return their addresses in the order accepted.
pub fn accept_loop(
    listener: &mut impl Listener,
    clients: usize,
    mut serve: impl FnMut(usize, Socket, SocketAddr) -> Result<()>,
) -> Result<Vec<SocketAddr>> {
    let mut peers = Vec::new();
    while peers.len() < clients {
        // A NEW socket for this one connection, and who is at the other end of it.
        let (conn, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            // Most accept() errors pass (a client that gave up, no descriptor left for now):
            // pause, and accept again. Only a broken listener stops the server.
            Err(e) if worth_retrying(&e) => {
                listener.pause();
                continue;
            }
            Err(e) => return Err(e),
        };
        peers.push(peer);
        // The connection is moved into `serve`, which closes it; the listener lives on.
        // One client's trouble is that client's: the loop goes on with the next one.
        let _ = serve(peers.len(), conn, peer);
    }
    Ok(peers)
}
// ANCHOR_END: solution
