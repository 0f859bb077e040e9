// WRONG: treats the first recv as the whole request, as if TCP delivered messages: a head that
// comes in pieces is cut at the first piece.

use common::Result;

use crate::{body_length, head_end, Connection, Recv, Request, MAX_HEAD};

pub fn read_request(conn: &mut impl Connection) -> Result<Request> {
    let mut bytes = Vec::new();
    match conn.recv(&mut bytes)? {
        Recv::Some => {}
        Recv::TimedOut => return Ok(Request::TimedOut),
        Recv::Closed => return Ok(Request::Closed),
    }
    if bytes.len() > MAX_HEAD {
        return Ok(Request::TooLarge);
    }
    let end = head_end(&bytes).unwrap_or(bytes.len());
    if let Err(refusal) = body_length(&bytes[..end]) {
        return Ok(Request::Refused(refusal));
    }
    bytes.truncate(end);
    Ok(Request::Complete(bytes))
}
