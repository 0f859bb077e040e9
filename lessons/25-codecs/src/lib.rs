//! Lesson 25: framing with tokio-util's codecs. What the exercise is given (the
//! `LengthPrefixed` decoder's struct and its limit), and the queue between a connection's
//! reader and writer tasks (`relay`), which the lesson uses and the tests measure.
//!
//! The exercise: `impl Decoder for LengthPrefixed`, the length-prefixed framing that
//! `LengthDelimitedCodec` does, written by hand. It prints nothing: the lesson narrates around
//! it, and tests/exercise.rs checks what it returns for bytes cut every way.

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
/// A frame's length field: 4 bytes, big-endian, the number of payload bytes that follow
/// (what `LengthDelimitedCodec` writes by default).
pub const HEADER: usize = 4;

/// The decoder of the exercise: frames of `HEADER` length bytes then the payload, each
/// payload at most `max` bytes. `impl Decoder for LengthPrefixed` is yours to write.
#[derive(Debug, Clone)]
pub struct LengthPrefixed {
    /// The largest payload accepted.
    pub max: usize,
}

impl LengthPrefixed {
    pub fn new(max: usize) -> Self {
        LengthPrefixed { max }
    }
}
// ANCHOR_END: given

/// The longest line the lesson's server takes, without its `\n`.
pub const MAX_LINE: usize = 32;
/// The largest frame payload the lesson's server takes (`--frames`).
pub const MAX_FRAME: usize = 1024;
