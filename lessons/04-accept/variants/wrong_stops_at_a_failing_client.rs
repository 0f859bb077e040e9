// WRONG: passes a client's error on with `?`, so one silent or rude client stops the whole
// server, and the clients after it are never served.

use std::net::SocketAddr;

use common::Result;
use socket2::Socket;

use crate::{worth_retrying, Listener};

pub fn accept_loop(
    listener: &mut impl Listener,
    clients: usize,
    mut serve: impl FnMut(usize, Socket, SocketAddr) -> Result<()>,
) -> Result<Vec<SocketAddr>> {
    let mut peers = Vec::new();
    while peers.len() < clients {
        let (conn, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if worth_retrying(&e) => {
                listener.pause();
                continue;
            }
            Err(e) => return Err(e),
        };
        peers.push(peer);
        serve(peers.len(), conn, peer)?;
    }
    Ok(peers)
}
