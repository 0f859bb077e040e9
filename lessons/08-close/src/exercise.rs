// Lesson 08's exercise: the server's lingering close. Yours to write.
//
// Check it:       cargo exercise lesson-08-close
// Stuck?          cargo hint lesson-08-close      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-08-close

use std::io;

use crate::{Closing, Ending, Linger};

// ANCHOR: exercise
/// End a connection whose answer has been sent, so that the client gets every byte of it:
/// even a client that sent more than the server read, and reads the answer slowly.
///
/// The contract (what the checks test, on real connections and a real clock):
/// - Use only `conn`'s calls (shutdown, set_read_timeout, recv); the caller closes the socket
///   when you return.
/// - The client learns at once that the answer is complete (its recv() returns 0 after the
///   last byte) — yet every byte it still sends, up to its end of stream, is read, so that
///   none is left unread when the caller closes. Never end the receiving direction.
/// - A client that closes its side: `Closed` with the number of bytes read and thrown away,
///   returned as soon as its end of stream arrives (0 bytes if it sent nothing more).
/// - `limits.deadline` is for the WHOLE of `finish`, however the client spaces its bytes
///   (one every 100 ms, or one late and then nothing), and however often a signal interrupts
///   a recv(): once it has passed, `TimedOut`, and no recv() starts after it (not even when a
///   recv() that returned late, past it, left an end of stream still to read). A deadline of
///   zero reads nothing, waits for nothing, and still ends our sending direction.
/// - Waiting costs no CPU: a client that sends nothing is waited for in a few recv() calls,
///   not polled.
/// - At most `limits.max_discard` bytes are read, not one more (the rest stays unread):
///   once that many are read without an end of stream, `TooMuch`, at once (a limit of 0
///   reads nothing, and still ends our sending direction). It may be as large as
///   `usize::MAX` (no limit on the bytes): the memory you use must not grow with it.
/// - A client that resets the connection, before or during the wait: `Reset`, with the bytes
///   read before it, not an error (a reset that came before `finish` makes shutdown() fail
///   with `NotConnected`). A recv() interrupted by a signal (`Interrupted`, EINTR) ended
///   nothing: wait on. An expired receive timeout is `WouldBlock` on Unix, `TimedOut` on
///   Windows. Any other failure of any call is returned as the error it is.
/// - Print nothing: the lesson narrates each call around your function.
pub fn finish(conn: impl Closing, limits: Linger) -> io::Result<Ending> {
    let _ = (conn, limits);
    todo!("end the connection so that the client gets the whole answer")
}
// ANCHOR_END: exercise
