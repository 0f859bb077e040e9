// WRONG: keeps going after a failing client (good), but returns the last `serve`'s result:
// when the last client of the run is the rude one, the whole run reads as a failure, and the
// addresses of the clients served are lost.

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
    let mut last = Ok(());
    for number in 1..=clients {
        let (conn, peer) = loop {
            match listener.accept() {
                Ok(accepted) => break accepted,
                Err(e) if worth_retrying(&e) => listener.pause(),
                Err(e) => return Err(e),
            }
        };
        peers.push(peer);
        last = serve(number, conn, peer);
    }
    last.map(|()| peers)
}
