// CORRECT, written differently: the state is an enum (reading the length, or the body), and
// one buffer of 4 bytes then of the body's length; other error wording.

use std::io::{self, ErrorKind, Read};

use crate::Polled;

enum State {
    Length { bytes: [u8; 4], got: usize },
    Body { bytes: Vec<u8>, got: usize },
}

pub struct MessageReader {
    max: usize,
    state: State,
}

impl MessageReader {
    pub fn new(max: usize) -> MessageReader {
        let state = State::Length { bytes: [0; 4], got: 0 };
        MessageReader { max, state }
    }

    pub fn poll_message(&mut self, conn: &mut impl Read) -> io::Result<Polled> {
        loop {
            match &mut self.state {
                State::Length { bytes, got } if *got == 4 => {
                    let len = u32::from_be_bytes(*bytes);
                    if len as usize > self.max {
                        return Err(io::Error::new(ErrorKind::InvalidData, "too long"));
                    }
                    self.state = State::Body { bytes: vec![0; len as usize], got: 0 };
                }
                State::Body { bytes, got } if *got == bytes.len() => {
                    let message = std::mem::take(bytes);
                    self.state = State::Length { bytes: [0; 4], got: 0 };
                    return Ok(Polled::Message(message));
                }
                State::Length { bytes, got } => match conn.read(&mut bytes[*got..]) {
                    Ok(0) if *got == 0 => return Ok(Polled::Closed),
                    Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
                    Ok(n) => *got += n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return not_now(e),
                },
                State::Body { bytes, got } => match conn.read(&mut bytes[*got..]) {
                    Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
                    Ok(n) => *got += n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return not_now(e),
                },
            }
        }
    }
}

/// A failed read (not Interrupted, which the loop tries again): `WouldBlock` is "nothing
/// now", anything else is returned as it is.
fn not_now(e: io::Error) -> io::Result<Polled> {
    match e.kind() {
        ErrorKind::WouldBlock => Ok(Polled::NotYet),
        _ => Err(e),
    }
}
