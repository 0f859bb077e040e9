// WRONG: sends, then `retries` times waits and sends again, and gives up right after the last
// send: the last try never waits for its answer (and with retries = 0 nothing waits at all),
// so an answer that was on its way is thrown away and the request fails early.

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
    link.send_to(&datagram, server)?;
    for _ in 0..retries {
        let deadline = link.deadline(wait);
        loop {
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
        link.send_to(&datagram, server)?;
    }
    Err(io::ErrorKind::TimedOut.into())
}
