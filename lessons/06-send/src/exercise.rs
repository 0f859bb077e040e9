// Lesson 06's exercise: send every byte. Yours to write.
//
// Check it:       cargo exercise lesson-06-send
// Stuck?          cargo hint lesson-06-send      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-06-send

use std::io;

#[allow(unused_imports)]
use crate::Sender;

// ANCHOR: exercise
/// Send every byte of `bytes`, in order, through `conn.send()`; return how many `send()`
/// calls took bytes.
///
/// The contract (what the checks test):
/// - The peer receives exactly `bytes`: every byte, once, in order, however few bytes each
///   `send()` takes (the checks use a fake that takes 7 bytes a call, and a real socket
///   whose buffers are full, sending 20 MB).
/// - Returns `Ok(calls)`: the number of `send()` calls that took at least one byte.
///   An empty `bytes` is `Ok(0)`, with no `send()` at all.
/// - A `send()` that takes 0 bytes of a non-empty slice makes no progress: return an error
///   of kind `io::ErrorKind::WriteZero` (the wording is yours).
/// - A `send()` that fails with kind `io::ErrorKind::Interrupted` (a signal came first) took
///   nothing and is no failure: keep going.
/// - Any other error (the peer is gone, the send timeout ran out) ends the call at once:
///   return that error, as it is.
/// - Print nothing: the lesson narrates around your function.
pub fn send_all(conn: &mut impl Sender, bytes: &[u8]) -> io::Result<usize> {
    let _ = (conn, bytes);
    todo!("send every byte")
}
// ANCHOR_END: exercise
