// WRONG: `?` on accept(): one ECONNABORTED (a client that gave up in the queue) or EMFILE
// (no descriptor left, for now) ends the server.

use std::net::SocketAddr;

use common::Result;
use socket2::Socket;

use crate::Listener;

pub fn accept_loop(
    listener: &mut impl Listener,
    clients: usize,
    mut serve: impl FnMut(usize, Socket, SocketAddr) -> Result<()>,
) -> Result<Vec<SocketAddr>> {
    let mut peers = Vec::new();
    while peers.len() < clients {
        let (conn, peer) = listener.accept()?;
        peers.push(peer);
        let _ = serve(peers.len(), conn, peer);
    }
    Ok(peers)
}
