// WRONG: the result of send_to is ignored (`let _ =`, "UDP is fire and forget"): a send
// that fails (no route to the server) is not reported, and the caller waits for an answer
// to a request that never left.

use crate::{is_timeout, message, parse, Datagrams, MAX_MESSAGE};
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
        let _ = link.send_to(&datagram, server);
        let deadline = link.deadline(wait);
        let mut buf = [0u8; MAX_MESSAGE + 16];
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
