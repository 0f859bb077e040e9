// CORRECT, written differently: a for loop over the numbers, an inner loop that retries
// accept() until it gives a connection, its own test of which errors pass (not
// worth_retrying), and serve's error dropped with .ok(). No room set aside for `clients` up
// front: it may be huge.

use std::io::ErrorKind;
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
    for number in 1..=clients {
        let (conn, peer) = loop {
            match listener.accept() {
                Ok(accepted) => break accepted,
                Err(e) if e.kind() == Some(ErrorKind::InvalidInput) => return Err(e),
                Err(_) => listener.pause(),
            }
        };
        peers.push(peer);
        serve(number, conn, peer).ok();
    }
    Ok(peers)
}
