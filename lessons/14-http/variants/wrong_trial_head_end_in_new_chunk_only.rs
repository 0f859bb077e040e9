// WRONG: looks for the end of the head in each recv's bytes alone: an empty line split across
// two recvs is never found.

use common::Result;

use crate::{body_length, head_end, Connection, Recv, Request, MAX_HEAD};

pub fn read_request(conn: &mut impl Connection) -> Result<Request> {
    let mut bytes = Vec::new();
    let mut from = 0;
    // The head: recv until the empty line, never holding more than MAX_HEAD without it.
    let end = loop {
        if let Some(end) = head_end(&bytes[from..]).map(|at| from + at) {
            if end > MAX_HEAD {
                return Ok(Request::TooLarge);
            }
            break end;
        }
        if bytes.len() > MAX_HEAD {
            return Ok(Request::TooLarge);
        }
        from = bytes.len();
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
