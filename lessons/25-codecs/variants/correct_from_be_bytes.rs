// CORRECT: another way to write the decoder: the length read with u32::from_be_bytes on a
// copied array, the whole frame taken with split_to and its header dropped afterwards, and no
// reserve (FramedRead grows the buffer as reads need it).

use std::io;

use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

use crate::{LengthPrefixed, HEADER};

impl Decoder for LengthPrefixed {
    type Item = BytesMut;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        let mut length = [0u8; HEADER];
        match src.get(..HEADER) {
            Some(header) => length.copy_from_slice(header),
            None => return Ok(None),
        }
        let length = u32::from_be_bytes(length) as usize;
        if length > self.max {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("frame too long: {length} > {}", self.max),
            ));
        }
        let whole = HEADER + length;
        if src.len() < whole {
            return Ok(None);
        }
        let mut frame = src.split_to(whole);
        frame.advance(HEADER);
        Ok(Some(frame))
    }
}
