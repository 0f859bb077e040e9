// WRONG: takes the first datagram that parses as the answer, without checking its sequence
// number or who sent it: a late answer to an earlier request (or anyone's datagram) is
// returned as the answer to this one.

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
        let deadline = link.deadline(wait);
        loop {
            match link.recv_from(&mut buf, deadline) {
                Ok((n, _from)) => match parse(&buf[..n]) {
                    Some((_, answer)) => return Ok(answer.to_vec()),
                    None => continue,
                },
                Err(e) if is_timeout(&e) => break,
                Err(e) => return Err(e),
            }
        }
        wait *= 2;
    }
    Err(io::ErrorKind::TimedOut.into())
}
