// WRONG: counts accept() calls, not clients: each accept() that fails and is retried uses up
// one client's turn, so fewer clients than asked are served.

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
    for _ in 0..clients {
        let (conn, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if worth_retrying(&e) => {
                listener.pause();
                continue;
            }
            Err(e) => return Err(e),
        };
        peers.push(peer);
        let _ = serve(peers.len(), conn, peer);
    }
    Ok(peers)
}
