// WRONG: takes a timeout for "nothing yet" and receives again: once the deadline has passed
// every receive times out at once, so the request is never sent again, never gives up, and
// spins on recv_from for ever (the fake network stops it after 10000 receives).

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
                        return Ok(answer.to_vec());
                    }
                    // Someone else's datagram, or an old answer: not the one we wait for.
                    _ => continue,
                },
                // "Nothing yet": receive again (the deadline has passed, so this never ends).
                Err(e) if is_timeout(&e) => continue,
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
