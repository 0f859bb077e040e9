// WRONG: reads in 4 KiB gulps until it has the whole message, and throws away whatever came
// after it: when two messages arrive together, the start of the second is lost.

use std::io::{self, Read};

pub fn read_message(conn: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut have = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if have.len() >= 4 {
            let len = u32::from_be_bytes([have[0], have[1], have[2], have[3]]) as usize;
            if len > max {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "too long"));
            }
            if have.len() >= 4 + len {
                return Ok(Some(have[4..4 + len].to_vec()));
            }
        }
        let n = match conn.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return match have.is_empty() {
                true => Ok(None),
                false => Err(io::ErrorKind::UnexpectedEof.into()),
            };
        }
        have.extend_from_slice(&buf[..n]);
    }
}
