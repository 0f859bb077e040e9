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
///   `send()` takes. `Ok(())` when all went; an empty `bytes` is `Ok(())` with no `send()`.
/// - A slow reader cannot stretch the deadline: a peer that takes a few bytes every 100 ms
///   must make a 1 s limit end the call at about 1 s, never later. Every `send()` may wait
///   only as long as the time still left to the deadline, no longer (the checks look at the
///   send timeout in force when each `send()` starts).
/// - When the deadline passes before the last byte went (a `send()` timed out, or no time is
///   left): `Err(Unsent)` whose `error` is of kind `io::ErrorKind::TimedOut` and whose
///   `sent` is how many bytes of `bytes` the kernel took.
/// - A `send()` that takes 0 bytes of a non-empty slice: `Err(Unsent)` of kind `WriteZero`.
/// - A `send()` that fails with kind `Interrupted` (a signal came first) took nothing and is
///   no failure: keep going (the deadline still holds).
/// - Any other error from `conn` ends the call at once: `Err(Unsent)` carrying that error,
///   as it is, and the bytes sent so far.
/// - `conn`'s send timeout is left as it was before the call, whatever the outcome.
/// - Print nothing: the lesson narrates around your function.
pub fn send_all(conn: &mut impl Sender, bytes: &[u8], limit: Duration) -> Result<(), Unsent> {
    let _ = (conn, bytes, limit);
    todo!("send every byte before the deadline")
}
// ANCHOR_END: exercise
