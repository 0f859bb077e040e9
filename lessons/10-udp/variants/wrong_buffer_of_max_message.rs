// WRONG: a receive buffer of exactly MAX_MESSAGE bytes. A longer datagram is cut to it
// without a sign, and its first MAX_MESSAGE bytes may parse as the answer: the rest is
// silently gone. (One byte more shows the cut: a datagram that fills it was too long.)

use std::io;
use std::net::SocketAddr;

use crate::{is_timeout, message, parse, Datagrams, MAX_MESSAGE};

/// Send request `seq` with `text` to `server` and return the text of its answer. A datagram
/// can be lost on the way there or back, so: wait for the answer until a deadline, then send
/// the request again, up to `retries` more times, each time waiting twice as long as before
/// (exponential backoff: a network that lost the datagram may be congested; do not add to
/// it at the same pace). An answer with another sequence number (a late answer to an
/// earlier request) or from another address is not ours: keep waiting, until the deadline.
pub fn request(
    link: &mut impl Datagrams,
    server: SocketAddr,
    seq: u32,
    text: &[u8],
    retries: u32,
) -> io::Result<Vec<u8>> {
    let datagram = message(seq, text);
    let mut buf = [0u8; MAX_MESSAGE];
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
