// WRONG: off by one at the limit. A payload of exactly `max` bytes is allowed, but this
// refuses it (`>=` where `>` was meant).

use std::io;

use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

use crate::{LengthPrefixed, HEADER};

impl Decoder for LengthPrefixed {
    type Item = BytesMut;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        if src.len() < HEADER {
            return Ok(None);
        }
        let len = (&src[..HEADER]).get_u32() as usize;
        if len >= self.max {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "frame too long"));
        }
        if src.len() < HEADER + len {
            return Ok(None);
        }
        src.advance(HEADER);
        Ok(Some(src.split_to(len)))
    }
}
