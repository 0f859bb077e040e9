// Lesson 06's exercise: send a whole message before a deadline. Yours to write.
//
// Check it:       cargo exercise lesson-06-send
// Stuck?          cargo hint lesson-06-send      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-06-send

use std::time::Duration;

#[allow(unused_imports)]
use crate::{Sender, Unsent};

// ANCHOR: exercise
/// Send every byte of `bytes`, in order, through `conn.send()`, all of it within `limit`
/// from the call: ONE deadline for the whole message, however many `send()` calls it takes.
///
/// The contract (what the checks test):
/// - The peer receives exactly `bytes`: every byte, once, in order, however few bytes each
///   `send()` takes. `Ok(())` when all went, even if the last ones went just as the limit
///   passed. An empty `bytes` is `Ok(())`, with no `send()` at all.
/// - However the peer reads (at once, a few bytes every 100 ms, or nothing more from some
///   moment on), the call returns by `limit`, never more than 250 ms later: a peer that
///   takes a little now and then must not hold the sender longer.
/// - While the peer keeps taking bytes, keep sending until the limit. When the limit passes
///   before the last byte went: `Err(Unsent)` whose `error` is of kind
///   `io::ErrorKind::TimedOut` and whose `sent` is how many bytes of `bytes` the kernel took.
/// - A `send()` that takes 0 bytes of a non-empty slice: `Err(Unsent)` of kind `WriteZero`.
/// - A `send()` that fails with kind `Interrupted` (a signal came first) took nothing and is
///   no failure: keep going (the limit still counts from the call).
/// - Any other error from `conn` ends the call at once: `Err(Unsent)` carrying that error,
///   as it is, and the bytes sent so far. That holds for the send timeout's calls too:
///   reading it (then `sent` is 0, and no `send()`), setting it, putting it back (after
///   every byte went: `sent` is the whole length). Two failures: the first one is returned.
/// - `conn`'s send timeout is, when the call returns, what the caller had set, on every path
///   (success, the limit, an error), unless putting it back is what failed.
/// - Print nothing: the lesson narrates around your function.
pub fn send_all(conn: &mut impl Sender, bytes: &[u8], limit: Duration) -> Result<(), Unsent> {
    let _ = (conn, bytes, limit);
    todo!("send every byte before the deadline")
}
// ANCHOR_END: exercise
