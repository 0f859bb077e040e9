// WRONG: compares the length with `self.max as u32`, to make the types match: a `max` past
// u32::MAX (a usize may be) is cut down to its low 32 bits, so max = 2^32 + 200 refuses a
// frame of 201 bytes (and max = 2^32 refuses every frame but an empty one).

use std::io;

use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

use crate::{VarintPrefixed, MAX_VARINT};

fn bad(why: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}

impl Decoder for VarintPrefixed {
    type Item = BytesMut;
    type Error = io::Error;

    /// One frame from the front of `src`, if it is all there.
    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        // The varint, read in place: (its value, its size), or not all there yet.
        let mut len: u32 = 0;
        let mut header = 0;
        for (i, &byte) in src.iter().take(MAX_VARINT).enumerate() {
            if i == MAX_VARINT - 1 && byte > 0x0f {
                return Err(bad(format!("a 5th varint byte of {byte:#04x}: past 32 bits")));
            }
            len |= u32::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                if i > 0 && byte == 0 {
                    return Err(bad("a varint longer than it needs to be".into()));
                }
                header = i + 1;
                break;
            }
        }
        if header == 0 {
            return Ok(None); // fewer than 5 bytes, all with "more follows"
        }
        if len > self.max as u32 {
            return Err(bad(format!("a frame of {len} bytes, more than {}", self.max)));
        }
        let len = len as usize;
        if src.len() < header + len {
            return Ok(None);
        }
        src.advance(header);
        Ok(Some(src.split_to(len)))
    }
}
