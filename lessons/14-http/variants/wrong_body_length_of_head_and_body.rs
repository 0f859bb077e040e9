// WRONG: asks body_length about every byte read so far, not the head alone: when the body
// came in the same recv as the head, body lines that look like headers (here
// `Transfer-Encoding: chunked`) decide how the request is framed, and a valid request is refused.

use common::Result;

use crate::{body_length, head_end, Connection, Recv, Request, MAX_HEAD};

pub fn read_request(conn: &mut impl Connection) -> Result<Request> {
    let mut bytes = Vec::new();
    let end = loop {
        if let Some(end) = head_end(&bytes) {
            if end > MAX_HEAD {
                return Ok(Request::TooLarge);
            }
            break end;
        }
        if bytes.len() >= MAX_HEAD {
            return Ok(Request::TooLarge);
        }
        match conn.recv(&mut bytes)? {
            Recv::Some => {}
            Recv::TimedOut => return Ok(Request::TimedOut),
            Recv::Closed => return Ok(Request::Closed),
        }
    };
    let body = match body_length(&bytes) {
        Ok(n) => n,
        Err(response) => return Ok(Request::Refused(response)),
    };
    while bytes.len() < end + body {
        match conn.recv(&mut bytes)? {
            Recv::Some => {}
            Recv::TimedOut => return Ok(Request::TimedOut),
            Recv::Closed => return Ok(Request::Closed),
        }
    }
    bytes.truncate(end);
    Ok(Request::Complete(bytes))
}
