// WRONG: prints each refusal on standard error (eprintln!) before returning it: the contract
// says print nothing; the caller decides what to say about an error.

use std::io;

use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

use crate::{VarintPrefixed, MAX_VARINT};

impl Decoder for VarintPrefixed {
    type Item = BytesMut;
    type Error = io::Error;

    /// One frame from the front of `src`, if it is all there.
    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        // The length, read without taking it off: if the frame is not all there, the next
        // call must find it again.
        let Some((len, header)) = read_varint(src)? else {
            return Ok(None); // the varint is not all there yet
        };
        // Checked now, before waiting for a payload we would refuse.
        if len > self.max as u64 {
            return Err(bad(format!(
                "a frame of {len} bytes, more than {}",
                self.max
            )));
        }
        let len = len as usize; // at most max: it fits
        if src.len() < header + len {
            return Ok(None); // FramedRead makes room as the bytes come
        }
        src.advance(header);
        Ok(Some(src.split_to(len)))
    }
}

/// The varint at the front of `bytes` and how many bytes it takes, or `None` if its last
/// byte has not come; an error if it is longer than MAX_VARINT bytes, over 32 bits, or not
/// in its shortest form.
fn read_varint(bytes: &[u8]) -> io::Result<Option<(u64, usize)>> {
    let mut value = 0u64; // 64 bits: 5 groups of 7 cannot overflow it
    for (i, &byte) in bytes.iter().take(MAX_VARINT).enumerate() {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 != 0 {
            continue; // more follows
        }
        if value > u64::from(u32::MAX) {
            return Err(bad(format!("a length of {value}, over 32 bits")));
        }
        if byte == 0 && i > 0 {
            return Err(bad("a length not in its shortest form".into()));
        }
        return Ok(Some((value, i + 1)));
    }
    if bytes.len() >= MAX_VARINT {
        return Err(bad(format!("a length of more than {MAX_VARINT} bytes")));
    }
    Ok(None)
}

fn bad(why: String) -> io::Error {
    eprintln!("decode: refused, {why}");
    io::Error::new(io::ErrorKind::InvalidData, why)
}
