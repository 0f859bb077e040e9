// WRONG: a partial frame taken as whole. Once the header is there, it returns whatever part
// of the payload has arrived, as if a read always brought a whole frame: chapter 7's mistake
// again. Bytes cut anywhere but at frame boundaries come out as broken frames, and the rest
// of the payload is then read as the next header.

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
        if len > self.max {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "frame too long"));
        }
        src.advance(HEADER);
        let available = len.min(src.len());
        Ok(Some(src.split_to(available)))
    }
}
