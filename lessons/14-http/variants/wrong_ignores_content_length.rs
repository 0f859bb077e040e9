// WRONG: stops at the empty line and never reads the body that Content-Length announces: the
// body's bytes stay in the socket, to be taken for the next request.

use common::Result;

use crate::{body_length, head_end, Connection, Recv, Request, MAX_HEAD};

pub fn read_request(conn: &mut impl Connection) -> Result<Request> {
    let mut bytes = Vec::new();
    loop {
        if let Some(end) = head_end(&bytes) {
            if end > MAX_HEAD {
                return Ok(Request::TooLarge);
            }
            if let Err(refusal) = body_length(&bytes[..end]) {
                return Ok(Request::Refused(refusal));
            }
            bytes.truncate(end);
            return Ok(Request::Complete(bytes));
        }
        if bytes.len() > MAX_HEAD {
            return Ok(Request::TooLarge);
        }
        match conn.recv(&mut bytes)? {
            Recv::Some => {}
            Recv::TimedOut => return Ok(Request::TimedOut),
            Recv::Closed => return Ok(Request::Closed),
        }
    }
}
