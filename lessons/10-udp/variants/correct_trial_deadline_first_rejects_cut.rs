// CORRECT, written differently: the deadline taken before the send, the wait doubled at the
// top of each retry (saturating), the sender checked before parsing, and a datagram that fills
// the MAX_MESSAGE + 1 buffer (so was cut by recv_from) ignored rather than parsed.

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
    let mut wait = link.first_wait();
    // One byte more than the longest message: a datagram that fills it was cut, so it is
    // not an answer.
    let mut buf = [0u8; MAX_MESSAGE + 1];
    for try_number in 0..=retries {
        if try_number > 0 {
            wait = wait.saturating_mul(2);
        }
        let deadline = link.deadline(wait);
        link.send_to(&datagram, server)?;
        loop {
            let (n, from) = match link.recv_from(&mut buf, deadline) {
                Ok(got) => got,
                Err(e) if is_timeout(&e) => break,
                Err(e) => return Err(e),
            };
            if from != server || n > MAX_MESSAGE {
                continue;
            }
            match parse(&buf[..n]) {
                Some((got, answer)) if got == seq => return Ok(answer.to_vec()),
                _ => continue,
            }
        }
    }
    Err(io::Error::new(
        io::ErrorKind::TimedOut,
        format!("no answer after {} tries", u64::from(retries) + 1),
    ))
}
