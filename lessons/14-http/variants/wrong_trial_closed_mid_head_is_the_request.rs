// WRONG: takes the client's close for the end of the request, as HTTP/1.0 bodies end: a head
// cut off by a close (no empty line yet) is returned as Complete instead of Closed.

use common::Result;

use crate::{body_length, head_end, Connection, Recv, Request, MAX_HEAD};

pub fn read_request(conn: &mut impl Connection) -> Result<Request> {
    let mut bytes = Vec::new();
    // The head: recv until the empty line, never holding more than MAX_HEAD without it.
    let end = loop {
        if let Some(end) = head_end(&bytes) {
            if end > MAX_HEAD {
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
            Recv::Closed if bytes.is_empty() => return Ok(Request::Closed),
            Recv::Closed => return Ok(Request::Complete(bytes)),
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
