// WRONG: an error while reading the LENGTH (a reset between two messages, say) is taken for
// "nothing yet": Ok(NotYet), so a server polls a dead connection for ever; only the body's
// errors are returned. The check of "any other error" injects its error only in the body.
// Passes every check (trial of issue 11).
use std::io::{self, Read};

use crate::Polled;

pub struct MessageReader {
    max: usize,
    head: [u8; 4],
    head_got: usize,
    body: Option<Vec<u8>>,
    body_got: usize,
}

impl MessageReader {
    /// A reader for messages of at most `max` bytes.
    pub fn new(max: usize) -> MessageReader {
        MessageReader {
            max,
            head: [0; 4],
            head_got: 0,
            body: None,
            body_got: 0,
        }
    }

    /// Read on from where the last call stopped: a whole message, `NotYet`, or `Closed`.
    pub fn poll_message(&mut self, conn: &mut impl Read) -> io::Result<Polled> {
        while self.head_got < 4 {
            match conn.read(&mut self.head[self.head_got..]) {
                Ok(0) if self.head_got == 0 => return Ok(Polled::Closed),
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "closed in the length",
                    ))
                }
                Ok(n) => self.head_got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Polled::NotYet),
                Err(_) => return Ok(Polled::NotYet),
            }
        }
        if self.body.is_none() {
            let len = u32::from_be_bytes(self.head) as usize;
            if len > self.max {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("message of {len} bytes; limit {}", self.max),
                ));
            }
            self.body = Some(vec![0; len]);
            self.body_got = 0;
        }
        let body = self.body.as_mut().unwrap();
        while self.body_got < body.len() {
            match conn.read(&mut body[self.body_got..]) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "closed in the body",
                    ))
                }
                Ok(n) => self.body_got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Polled::NotYet),
                Err(e) => return Err(e),
            }
        }
        self.head_got = 0;
        Ok(Polled::Message(self.body.take().unwrap()))
    }
}
