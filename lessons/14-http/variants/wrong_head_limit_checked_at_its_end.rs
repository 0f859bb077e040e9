// WRONG: checks MAX_HEAD only once the head has ended: a client that never sends the empty
// line makes the server read (and hold) its bytes for as long as it likes.

use common::Result;

use crate::{body_length, head_end, Connection, Recv, Request, MAX_HEAD};

pub fn read_request(conn: &mut impl Connection) -> Result<Request> {
    let mut bytes = Vec::new();
    let head_len = loop {
        if let Some(end) = head_end(&bytes) {
            if end > MAX_HEAD {
                return Ok(Request::TooLarge);
            }
            break end;
        }
        match conn.recv(&mut bytes)? {
            Recv::Some => {}
            Recv::TimedOut => return Ok(Request::TimedOut),
            Recv::Closed => return Ok(Request::Closed),
        }
    };
    let length = match body_length(&bytes[..head_len]) {
        Ok(length) => length,
        Err(refusal) => return Ok(Request::Refused(refusal)),
    };
    while bytes.len() < head_len + length {
        match conn.recv(&mut bytes)? {
            Recv::Some => {}
            Recv::TimedOut => return Ok(Request::TimedOut),
            Recv::Closed => return Ok(Request::Closed),
        }
    }
    bytes.truncate(head_len);
    Ok(Request::Complete(bytes))
}
