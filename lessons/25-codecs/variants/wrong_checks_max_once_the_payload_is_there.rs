// WRONG: checks the maximum only once the whole frame is there: a header that promises
// 16 MiB makes the decoder wait for 16 MiB of payload (FramedRead grows its buffer to hold
// it) before refusing it.

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
        if src.len() < HEADER + len {
            return Ok(None);
        }
        if len > self.max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a frame of {len} bytes, more than {}", self.max),
            ));
        }
        src.advance(HEADER);
        Ok(Some(src.split_to(len)))
    }
}
