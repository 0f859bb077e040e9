//! Lesson 21's exercise: `tune`, the options a client sets on its connection, derived from what
//! it needs (`Need`).
//! It prints nothing: the lesson narrates around it (`tune(connection)` in main.rs), and the
//! checks read back from the kernel what it set.

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-21-options` checks
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
pub use exercise::tune;

use std::time::Duration;

// ANCHOR: need
/// What a connection needs, in the application's terms; `tune` turns it into socket options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Need {
    /// A peer that has gone silent must be given up within this time, counted from the last
    /// thing it sent: never later.
    pub give_up_after: Duration,
    /// Silence shorter than this is normal (a quiet user): no probe before it has passed.
    pub idle_before_probing: Duration,
    /// Small requests that wait for an answer (each write must go out at once), rather than
    /// a bulk transfer (where fewer, fuller segments are better).
    pub interactive: bool,
}

/// The most keepalive probes `tune` sends: ten unanswered probes in a row are proof enough
/// that the peer is gone; more only add traffic on a dead path.
pub const MAX_PROBES: u32 = 10;

/// The most seconds Linux takes for the keepalive idle time and interval (TCP_KEEPIDLE and
/// TCP_KEEPINTVL: `MAX_TCP_KEEPIDLE` and `MAX_TCP_KEEPINTVL` in the kernel's
/// include/net/tcp.h; more is EINVAL). macOS and Windows take more; `tune` keeps to this
/// everywhere, so that a need means the same on every system.
pub const MAX_KEEPALIVE_SECS: u64 = 32_767;
// ANCHOR_END: need
