// WRONG: a timeout for each recv() instead of a deadline for the whole line: a client that
// trickles a byte now and then, never a newline, holds the server for as long as it likes.


use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use crate::{Limits, Store};

/// Serve one client, line by line, until QUIT, end of stream, or a rule ends the connection.
pub fn serve_client(stream: &TcpStream, store: &mut Store, limits: &Limits) -> io::Result<()> {
    // Bytes received and not yet used: the start of the next line, or several lines at once.
    let mut pending: Vec<u8> = Vec::new();
    // A client that does not take its replies must not hold the server either. A reply is
    // short (one send() as a rule), so a timeout for each send() bounds it.
    stream.set_write_timeout(Some(limits.deadline))?;
    loop {
        let line = match read_line(stream, &mut pending, limits)? {
            Some(line) => line,
            None => return Ok(()), // end of stream between two lines
        };
        let (reply, quit) = answer(&line, store, limits);
        (&*stream).write_all(&reply)?;
        if quit {
            return Ok(());
        }
    }
}

/// The next whole line, without its `\n`, within the deadline; `None` at end of stream.
fn read_line(
    stream: &TcpStream,
    pending: &mut Vec<u8>,
    limits: &Limits,
) -> io::Result<Option<Vec<u8>>> {
    let deadline = Instant::now() + limits.deadline;
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = pending.iter().position(|&b| b == b'\n') {
            if end + 1 > limits.max_line {
                return too_long(stream);
            }
            let line = pending[..end].to_vec();
            pending.drain(..=end);
            return Ok(Some(line));
        }
        if pending.len() >= limits.max_line {
            return too_long(stream); // no newline in max_line bytes: it cannot fit
        }
        // The deadline is for the whole line: each recv() gets only what is left of it.
        let _ = deadline;
        stream.set_read_timeout(Some(limits.deadline))?; // starts again with each recv()
        let n = match (&*stream).read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return if pending.is_empty() {
                Ok(None)
            } else {
                Err(io::Error::new(ErrorKind::UnexpectedEof, "closed mid-line"))
            };
        }
        pending.extend_from_slice(&buf[..n]);
    }
}

fn too_long(stream: &TcpStream) -> io::Result<Option<Vec<u8>>> {
    (&*stream).write_all(b"ERR line too long\n")?;
    Err(io::Error::new(ErrorKind::InvalidData, "line too long"))
}

/// The reply to one line, and whether the connection ends after it.
fn answer(line: &[u8], store: &mut Store, limits: &Limits) -> (Vec<u8>, bool) {
    let words: Vec<&[u8]> = line.splitn(3, |&b| b == b' ').collect();
    let reply: &[u8] = match words.as_slice() {
        [b"QUIT"] => return (b"BYE\n".to_vec(), true),
        [b"GET", key] if !key.is_empty() && !key.contains(&b' ') => match store.get(*key) {
            Some(value) => return ([b"VALUE ", &value[..], b"\n"].concat(), false),
            None => b"NOTFOUND\n",
        },
        [b"DEL", key] if !key.is_empty() && !key.contains(&b' ') => match store.remove(*key) {
            Some(_) => b"DELETED\n",
            None => b"NOTFOUND\n",
        },
        [b"SET", key, value] if !key.is_empty() && !value.is_empty() => {
            if key.len() > limits.max_key {
                b"ERR key too long\n"
            } else if value.len() > limits.max_value {
                b"ERR value too long\n"
            } else if !store.contains_key(*key) && store.len() >= limits.max_keys {
                b"ERR store full\n"
            } else {
                store.insert(key.to_vec(), value.to_vec());
                b"OK\n"
            }
        }
        _ => b"ERR bad request\n",
    };
    (reply.to_vec(), false)
}
