// Lesson 10's exercise: a request that survives a lost datagram. Yours to write.
//
// Check it:       cargo exercise lesson-10-udp
// Stuck?          cargo hint lesson-10-udp      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-10-udp

use std::io;
use std::net::SocketAddr;

#[allow(unused_imports)]
use crate::{is_timeout, message, parse, Datagrams, MAX_MESSAGE};

// ANCHOR: exercise
/// Send request `seq` with `text` to `server` (the datagram `message(seq, text)`) and return
/// the text of its answer, sending the request again when no answer comes in time.
///
/// The contract (what the checks test, on a fake network with a clock of its own):
/// - The answer is the datagram from `server` (its IP address and its port) that `parse`s as
///   `(seq, text)`: return that text. Any other datagram (from elsewhere, or answering another
///   `seq`, or not parsing) is ignored, and does NOT give the try more time.
/// - An answer may be as long as the protocol allows, `MAX_MESSAGE` bytes: return all its text,
///   byte for byte (spaces, a final newline, bytes that are not UTF-8: all of it). A datagram
///   longer than that is no answer, even when its first `MAX_MESSAGE` bytes would be one
///   (`recv_from` cuts a datagram to the buffer it is given; `parse` refuses what is too long).
/// - Each try sends the request once and waits until its deadline (`link.deadline(wait)`):
///   `link.first_wait()` for the first try, then twice as long as the try before.
/// - No answer by the deadline (`is_timeout(&error)`: `WouldBlock` on Unix, `TimedOut` on
///   Windows; the checks use both): the next try. `retries` more tries at most (so
///   `retries + 1` datagrams sent in all). The last try waits for its answer like the others;
///   when its deadline passes, an error of kind `io::ErrorKind::TimedOut` (the wording is
///   yours).
/// - Any other error, from sending or receiving, on any try: return it at once.
/// - Print nothing: the lesson narrates each call around your function.
pub fn request(
    link: &mut impl Datagrams,
    server: SocketAddr,
    seq: u32,
    text: &[u8],
    retries: u32,
) -> io::Result<Vec<u8>> {
    let _ = (link, server, seq, text, retries);
    todo!("send the request, and again when no answer comes in time")
}
// ANCHOR_END: exercise
