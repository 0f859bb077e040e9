// Lesson 25's exercise: a Decoder for length-prefixed frames. Yours to write.
//
// Check it:       cargo exercise lesson-25-codecs
// Stuck?          cargo hint lesson-25-codecs      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-25-codecs -- server --frames

use std::io;

#[allow(unused_imports)]
use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

#[allow(unused_imports)]
use crate::{LengthPrefixed, HEADER};

// ANCHOR: exercise
impl Decoder for LengthPrefixed {
    type Item = BytesMut;
    type Error = io::Error;

    /// Take one frame off the front of `src`: HEADER (4) bytes of length, big-endian, then
    /// that many bytes of payload. Return the payload.
    ///
    /// The contract (what the checks test; FramedRead calls you each time bytes arrive, with
    /// everything not yet taken still in `src`):
    /// - Not a whole frame in `src` yet (part of the header, or part of the payload):
    ///   `Ok(None)`, and `src` still starts with that frame's header, so that the next call,
    ///   with more bytes behind it, finds the frame again. However the bytes were cut, the
    ///   frames come out the same.
    /// - A whole frame: `Ok(Some(payload))`, with exactly that frame (header and payload)
    ///   taken off `src`; the bytes after it stay for the next call.
    /// - A length of 0 is a frame with an empty payload; a length of exactly `self.max` is
    ///   fine.
    /// - A length over `self.max`: an `io::ErrorKind::InvalidData` error as soon as the
    ///   header is there: without waiting for the payload, and without making room for it
    ///   in `src` (a header that promises 16 MiB must cost you nothing).
    /// - Print nothing: the lesson narrates around your decoder.
    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        let _ = src;
        todo!("one length-prefixed frame off the front of src, if it is all there")
    }
}
// ANCHOR_END: exercise
