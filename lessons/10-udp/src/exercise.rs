//! Lesson 10 exercise: a request that survives a lost datagram.
//!
//! Check your work with:   cargo exercise lesson-10-udp
//! Run your version with:  cargo run -p lesson-10-udp --features exercise

use std::io;
use std::net::SocketAddr;

#[allow(unused_imports)] // You will need these.
use crate::{is_timeout, message, parse, Link, MAX_MESSAGE};

// ANCHOR: exercise
/// Send request `seq` with `text` to `server` and return the text of its answer.
///
/// TODO:
///   - build the datagram with `message(seq, text)` and send it with `link.send_to(..)`;
///   - give this try a deadline: `let deadline = link.deadline(wait);` where `wait` starts at
///     `link.first_wait` and doubles after every try (exponential backoff);
///   - receive with `link.recv_from(&mut buf, deadline)` (a buffer of `MAX_MESSAGE + 1` bytes
///     is enough); `parse(&buf[..n])` gives `(seq, text)`. Return the text of the answer whose
///     sequence number is `seq` and that comes from `server`; ignore any other datagram and
///     keep waiting, until the same deadline;
///   - when the deadline has passed (`is_timeout(&err)`), send the same request again: up to
///     `retries` more times. Any other error: return it;
///   - after the last try, return an `io::ErrorKind::TimedOut` error.
pub fn request(
    link: &mut Link,
    server: SocketAddr,
    seq: u32,
    text: &[u8],
    retries: u32,
) -> io::Result<Vec<u8>> {
    let _ = (link, server, seq, text, retries);
    todo!("send the request, wait for its answer, and send again on a timeout")
}
// ANCHOR_END: exercise
