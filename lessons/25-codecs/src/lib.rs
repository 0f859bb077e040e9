//! Lesson 25: framing with tokio-util's codecs. What the exercise is given (the
//! `VarintPrefixed` codec's struct, its limit and its encoder), and the queue between a
//! connection's reader and writer tasks (`relay`), which the lesson uses and the tests measure.
//!
//! The exercise: `impl Decoder for VarintPrefixed`, frames whose length is a varint (as
//! protobuf's length-delimited messages), which `LengthDelimitedCodec` does not do. It prints
//! nothing: the lesson narrates around it, and tests/exercise.rs checks what it returns for
//! bytes cut every way.

use std::io;

use bytes::{BufMut, Bytes, BytesMut};
use tokio_util::codec::Encoder;

pub mod relay;

// The decoder you write: src/exercise.rs is yours (`cargo exercise lesson-25-codecs` checks
// it), src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
#[cfg(not(feature = "variant"))]
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(not(feature = "exercise"), path = "solution.rs")]
mod exercise;
#[cfg(feature = "variant")]
mod exercise {
    include!(env!(
        "LESSON_VARIANT",
        "set LESSON_VARIANT to the variant's path (cargo xtask verify-exercises does)"
    ));
}

// ANCHOR: given
/// The frames of the exercise: the payload's length as a varint, then the payload, each
/// payload at most `max` bytes. The encoder is below; `impl Decoder for VarintPrefixed` is
/// yours to write.
#[derive(Debug, Clone)]
pub struct VarintPrefixed {
    /// The largest payload accepted (and sent).
    pub max: usize,
}

impl VarintPrefixed {
    pub fn new(max: usize) -> Self {
        VarintPrefixed { max }
    }
}

/// The longest varint a length may take: 5 bytes of 7 bits hold any `u32`.
pub const MAX_VARINT: usize = 5;

/// A varint, as protobuf writes one (unsigned LEB128): 7 bits per byte, the lowest 7 first;
/// the high bit of a byte (0x80) says that another byte follows. 5 is `05`, 300 is `ac 02`,
/// 1 MiB is `80 80 40`. The shortest form: 0 is the one byte `00`.
pub fn put_varint(mut value: u32, dst: &mut BytesMut) {
    while value >= 0x80 {
        dst.put_u8(value as u8 | 0x80); // the low 7 bits, and "more follows"
        value >>= 7;
    }
    dst.put_u8(value as u8); // the last byte: high bit clear
}

/// The encoder: the payload's length as a varint, then the payload. A payload over `max`
/// is refused (`InvalidInput`): the peer would refuse it.
impl Encoder<Bytes> for VarintPrefixed {
    type Error = io::Error;

    fn encode(&mut self, payload: Bytes, dst: &mut BytesMut) -> io::Result<()> {
        if payload.len() > self.max || u32::try_from(payload.len()).is_err() {
            let why = format!("a frame of {} bytes, more than {}", payload.len(), self.max);
            return Err(io::Error::new(io::ErrorKind::InvalidInput, why));
        }
        dst.reserve(MAX_VARINT + payload.len());
        put_varint(payload.len() as u32, dst);
        dst.extend_from_slice(&payload);
        Ok(())
    }
}
// ANCHOR_END: given

/// The longest line the lesson's server takes, without its `\n`.
pub const MAX_LINE: usize = 32;
/// The largest frame payload the lesson's server takes (`--frames`).
pub const MAX_FRAME: usize = 1024;
