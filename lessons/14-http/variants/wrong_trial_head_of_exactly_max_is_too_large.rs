// WRONG: off by one: refuses a head of exactly MAX_HEAD bytes (end >= MAX_HEAD), though only a
// head LONGER than MAX_HEAD is too large.

use common::Result;

use crate::{body_length, head_end, Connection, Recv, Request, MAX_HEAD};

pub fn read_request(conn: &mut impl Connection) -> Result<Request> {
    let mut bytes = Vec::new();
    // The head: recv until the empty line, never holding more than MAX_HEAD without it.
    let end = loop {
        if let Some(end) = head_end(&bytes) {
            if end >= MAX_HEAD {
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
