// WRONG: the first try returns a receive error, but the retries are written with
// `if let Ok(Some(answer))`, which swallows it: a retry whose recv_from fails (ECONNREFUSED, the
// server's port closed) goes on sending, and the caller gets TimedOut instead of the real cause.

use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use crate::{is_timeout, message, parse, Datagrams, MAX_MESSAGE};

/// The answer if it comes by `deadline`, `None` if the deadline passes first.
fn answer_by(
    link: &mut impl Datagrams,
    server: SocketAddr,
    seq: u32,
    deadline: Instant,
) -> io::Result<Option<Vec<u8>>> {
    let mut buf = [0u8; MAX_MESSAGE + 1];
    loop {
        match link.recv_from(&mut buf, deadline) {
            Ok((n, from)) => {
                if let Some((answered, text)) = parse(&buf[..n]) {
                    if answered == seq && from == server {
                        return Ok(Some(text.to_vec()));
                    }
                }
            }
            Err(e) if is_timeout(&e) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}

pub fn request(
    link: &mut impl Datagrams,
    server: SocketAddr,
    seq: u32,
    text: &[u8],
    retries: u32,
) -> io::Result<Vec<u8>> {
    let datagram = message(seq, text);
    let mut wait = link.first_wait();
    link.send_to(&datagram, server)?;
    let deadline = link.deadline(wait);
    if let Some(answer) = answer_by(link, server, seq, deadline)? {
        return Ok(answer);
    }
    for _ in 0..retries {
        wait *= 2;
        link.send_to(&datagram, server)?;
        let deadline = link.deadline(wait);
        if let Ok(Some(answer)) = answer_by(link, server, seq, deadline) {
            return Ok(answer);
        }
    }
    Err(io::Error::new(io::ErrorKind::TimedOut, "no answer"))
}
