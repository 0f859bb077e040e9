// CORRECT, written differently: a `while` over a try counter, the wait computed from the try
// number (first_wait * 2^try), the answer checked by comparing whole datagrams' parts in one
// `if`, and its own error words.

use std::io::{self, Error, ErrorKind};
use std::net::SocketAddr;

use crate::{is_timeout, message, parse, Datagrams, MAX_MESSAGE};

pub fn request(
    link: &mut impl Datagrams,
    server: SocketAddr,
    seq: u32,
    text: &[u8],
    retries: u32,
) -> io::Result<Vec<u8>> {
    let out = message(seq, text);
    let mut tries = 0;
    while tries <= retries {
        link.send_to(&out, server)?;
        let until = link.deadline(link.first_wait() * 2u32.pow(tries));
        let mut buf = vec![0u8; MAX_MESSAGE + 1];
        let answer = loop {
            let (n, from) = match link.recv_from(&mut buf, until) {
                Ok(got) => got,
                Err(e) if is_timeout(&e) => break None,
                Err(e) => return Err(e),
            };
            if let Some((got_seq, body)) = parse(&buf[..n]) {
                if got_seq == seq && from == server {
                    break Some(body.to_vec());
                }
            }
        };
        if let Some(body) = answer {
            return Ok(body);
        }
        tries += 1;
    }
    Err(Error::new(ErrorKind::TimedOut, "the server never answered"))
}
