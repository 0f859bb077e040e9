// Lesson 28's challenge: reliable delivery over UDP. Yours to write.
//
// Check it:       cargo exercise lesson-28-reliable
// Stuck?          cargo hint lesson-28-reliable      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-28-reliable

use std::io;

#[allow(unused_imports)]
use crate::{Config, Link, Packet};

// ANCHOR: exercise
/// Send `data` through `link`, reliably, as the spec in the chapter says; return once the
/// peer has acknowledged all of it and the End.
///
/// The contract (what the battery tests; the chapter's spec has the details):
/// - Data packets numbered from 0, `config.payload` bytes each (the last may be shorter),
///   then an End numbered after the last Data (an empty stream: `End 0` alone).
/// - At most `config.window` packets (Data or End: the End counts) sent and not acknowledged
///   at any time.
/// - An `Ack next` acknowledges every packet below `next`. One that acknowledges nothing new,
///   or packets never sent, and any datagram that is not an Ack, change nothing.
/// - When the oldest packet not acknowledged has waited `rto` for it: send it again (more
///   may go too) and wait twice as long, up to `config.max_rto`; the End too. Only a new
///   acknowledgement brings the wait back to `config.rto` and restarts the timer (for the
///   new oldest packet); any other datagram, however many, changes neither. At the
///   `config.tries`-th expiry in a row with no new acknowledgement, give up: an error of
///   kind `TimedOut`.
/// - Return `Ok(())` only once the End is acknowledged. An error from the link ends the send
///   with that error, at once. Print nothing.
pub fn send(link: &mut dyn Link, data: &[u8], config: &Config) -> io::Result<()> {
    let _ = (link, data, config);
    todo!("send every packet until all are acknowledged")
}

/// Receive one stream through `link`, reliably, and return its bytes: each once, in order.
///
/// The contract:
/// - Answer every Data and End with `Ack next`: every packet below `next` has arrived. A
///   packet may come twice, late, or before the ones ahead of it (keep at most
///   `config.window` of those, or none); datagrams that are not Data or End are ignored,
///   unanswered: one Ack per Data or End, no more.
/// - Once every Data and the End have arrived, go on answering (the last Ack may be lost,
///   the End come again and again) until nothing has come for `config.linger` since the
///   last datagram, then return the bytes.
/// - Nothing for `config.idle`: give up, an error of kind `TimedOut`. Print nothing.
pub fn receive(link: &mut dyn Link, config: &Config) -> io::Result<Vec<u8>> {
    let _ = (link, config);
    todo!("deliver each packet once, in order, and acknowledge")
}
// ANCHOR_END: exercise
