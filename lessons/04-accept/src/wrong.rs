//! A plausible wrong answer to lesson 04's exercise, kept to prove the tests catch it:
//! it passes a client's error on with `?`, so one silent or rude client stops the whole
//! server, and the clients after it are never served.

use std::net::SocketAddr;

use common::{Narrator, Result};
use socket2::Socket;

pub fn accept_loop(
    listener: &Socket,
    clients: usize,
    say: &Narrator,
    mut serve: impl FnMut(usize, Socket, SocketAddr) -> Result<()>,
) -> Result<Vec<SocketAddr>> {
    let mut peers = Vec::new();
    for number in 1..=clients {
        say.next("accept()", "take the next connection from the accept queue");
        let (conn, peer) = listener.accept().map_err(|e| say.fail(e))?;
        let peer = peer
            .as_socket()
            .ok_or_else(|| say.protocol_error("the peer has no IP address"))?;
        say.done_with(
            &conn,
            format!("ok, client {number} at {peer}, on a new socket"),
        );
        peers.push(peer);
        serve(number, conn, peer)?;
    }
    Ok(peers)
}
