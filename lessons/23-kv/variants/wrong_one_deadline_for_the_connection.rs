// WRONG: one deadline for the whole connection, set when it begins, instead of one for each
// line: a client that sends a request now and then, each well in time, is cut off once the
// connection is older than the deadline.

use std::io;
use std::net::TcpStream;

use crate::{Limits, Store};

pub fn serve_client(stream: &TcpStream, store: &mut Store, limits: &Limits) -> io::Result<()> {
    use std::io::{Read, Write};
    use std::time::Instant;

    let mut conn = stream;
    let mut buf: Vec<u8> = Vec::new();
    let deadline = Instant::now() + limits.deadline;
    loop {
        // Gather one whole line.
        let end = loop {
            if let Some(i) = buf.iter().position(|&b| b == b'\n') {
                break i;
            }
            if buf.len() >= limits.max_line {
                send(conn, b"ERR line too long\n", limits)?;
                return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no whole line in time"));
            }
            conn.set_read_timeout(Some(left))?;
            let mut chunk = vec![0u8; (limits.max_line - buf.len()).min(4096)];
            match conn.read(&mut chunk) {
                Ok(0) if buf.is_empty() => return Ok(()),
                Ok(0) => {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "half a line"))
                }
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "no whole line in time"))
                }
                Err(e) => return Err(e),
            }
        };
        if end + 1 > limits.max_line {
            send(conn, b"ERR line too long\n", limits)?;
            return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
        }
        let line: Vec<u8> = buf.drain(..=end).take(end).collect();
        if line == b"QUIT" {
            send(conn, b"BYE\n", limits)?;
            return Ok(());
        }
        let reply = answer(&line, store, limits);
        send(conn, &reply, limits)?;
    }

    fn answer(line: &[u8], store: &mut Store, limits: &Limits) -> Vec<u8> {
        let bad = b"ERR bad request\n".to_vec();
        let Some(space) = line.iter().position(|&b| b == b' ') else {
            return bad;
        };
        let (verb, rest) = (&line[..space], &line[space + 1..]);
        match verb {
            b"SET" => {
                let Some(sp) = rest.iter().position(|&b| b == b' ') else {
                    return bad;
                };
                let (key, value) = (&rest[..sp], &rest[sp + 1..]);
                if key.is_empty() || value.is_empty() {
                    return bad;
                }
                if key.len() > limits.max_key {
                    return b"ERR key too long\n".to_vec();
                }
                if value.len() > limits.max_value {
                    return b"ERR value too long\n".to_vec();
                }
                if !store.contains_key(key) && store.len() >= limits.max_keys {
                    return b"ERR store full\n".to_vec();
                }
                store.insert(key.to_vec(), value.to_vec());
                b"OK\n".to_vec()
            }
            b"GET" | b"DEL" if rest.is_empty() || rest.contains(&b' ') => bad,
            b"GET" => match store.get(rest) {
                Some(value) => [b"VALUE ", &value[..], b"\n"].concat(),
                None => b"NOTFOUND\n".to_vec(),
            },
            b"DEL" => match store.remove(rest) {
                Some(_) => b"DELETED\n".to_vec(),
                None => b"NOTFOUND\n".to_vec(),
            },
            _ => bad,
        }
    }

    fn send(mut conn: &TcpStream, mut bytes: &[u8], limits: &Limits) -> io::Result<()> {
        let deadline = Instant::now() + limits.deadline;
        while !bytes.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "reply not taken"));
            }
            conn.set_write_timeout(Some(left))?;
            match conn.write(bytes) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "reply not taken"))
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
