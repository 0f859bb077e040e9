//! Reference solution for lesson 04's exercise. (Yours goes in exercise.rs.)

use std::net::SocketAddr;

use common::{Narrator, Result};
use socket2::Socket;

use crate::{worth_retrying, Backoff};

// ANCHOR: solution
/// Serve `clients` clients one after another, and return their addresses in order.
///
/// Each accepted connection goes to `serve(number, connection, peer)`, numbered from 1.
/// A client that fails must not stop the server: report it, and accept the next one.
pub fn accept_loop(
    listener: &Socket,
    clients: usize,
    say: &Narrator,
    mut serve: impl FnMut(usize, Socket, SocketAddr) -> Result<()>,
) -> Result<Vec<SocketAddr>> {
    let mut peers = Vec::new();
    let mut backoff = Backoff::new();
    while peers.len() < clients {
        let number = peers.len() + 1;
        say.next("accept()", "take the next connection from the accept queue");
        // A NEW socket for this one connection, and who is at the other end of it.
        let (conn, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            // Most accept() errors pass (a client that gave up, no descriptor left for now):
            // report it, pause, and accept again. Only a broken listener stops the server.
            Err(e) if worth_retrying(&e) => {
                say.fail(e);
                backoff.wait(say);
                continue;
            }
            Err(e) => return Err(say.fail(e)),
        };
        backoff.reset();
        let peer = peer
            .as_socket()
            .ok_or_else(|| say.protocol_error("the peer has no IP address"))?;
        say.done_with(
            &conn,
            format!("ok, client {number} at {peer}, on a new socket"),
        );
        peers.push(peer);
        // One client's trouble is that client's: note it, and go on with the next one.
        if let Err(err) = serve(number, conn, peer) {
            say.note(format!(
                "client {number} failed ({err}); the server goes on"
            ));
        }
    }
    Ok(peers)
}
// ANCHOR_END: solution
