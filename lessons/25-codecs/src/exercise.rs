// Lesson 25's exercise: a Decoder for varint-prefixed frames. Yours to write.
//
// Check it:       cargo exercise lesson-25-codecs
// Stuck?          cargo hint lesson-25-codecs      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-25-codecs -- server --frames

use std::io;

#[allow(unused_imports)]
use bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

#[allow(unused_imports)]
use crate::{VarintPrefixed, MAX_VARINT};

// ANCHOR: exercise
impl Decoder for VarintPrefixed {
    type Item = BytesMut;
    type Error = io::Error;

    /// Take one frame off the front of `src` and return its payload. A frame is the
    /// payload's length as a varint (what `put_varint` writes: 7 bits a byte, lowest group
    /// first, the high bit 0x80 set on every byte but the last), then that many bytes.
    ///
    /// The contract (what the checks test; FramedRead calls you each time bytes arrive, with
    /// everything not yet taken still in `src`):
    /// - Not a whole frame in `src` yet (part of the varint, or part of the payload):
    ///   `Ok(None)`, and `src` exactly as it was (the struct has no room to remember
    ///   anything: the next call, with more bytes behind, reads the frame again). However
    ///   the bytes were cut, the frames come out the same.
    /// - A whole frame: `Ok(Some(payload))`, with exactly that frame (varint and payload)
    ///   taken off `src`; the bytes after it stay for the next call.
    /// - The length is a `u32`: at most MAX_VARINT (5) bytes of varint. A 5th byte with the
    ///   high bit set (a 6th would follow), or a length that does not fit in 32 bits:
    ///   `io::ErrorKind::InvalidData`, as soon as that 5th byte is there. Never a panic,
    ///   never a length that wrapped round.
    /// - One length, one encoding: a varint of more than one byte whose last byte is `00`
    ///   (`80 00` for 0, `85 00` for 5) is not in its shortest form: `InvalidData` as soon
    ///   as that last byte is there, without waiting for the payload. (`00` alone is 0, a
    ///   frame with an empty payload.)
    /// - A length of exactly `self.max` is fine; over it, `InvalidData` as soon as the
    ///   varint is complete: without waiting for the payload, and without making room for
    ///   it. (`max` is a `usize`, and may be more than any `u32`: then no length is over
    ///   it.) No `reserve` for a payload at all: a varint is only a claim (one that promises
    ///   4 GiB must cost nothing, whatever `max` is); FramedRead makes room as bytes come.
    /// - At the end of the stream (the peer has closed: FramedRead calls `decode_eof` until
    ///   it says `Ok(None)` or fails): the whole frames come out, then nothing left in `src`
    ///   is a clean end (`Ok(None)`), and part of a frame left (a varint or a payload the
    ///   close cut short) is an error of any kind, never a frame, never dropped in silence.
    ///   The trait's default `decode_eof` does exactly this with your `decode`: keep it.
    /// - Print nothing: the lesson narrates around your decoder.
    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<BytesMut>> {
        let _ = src;
        todo!("one varint-prefixed frame off the front of src, if it is all there")
    }
}
// ANCHOR_END: exercise
