// Lesson 25's exercise: ours. (Yours goes in exercise.rs.)

use std::io;

use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

use crate::{LengthPrefixed, HEADER};

// ANCHOR: solution
impl Decoder for LengthPrefixed {
    type Item = BytesMut;
    type Error = io::Error;

    /// One frame from the front of `src`, if it is all there.
    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        if src.len() < HEADER {
            return Ok(None); // not even the length yet
        }
        // Read the length without taking it off: if the payload is not all there, the next
        // call must find the header again.
        let len = (&src[..HEADER]).get_u32() as usize;
        // Checked now, before waiting for (or making room for) a payload we will refuse.
        if len > self.max {
            let why = format!("a frame of {len} bytes, more than {}", self.max);
            return Err(io::Error::new(io::ErrorKind::InvalidData, why));
        }
        if src.len() < HEADER + len {
            // Room for the rest of this frame (at most `max` bytes), in one allocation.
            src.reserve(HEADER + len - src.len());
            return Ok(None);
        }
        src.advance(HEADER);
        Ok(Some(src.split_to(len)))
    }
}
// ANCHOR_END: solution
