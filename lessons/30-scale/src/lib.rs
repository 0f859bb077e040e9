//! Lesson 30's challenge: a line-echo server for a thousand clients, built from the spec in
//! book/30-scale.md. What the learner's `serve` is given: the listening socket (made and
//! narrated by the lesson), the [`Limits`], and a [`Report`] for the accept() errors it rides
//! out. It prints nothing: the lesson narrates around it, and tests/exercise.rs measures the
//! server over the wire and in /proc.

use std::io;
use std::sync::Arc;
use std::time::Duration;

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-30-scale` checks it),
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
pub use exercise::serve;

// ANCHOR: limits
/// The server's limits (spec, "Limits"). The lesson uses [`Limits::DEFAULT`] unless told
/// otherwise (`--max-line`, `--idle-ms`); the battery uses other values, so use these fields,
/// never the numbers.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The longest line a client may send, its `\n` included.
    pub max_line: usize,
    /// The longest the server waits for a client: for its next whole line (counted from the
    /// moment the server is ready to read it), or for room to write an answer.
    pub idle: Duration,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        max_line: 1024,
        idle: Duration::from_secs(10),
    };
}
// ANCHOR_END: limits

// ANCHOR: report
/// What your server tells the lesson, which narrates it: your `serve` prints nothing.
#[derive(Clone)]
pub struct Report {
    accept_failed: Arc<dyn Fn(&io::Error) + Send + Sync>,
}

impl Report {
    /// A report that calls `accept_failed` for each failed accept().
    pub fn new(accept_failed: impl Fn(&io::Error) + Send + Sync + 'static) -> Report {
        Report {
            accept_failed: Arc::new(accept_failed),
        }
    }

    /// accept() failed with `error` (EMFILE: no descriptor left, say). Call it, pause a
    /// little (10 ms), and go on accepting.
    pub fn accept_failed(&self, error: &io::Error) {
        (self.accept_failed)(error)
    }
}
// ANCHOR_END: report
