// CORRECT, written differently: one loop with a target length that grows once the head is
// known, and the limit checked on every pass.

use common::Result;

use crate::{body_length, head_end, Connection, Recv, Request, MAX_HEAD};

pub fn read_request(conn: &mut impl Connection) -> Result<Request> {
    let mut bytes = Vec::new();
    // (head length, head + body length), once the head has ended.
    let mut known: Option<(usize, usize)> = None;
    loop {
        if known.is_none() {
            match head_end(&bytes) {
                Some(end) if end <= MAX_HEAD => match body_length(&bytes[..end]) {
                    Ok(body) => known = Some((end, end + body)),
                    Err(refusal) => return Ok(Request::Refused(refusal)),
                },
                Some(_) => return Ok(Request::TooLarge),
                None if bytes.len() > MAX_HEAD => return Ok(Request::TooLarge),
                None => {}
            }
        }
        if let Some((head, total)) = known {
            if bytes.len() >= total {
                bytes.truncate(head);
                return Ok(Request::Complete(bytes));
            }
        }
        match conn.recv(&mut bytes)? {
            Recv::Some => {}
            Recv::TimedOut => return Ok(Request::TimedOut),
            Recv::Closed => return Ok(Request::Closed),
        }
    }
}
