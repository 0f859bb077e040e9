// Reference solution for lesson 23's challenge. (Yours goes in exercise.rs.)

use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use crate::{Limits, Store};

// ANCHOR: solution
/// Serve one client, line by line, until QUIT, end of stream, or a rule ends the connection.
pub fn serve_client(stream: &TcpStream, store: &mut Store, limits: &Limits) -> io::Result<()> {
    // Bytes received and not yet used: the start of the next line, or several lines at once.
    let mut pending: Vec<u8> = Vec::new();
    loop {
        let line = match read_line(stream, &mut pending, limits)? {
            Some(line) => line,
            None => return Ok(()), // end of stream between two lines
        };
        let (reply, quit) = answer(&line, store, limits);
        send_reply(stream, &reply, limits)?;
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
                return too_long(stream, limits);
            }
            let line = pending[..end].to_vec();
            pending.drain(..=end);
            return Ok(Some(line));
        }
        if pending.len() >= limits.max_line {
            return too_long(stream, limits); // no newline in max_line bytes: it cannot fit
        }
        // The deadline is for the whole line: each recv() gets only what is left of it.
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ErrorKind::TimedOut.into());
        }
        stream.set_read_timeout(Some(left))?;
        // Never more than max_line bytes kept: read only what still fits.
        let room = (limits.max_line - pending.len()).min(buf.len());
        let n = match (&*stream).read(&mut buf[..room]) {
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

/// Send one reply whole, within the deadline. A client that does not take its replies must
/// not hold the server: a time limit for each send() is not enough, because a send() that
/// takes a few bytes returns, and the next one would get the whole limit again.
fn send_reply(stream: &TcpStream, mut reply: &[u8], limits: &Limits) -> io::Result<()> {
    let deadline = Instant::now() + limits.deadline;
    while !reply.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ErrorKind::TimedOut.into());
        }
        stream.set_write_timeout(Some(left))?;
        match (&*stream).write(reply) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => reply = &reply[n..],
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn too_long(stream: &TcpStream, limits: &Limits) -> io::Result<Option<Vec<u8>>> {
    send_reply(stream, b"ERR line too long\n", limits)?;
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
// ANCHOR_END: solution
