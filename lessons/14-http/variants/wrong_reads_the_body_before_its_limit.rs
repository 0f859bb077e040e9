// WRONG: parses Content-Length itself and reads the body first, asking body_length only
// afterwards: a client announcing 100 MB is read (and held) before it is refused.

use common::Result;

use crate::{body_length, head_end, Connection, Recv, Request, MAX_HEAD};

pub fn read_request(conn: &mut impl Connection) -> Result<Request> {
    let mut bytes = Vec::new();
    let head_len = loop {
        if let Some(end) = head_end(&bytes) {
            break end;
        }
        if bytes.len() > MAX_HEAD {
            return Ok(Request::TooLarge);
        }
        match conn.recv(&mut bytes)? {
            Recv::Some => {}
            Recv::TimedOut => return Ok(Request::TimedOut),
            Recv::Closed => return Ok(Request::Closed),
        }
    };
    let head = String::from_utf8_lossy(&bytes[..head_len]).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while bytes.len() < head_len + length {
        match conn.recv(&mut bytes)? {
            Recv::Some => {}
            Recv::TimedOut => return Ok(Request::TimedOut),
            Recv::Closed => return Ok(Request::Closed),
        }
    }
    if let Err(refusal) = body_length(&bytes[..head_len]) {
        return Ok(Request::Refused(refusal));
    }
    bytes.truncate(head_len);
    Ok(Request::Complete(bytes))
}
