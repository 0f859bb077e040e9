//! Lesson 23's challenge: a key–value server, built from the spec in book/23-kv.md. What the
//! learner's `serve_client` is given: the [`Limits`] and the [`Store`]. It prints nothing: the
//! lesson narrates around it, and tests/exercise.rs checks the bytes on the wire.

use std::collections::HashMap;
use std::time::Duration;

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-23-kv` checks it),
// src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
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
pub use exercise::serve_client;

// ANCHOR: limits
/// The server's limits (spec, "Limits"). The lesson uses [`Limits::DEFAULT`]; the checks use
/// smaller ones, so use these fields, never the numbers.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The longest line, its `\n` included.
    pub max_line: usize,
    /// The longest key, in bytes.
    pub max_key: usize,
    /// The longest value, in bytes.
    pub max_value: usize,
    /// How many keys the store may hold.
    pub max_keys: usize,
    /// How long a client has to send each whole line, from the moment the server is ready to
    /// read it.
    pub deadline: Duration,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        max_line: 1024,
        max_key: 64,
        max_value: 512,
        max_keys: 1000,
        deadline: Duration::from_secs(10),
    };
}

/// The keys and their values: any bytes but space and newline in a key, any bytes but newline
/// in a value. One store for all the clients: what one SETs, the next GETs.
pub type Store = HashMap<Vec<u8>, Vec<u8>>;
// ANCHOR_END: limits
