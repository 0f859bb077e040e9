// WRONG: a receive buffer sized for the answers seen in testing (24 bytes): recv_from cuts a
// longer datagram to fit, silently, so an answer near MAX_MESSAGE comes back truncated.

use crate::{is_timeout, message, parse, Datagrams};
use std::io;
use std::net::SocketAddr;
pub fn request(
    link: &mut impl Datagrams,
    server: SocketAddr,
    seq: u32,
    text: &[u8],
    retries: u32,
) -> io::Result<Vec<u8>> {
    let datagram = message(seq, text);
    let mut wait = link.first_wait();

    for _ in 0..=retries {
        link.send_to(&datagram, server)?;
        let deadline = link.deadline(wait);
        let mut buf = [0u8; 24];
        loop {
            match link.recv_from(&mut buf, deadline) {
                Ok((n, from)) => {
                    if from != server {
                        continue;
                    }
                    if let Some((got, answer)) = parse(&buf[..n]) {
                        if got == seq {
                            return Ok(answer.to_vec());
                        }
                    }
                }
                Err(e) if is_timeout(&e) => break,
                Err(e) => return Err(e),
            }
        }
        wait *= 2;
    }
    Err(io::Error::new(io::ErrorKind::TimedOut, "no answer"))
}
