// Reference solution for lesson 06's exercise. (Yours goes in exercise.rs.)

use std::io;

use crate::Sender;

// ANCHOR: solution
/// Send every byte of `bytes`, in order; return how many `send()` calls took bytes.
pub fn send_all(conn: &mut impl Sender, bytes: &[u8]) -> io::Result<usize> {
    // What is still to be sent: the END of the buffer, never its start again.
    let mut rest = bytes;
    let mut calls = 0;
    while !rest.is_empty() {
        match conn.send(rest) {
            // Taking nothing is not progress: without this check the loop could spin forever.
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            // The kernel took the first n bytes. Offer it the rest.
            Ok(n) => {
                rest = &rest[n..];
                calls += 1;
            }
            // A signal arrived before any byte was taken: nothing happened, so try again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // Anything else (the peer is gone, SO_SNDTIMEO ran out) ends the exchange.
            Err(e) => return Err(e),
        }
    }
    Ok(calls)
}
// ANCHOR_END: solution
