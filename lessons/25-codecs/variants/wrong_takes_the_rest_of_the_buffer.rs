// WRONG: takes the payload with src.split() (everything after the header) instead of exactly
// the frame's length: when two frames came in one read, the second is swallowed into the
// first's payload (and an empty frame takes what follows it).

use std::io;

#[allow(unused_imports)]
use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

#[allow(unused_imports)]
use crate::{LengthPrefixed, HEADER};

impl Decoder for LengthPrefixed {
    type Item = BytesMut;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        if src.len() < HEADER {
            return Ok(None);
        }
        let len = u32::from_be_bytes([src[0], src[1], src[2], src[3]]) as usize;
        if len > self.max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a frame of {len} bytes, more than {}", self.max),
            ));
        }
        if src.len() < HEADER + len {
            src.reserve(HEADER + len - src.len());
            return Ok(None);
        }
        src.advance(HEADER);
        Ok(Some(src.split()))
    }
}
