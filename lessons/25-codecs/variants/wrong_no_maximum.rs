// WRONG: no maximum. Any length is taken at its word: a header that promises 4 GiB makes the
// server wait for 4 GiB, and hold every byte of it as it comes.

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
        if src.len() < HEADER + len {
            return Ok(None);
        }
        src.advance(HEADER);
        Ok(Some(src.split_to(len)))
    }
}
