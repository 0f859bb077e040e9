// WRONG: sends the request once and gives up at the first timeout: fine on loopback, where
// nothing is lost, and broken as soon as one datagram is.

use std::io;
use std::net::SocketAddr;

use crate::{is_timeout, message, parse, Datagrams, MAX_MESSAGE};

pub fn request(
    link: &mut impl Datagrams,
    server: SocketAddr,
    seq: u32,
    text: &[u8],
    _retries: u32,
) -> io::Result<Vec<u8>> {
    link.send_to(&message(seq, text), server)?;
    let mut buf = [0u8; MAX_MESSAGE + 1];
    let wait = link.first_wait();
    let deadline = link.deadline(wait);
    loop {
        match link.recv_from(&mut buf, deadline) {
            Ok((n, from)) => match parse(&buf[..n]) {
                Some((answered, answer)) if answered == seq && from == server => {
                    return Ok(answer.to_vec())
                }
                _ => continue,
            },
            Err(e) if is_timeout(&e) => {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no answer"))
            }
            Err(e) => return Err(e),
        }
    }
}
