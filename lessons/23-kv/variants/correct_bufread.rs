// A correct solution written differently: std's BufReader and read_until on a reader whose
// every read() sets what is left of the line's deadline; `take` caps the line; the commands
// parsed with split_once; other error texts.

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use crate::{Limits, Store};

/// Reads from the socket with whatever is left of `deadline` as each recv()'s timeout.
struct Deadlined<'a> {
    stream: &'a TcpStream,
    deadline: Instant,
}

impl Read for Deadlined<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(ErrorKind::TimedOut, "no whole line in time"));
        }
        self.stream.set_read_timeout(Some(left))?;
        self.stream.read(buf)
    }
}

pub fn serve_client(stream: &TcpStream, store: &mut Store, limits: &Limits) -> io::Result<()> {
    stream.set_write_timeout(Some(limits.deadline))?; // each reply's send(), bounded
    let mut writer = stream;
    let mut reader = BufReader::new(Deadlined {
        stream,
        deadline: Instant::now(),
    });
    let mut line = Vec::new();
    loop {
        line.clear();
        reader.get_mut().deadline = Instant::now() + limits.deadline;
        let n = (&mut reader)
            .take(limits.max_line as u64)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(());
        }
        if line.pop() != Some(b'\n') {
            if n == limits.max_line {
                writer.write_all(b"ERR line too long\n")?;
                return Err(io::Error::other("a line over the limit"));
            }
            return Err(io::Error::other("the client hung up mid-request"));
        }
        let reply = match line.split_first_chunk::<4>() {
            _ if line == b"QUIT" => {
                writer.write_all(b"BYE\n")?;
                return Ok(());
            }
            Some((b"GET ", key)) if valid_key(key) => match store.get(key) {
                Some(value) => [&b"VALUE "[..], value, b"\n"].concat(),
                None => b"NOTFOUND\n".to_vec(),
            },
            Some((b"DEL ", key)) if valid_key(key) => match store.remove(key) {
                Some(_) => b"DELETED\n".to_vec(),
                None => b"NOTFOUND\n".to_vec(),
            },
            Some((b"SET ", rest)) => match rest.iter().position(|&b| b == b' ') {
                Some(space) if space > 0 && space + 1 < rest.len() => {
                    let (key, value) = (&rest[..space], &rest[space + 1..]);
                    set(store, key, value, limits).to_vec()
                }
                _ => b"ERR bad request\n".to_vec(),
            },
            _ => b"ERR bad request\n".to_vec(),
        };
        writer.write_all(&reply)?;
    }
}

fn valid_key(key: &[u8]) -> bool {
    !key.is_empty() && !key.contains(&b' ')
}

fn set(store: &mut Store, key: &[u8], value: &[u8], limits: &Limits) -> &'static [u8] {
    if key.len() > limits.max_key {
        return b"ERR key too long\n";
    }
    if value.len() > limits.max_value {
        return b"ERR value too long\n";
    }
    if store.len() >= limits.max_keys && !store.contains_key(key) {
        return b"ERR store full\n";
    }
    store.insert(key.to_vec(), value.to_vec());
    b"OK\n"
}
