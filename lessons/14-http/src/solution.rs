// Reference solution for lesson 14's exercise. (Yours goes in exercise.rs.)

use common::Result;

use crate::{body_length, head_end, Connection, Recv, Request, MAX_HEAD};

// ANCHOR: solution
/// Read one whole request: the head, up to the empty line that ends it, then exactly as many
/// body bytes as its Content-Length says (RFC 9112 section 6.3: a request with neither
/// Content-Length nor Transfer-Encoding has no body, and ends at the empty line).
pub fn read_request(conn: &mut impl Connection) -> Result<Request> {
    let mut bytes = Vec::new();
    let head_len = loop {
        if let Some(end) = head_end(&bytes) {
            if end > MAX_HEAD {
                return Ok(Request::TooLarge);
            }
            break end;
        }
        // The limit is checked after every recv of at most 1024 bytes, not at the end.
        if bytes.len() > MAX_HEAD {
            return Ok(Request::TooLarge);
        }
        match conn.recv(&mut bytes)? {
            Recv::Some => continue,
            Recv::TimedOut => return Ok(Request::TimedOut),
            Recv::Closed => return Ok(Request::Closed),
        }
    };
    let length = match body_length(&bytes[..head_len]) {
        Ok(length) => length,
        Err(refusal) => return Ok(Request::Refused(refusal)),
    };
    // The body: `length` bytes after the head (the first of them may have come already).
    while bytes.len() < head_len + length {
        match conn.recv(&mut bytes)? {
            Recv::Some => continue,
            Recv::TimedOut => return Ok(Request::TimedOut),
            Recv::Closed => return Ok(Request::Closed),
        }
    }
    // Set the body aside, and whatever came after it (a second request: we close instead).
    bytes.truncate(head_len);
    Ok(Request::Complete(bytes))
}
// ANCHOR_END: solution
