// WRONG: checks "have we got them all?" right after accept(), so it returns with the last
// client accepted but never served (its connection is closed without an answer).

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
    loop {
        if clients == 0 {
            return Ok(peers);
        }
        let (conn, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if worth_retrying(&e) => {
                listener.pause();
                continue;
            }
            Err(e) => return Err(e),
        };
        peers.push(peer);
        if peers.len() == clients {
            return Ok(peers);
        }
        let _ = serve(peers.len(), conn, peer);
    }
}
