// WRONG: the length bytes live in a local array, so a WouldBlock in the middle of the length
// forgets the bytes already read; the next call starts the length again from the body's bytes.

use std::io::{self, Read};

use crate::Polled;

/// Reads length-prefixed messages (4 bytes big-endian, then the bytes) and can stop at any
/// byte when recv() says WouldBlock: what arrived so far is kept for the next call.
pub struct MessageReader {
    max: usize,
    header_done: bool,
    /// The body, sized to the announced length once the header is whole.
    body: Vec<u8>,
    body_got: usize,
}

impl MessageReader {
    pub fn new(max: usize) -> MessageReader {
        MessageReader {
            max,
            header_done: false,
            body: Vec::new(),
            body_got: 0,
        }
    }

    pub fn poll_message(&mut self, conn: &mut impl Read) -> io::Result<Polled> {
        // The header. Ask only for the bytes still missing, so nothing of the body is taken.
        let mut header = [0u8; 4];
        let mut header_got = 0;
        while !self.header_done {
            match recv(conn, &mut header[header_got..])? {
                Some(0) if header_got == 0 => return Ok(Polled::Closed),
                Some(0) => return Err(closed_after(header_got, 4)),
                Some(n) => header_got += n,
                None => return Ok(Polled::NotYet),
            }
            if header_got == header.len() {
                self.header_done = true;
                let len = u32::from_be_bytes(header) as usize;
                if len > self.max {
                    let max = self.max;
                    let reason = format!("message of {len} bytes announced; the limit is {max}");
                    return Err(io::Error::new(io::ErrorKind::InvalidData, reason));
                }
                self.body = vec![0; len];
            }
        }
        // The body: exactly the announced length, so the next message stays in the socket.
        while self.body_got < self.body.len() {
            match recv(conn, &mut self.body[self.body_got..])? {
                Some(0) => return Err(closed_after(self.body_got, self.body.len())),
                Some(n) => self.body_got += n,
                None => return Ok(Polled::NotYet),
            }
        }
        // Whole. Start afresh for the next message.
        self.header_done = false;
        self.body_got = 0;
        Ok(Polled::Message(std::mem::take(&mut self.body)))
    }
}

/// One recv(): `Some(n)` bytes (0 at end of stream), or `None` if it would block.
/// Interrupted took nothing: ask again.
fn recv(conn: &mut impl Read, buf: &mut [u8]) -> io::Result<Option<usize>> {
    loop {
        match conn.read(buf) {
            Ok(n) => return Ok(Some(n)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) => return Err(e),
        }
    }
}

fn closed_after(got: usize, want: usize) -> io::Error {
    let reason = format!("the peer closed after {got} of {want} bytes");
    io::Error::new(io::ErrorKind::UnexpectedEof, reason)
}
