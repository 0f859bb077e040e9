// WRONG: leaves the empty line out of the head's size (end - 4 > MAX_HEAD): a head of up to
// MAX_HEAD + 4 bytes, its empty line included, is let through, though the limit counts every
// byte of the head.

use common::Result;

use crate::{body_length, head_end, Connection, Recv, Request, MAX_HEAD};

pub fn read_request(conn: &mut impl Connection) -> Result<Request> {
    let mut bytes = Vec::new();
    // The head: recv until the empty line, never holding more than MAX_HEAD without it.
    let end = loop {
        if let Some(end) = head_end(&bytes) {
            if end - 4 > MAX_HEAD {
                return Ok(Request::TooLarge);
            }
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
    // The body: as many bytes as the head announces, or the response that refuses it.
    let length = match body_length(&bytes[..end]) {
        Ok(length) => length,
        Err(response) => return Ok(Request::Refused(response)),
    };
    while bytes.len() - end < length {
        match conn.recv(&mut bytes)? {
            Recv::Some => {}
            Recv::TimedOut => return Ok(Request::TimedOut),
            Recv::Closed => return Ok(Request::Closed),
        }
    }
    bytes.truncate(end);
    Ok(Request::Complete(bytes))
}
