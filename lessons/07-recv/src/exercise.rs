// Lesson 07's exercise: read one whole length-prefixed message. Yours to write.
//
// Check it:       cargo exercise lesson-07-recv
// Stuck?          cargo hint lesson-07-recv      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-07-recv -- --framing length

use std::io::{self, Read};

// ANCHOR: exercise
/// Read ONE message from `conn`: a 4-byte big-endian length, then that many bytes. Return
/// the message's bytes (without the length), or `Ok(None)` at a clean end of stream.
///
/// The contract (what the checks test):
/// - Each `conn.read(buf)` is one recv(): it returns any number of bytes from 1 to
///   `buf.len()`, however the peer sent them, or 0 at end of stream. The message comes out
///   whole, however it is cut (the checks deliver it one byte at a time, among others).
/// - Take from `conn` only the bytes of THIS message: the next one's bytes may already be
///   waiting, and the next call must find them there.
/// - A message of length 0 is `Ok(Some(vec![]))`.
/// - End of stream before the first byte of a message: `Ok(None)`. End of stream anywhere
///   later (in the length or in the body): an error of kind `io::ErrorKind::UnexpectedEof`.
/// - A length over `max`: an error of kind `io::ErrorKind::InvalidData`, before any memory
///   is set aside for the body (the checks announce 64 MiB and measure what you allocate).
/// - The memory you set aside is for the message's length, never for `max`: a 5-byte
///   message under a 64 MiB limit needs 5 bytes.
/// - A read that fails with kind `io::ErrorKind::Interrupted` took nothing: read again.
///   Any other error: return it as it is.
/// - The wording of your errors is yours. Print nothing: the lesson narrates each recv().
pub fn read_message(conn: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let _ = (conn, max);
    todo!("read one whole message")
}
// ANCHOR_END: exercise
