// WRONG: the receive buffer is `Vec::with_capacity(MAX_MESSAGE + 1)`, which has room but a
// length of 0: recv_from gets an empty slice, every datagram is cut to 0 bytes, no answer
// ever parses, and every request times out.

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
    let mut buf: Vec<u8> = Vec::with_capacity(MAX_MESSAGE + 1);
    let mut wait = link.first_wait();
    for _try in 0..=retries {
        link.send_to(&datagram, server)?;
        // One deadline for the whole try: stray datagrams must not restart the wait.
        let deadline = link.deadline(wait);
        loop {
            match link.recv_from(&mut buf, deadline) {
                Ok((n, from)) => match parse(&buf[..n]) {
                    Some((answered, answer)) if answered == seq && from == server => {
                        return Ok(answer.to_vec());
                    }
                    // Someone else's datagram, or an old answer: not the one we wait for.
                    _ => continue,
                },
                // The deadline has passed: the request or its answer is lost. Send again.
                Err(e) if is_timeout(&e) => break,
                Err(e) => return Err(e),
            }
        }
        wait *= 2;
    }
    Err(io::Error::new(
        io::ErrorKind::TimedOut,
        format!("no answer after {} tries", retries + 1),
    ))
}
