// WRONG: numbers the clients from 0 (the index, not the count): the first client is told
// "you are client 0".

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
        let number = peers.len();
        peers.push(peer);
        let _ = serve(number, conn, peer);
    }
    Ok(peers)
}
