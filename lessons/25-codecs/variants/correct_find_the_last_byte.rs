// CORRECT, written differently: finds the varint's last byte first (the first without the
// high bit, among the first five), then adds the groups up from the highest, with checked
// arithmetic on a u32; takes the whole frame with split_to and drops the varint from it.

use std::io;

use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

use crate::{VarintPrefixed, MAX_VARINT};

impl Decoder for VarintPrefixed {
    type Item = BytesMut;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        let refuse = |why: &str| Err(io::Error::new(io::ErrorKind::InvalidData, why.to_string()));
        let first_five = &src[..src.len().min(MAX_VARINT)];
        let Some(last) = first_five.iter().position(|b| b & 0x80 == 0) else {
            if first_five.len() == MAX_VARINT {
                return refuse("varint longer than 5 bytes");
            }
            return Ok(None);
        };
        if last > 0 && src[last] == 0 {
            return refuse("varint with a useless last byte");
        }
        let mut len: u32 = 0;
        for &byte in src[..=last].iter().rev() {
            let shifted = len.checked_mul(128);
            match shifted.and_then(|l| l.checked_add(u32::from(byte & 0x7f))) {
                Some(l) => len = l,
                None => return refuse("length does not fit in 32 bits"),
            }
        }
        if u64::from(len) > self.max as u64 {
            return refuse("frame over the maximum");
        }
        let total = last + 1 + len as usize;
        if src.len() < total {
            return Ok(None);
        }
        let mut frame = src.split_to(total);
        frame.advance(last + 1);
        Ok(Some(frame))
    }
}
