// WRONG: the header is taken off before the payload is known to be there. When the payload is
// not all in yet it returns None, but the header is gone: the next call reads the payload's
// first bytes as a length.

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
        let len = src.get_u32() as usize;
        if len > self.max {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "frame too long"));
        }
        if src.len() < len {
            return Ok(None);
        }
        Ok(Some(src.split_to(len)))
    }
}
