// WRONG: sets a new deadline before every recv_from, so each stray datagram (a late answer,
// someone else's packet) restarts the wait: a steady trickle of strays keeps the client
// waiting for ever, and the lost request is never sent again.

use std::io;
use std::net::SocketAddr;

use crate::{is_timeout, message, parse, Datagrams, MAX_MESSAGE};

pub fn request(
    link: &mut impl Datagrams,
    server: SocketAddr,
    seq: u32,
    text: &[u8],
    retries: u32,
) -> io::Result<Vec<u8>> {
    let datagram = message(seq, text);
    let mut buf = [0u8; MAX_MESSAGE + 1];
    let mut wait = link.first_wait();
    for _ in 0..=retries {
        link.send_to(&datagram, server)?;
        loop {
            let deadline = link.deadline(wait);
            match link.recv_from(&mut buf, deadline) {
                Ok((n, from)) => match parse(&buf[..n]) {
                    Some((answered, answer)) if answered == seq && from == server => {
                        return Ok(answer.to_vec());
                    }
                    _ => continue,
                },
                Err(e) if is_timeout(&e) => break,
                Err(e) => return Err(e),
            }
        }
        wait *= 2;
    }
    Err(io::ErrorKind::TimedOut.into())
}
