// WRONG: insists the answer is UTF-8 (`String::from_utf8`) and fails with InvalidData when it
// is not: the protocol's text is bytes, and the answer is returned byte for byte.

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
    for _try in 0..=retries {
        link.send_to(&datagram, server)?;
        // One deadline for the whole try: stray datagrams must not restart the wait.
        let deadline = link.deadline(wait);
        loop {
            match link.recv_from(&mut buf, deadline) {
                Ok((n, from)) => match parse(&buf[..n]) {
                    Some((answered, answer)) if answered == seq && from == server => {
                        return String::from_utf8(answer.to_vec())
                            .map(String::into_bytes)
                            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e));
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
