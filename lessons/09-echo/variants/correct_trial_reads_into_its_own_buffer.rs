// CORRECT, written differently: no fill_buf/consume of its own and no read_until. It reads
// with plain `Read::read` into a fixed buffer of its own (8 KiB) and splits what came at the
// newlines itself, keeping the unfinished line (never more than max_line) between reads;
// Interrupted from read is retried. Bytes after a newline are taken from conn with it and
// kept in the buffer: memory is the buffer plus one line, whatever the client sends.

use std::io::{self, ErrorKind, Read};

use crate::{refusal, Client, Summary};

pub fn echo_lines(conn: &mut impl Client, max_line: usize) -> io::Result<Summary> {
    let mut done = Summary::default();
    let mut buf = [0u8; 8192];
    let mut line: Vec<u8> = Vec::new();
    let mut refused = false;
    loop {
        let n = match conn.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return match (line.is_empty(), refused) {
                (false, false) => Err(ErrorKind::UnexpectedEof.into()),
                _ => Ok(done),
            };
        }
        for piece in buf[..n].split_inclusive(|&b| b == b'\n') {
            let ends = piece.ends_with(b"\n");
            if !refused {
                let room = max_line - line.len();
                if piece.len() <= room && (ends || piece.len() < room) {
                    line.extend_from_slice(piece);
                } else {
                    line.clear();
                    refused = true;
                    done.refused += 1;
                    conn.send_all(refusal(max_line).as_bytes())?;
                }
            }
            if ends {
                if !refused {
                    conn.send_all(&line)?;
                    done.echoed += 1;
                }
                line.clear();
                refused = false;
            }
        }
    }
}
