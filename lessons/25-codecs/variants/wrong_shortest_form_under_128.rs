// WRONG: takes "not in its shortest form" to mean "a length under 128 in more than one byte":
// that catches 80 00 and 81 80 00, but not 80 81 00 (128 in three bytes, which 80 01 says in
// two) nor ff ff ff ff 00 (2^28 - 1 in five, which ff ff ff 7f says in four).

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
        let mut len: u64 = 0;
        let mut header = 0;
        for i in 0..MAX_VARINT {
            let Some(&byte) = src.get(i) else {
                return Ok(None);
            };
            len += u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                header = i + 1;
                break;
            }
        }
        if header == 0 {
            return Err(bad("more than 5 bytes of varint".into()));
        }
        if len > u64::from(u32::MAX) {
            return Err(bad(format!("a length of {len}, past 32 bits")));
        }
        if header > 1 && len < 128 {
            return Err(bad(format!("{len} in {header} bytes: one is enough")));
        }
        let len = len as usize;
        if len > self.max {
            return Err(bad(format!("a frame of {len} bytes, more than {}", self.max)));
        }
        if src.len() < header + len {
            return Ok(None);
        }
        src.advance(header);
        Ok(Some(src.split_to(len)))
    }
}
