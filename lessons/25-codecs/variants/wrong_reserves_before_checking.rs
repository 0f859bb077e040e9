// WRONG: the length is not checked before allocating. It makes room for the whole frame
// first (a good habit for frames it will take), and checks the maximum only afterwards: a
// header that promises 16 MiB costs 16 MiB of memory before it is refused.

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
        src.reserve(HEADER + len);
        if len > self.max {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "frame too long"));
        }
        if src.len() < HEADER + len {
            return Ok(None);
        }
        src.advance(HEADER);
        Ok(Some(src.split_to(len)))
    }
}
