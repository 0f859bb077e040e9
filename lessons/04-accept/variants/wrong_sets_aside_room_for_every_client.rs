// WRONG: `Vec::with_capacity(clients)`: room for every client asked for, set aside before the
// first one comes. `--clients 100000000` makes the server take 3 GB at its start (or die on a
// "capacity overflow" for a larger number), whoever connects.

use std::net::SocketAddr;

use common::Result;
use socket2::Socket;

use crate::{worth_retrying, Listener};

pub fn accept_loop(
    listener: &mut impl Listener,
    clients: usize,
    mut serve: impl FnMut(usize, Socket, SocketAddr) -> Result<()>,
) -> Result<Vec<SocketAddr>> {
    let mut peers = Vec::with_capacity(clients);
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
        let _ = serve(peers.len(), conn, peer);
    }
    Ok(peers)
}
