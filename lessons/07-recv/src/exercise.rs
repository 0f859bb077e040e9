// Lesson 07's exercise: a message reader that can stop at any byte and resume. Yours to write.
//
// Check it:       cargo exercise lesson-07-recv
// Stuck?          cargo hint lesson-07-recv      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-07-recv -- --framing length

use std::io::{self, Read};

use crate::Polled;

// ANCHOR: exercise
/// Reads length-prefixed messages: 4 bytes of length, big-endian, then that many bytes.
/// Made for a non-blocking socket: any recv() may say "nothing now" (`WouldBlock`), and the
/// reader must then hand control back and carry on, at the next call, where it stopped.
///
/// The contract (what the checks test):
/// - Each `conn.read(buf)` is one recv(): it returns 1 to `buf.len()` bytes, however the peer
///   sent them, 0 at end of stream, or an error. The checks cut messages at every byte.
/// - A read that fails with `io::ErrorKind::WouldBlock` took nothing: return
///   `Ok(Polled::NotYet)` at once (do not read again in the same call). Every byte of the
///   length or body read so far counts: the next call continues from there. This holds
///   between two messages too: `NotYet` there is "nothing yet", not an error.
/// - `Ok(Polled::Message(bytes))` only when the message is whole (a length of 0 is
///   `Message(vec![])`); the next message then starts afresh.
/// - Take from `conn` only the bytes of THIS message: the next one's bytes may already be
///   waiting, and the next call must find them there. (So this reader never buffers ahead.)
///   No read may ask for more than what is still missing of the length, then of the body.
/// - End of stream before the first byte of a message: `Ok(Polled::Closed)`. End of stream
///   anywhere later (in the length or in the body): an error of kind `UnexpectedEof`.
/// - A length over `max`: an error of kind `InvalidData`, before any memory is set aside for
///   the body (the checks announce 64 MiB and measure what you allocate). The memory you set
///   aside is for the message's length, never for `max`.
/// - A read that fails with kind `Interrupted` took nothing: read again. Any other error:
///   return it as it is. Both wherever they come: before the first byte of a message, in
///   the length or in the body. After `Closed` or an error, the reader is not called again.
/// - The wording of your errors is yours. Print nothing: the lesson narrates each recv().
pub struct MessageReader {
    max: usize,
    // What must survive from one call to the next? Add it here.
}

impl MessageReader {
    /// A reader for messages of at most `max` bytes.
    pub fn new(max: usize) -> MessageReader {
        MessageReader { max }
    }

    /// Read on from where the last call stopped: a whole message, `NotYet`, or `Closed`.
    pub fn poll_message(&mut self, conn: &mut impl Read) -> io::Result<Polled> {
        let _ = (conn, self.max);
        todo!("read on, and say what you found")
    }
}
// ANCHOR_END: exercise
