// WRONG: waits the same time for every try. A network that lost the datagram may be
// congested; sending again at the same pace adds to it. Each try waits twice as long.

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
    for _ in 0..=retries {
        link.send_to(&datagram, server)?;
        let wait = link.first_wait();
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
    }
    Err(io::ErrorKind::TimedOut.into())
}
