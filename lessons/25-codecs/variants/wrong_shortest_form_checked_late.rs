// WRONG: checks the shortest form only once the whole frame is there (by writing the length
// again with put_varint and comparing): 85 00 with no payload behind it is waited on, not
// refused, though its last byte already shows it is not in its shortest form.

use std::io;

use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

use crate::{put_varint, VarintPrefixed, MAX_VARINT};

fn bad(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.to_string())
}

impl Decoder for VarintPrefixed {
    type Item = BytesMut;
    type Error = io::Error;

    /// One frame from the front of `src`, if it is all there.
    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        let mut len: u64 = 0;
        let mut header = None;
        for (i, &byte) in src.iter().take(MAX_VARINT).enumerate() {
            len |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                header = Some(i + 1);
                break;
            }
        }
        let Some(header) = header else {
            if src.len() >= MAX_VARINT {
                return Err(bad("more than 5 bytes of varint"));
            }
            return Ok(None);
        };
        let Ok(len) = u32::try_from(len) else {
            return Err(bad("a length past 32 bits"));
        };
        if len as usize > self.max {
            return Err(bad("a frame over the maximum"));
        }
        if src.len() < header + len as usize {
            return Ok(None);
        }
        // The frame is all there: was its length written as put_varint writes it?
        let mut shortest = BytesMut::new();
        put_varint(len, &mut shortest);
        if shortest[..] != src[..header] {
            return Err(bad("a varint longer than it needs to be"));
        }
        src.advance(header);
        Ok(Some(src.split_to(len as usize)))
    }
}
