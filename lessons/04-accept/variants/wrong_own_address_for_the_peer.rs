// WRONG: hands serve the connection's LOCAL address (the listener's own, the same for every
// client) instead of the peer's: every client is told the same wrong address.

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
        let (conn, _peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if worth_retrying(&e) => {
                listener.pause();
                continue;
            }
            Err(e) => return Err(e),
        };
        let me = conn.local_addr().ok().and_then(|a| a.as_socket()).unwrap();
        peers.push(me);
        let _ = serve(peers.len(), conn, me);
    }
    Ok(peers)
}
