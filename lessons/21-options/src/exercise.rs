// Lesson 21's exercise: tune a client's connection from what it needs. Yours to write.
//
// Check it:       cargo exercise lesson-21-options
// Stuck?          cargo hint lesson-21-options      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-21-options -- client   (with a server running)

use std::io;
use std::net::TcpStream;

use crate::{Need, MAX_KEEPALIVE_SECS, MAX_PROBES};

// ANCHOR: exercise
/// Set the options of a connected socket so that it meets `need`.
///
/// The contract (what the checks test, by reading the options back from the kernel, for two
/// dozen chosen needs and four hundred random ones):
/// - Nagle's algorithm is off (TCP_NODELAY set) when `need.interactive`, and on (TCP_NODELAY
///   cleared) otherwise, whatever the socket held before.
/// - Keepalive is on. The kernel probes a peer after `idle` seconds of silence, then every
///   `interval` seconds, and drops it when `count` probes in a row went unanswered:
///   `idle + interval × count` seconds after its last packet (tcp(7)). The three numbers are
///   whole (each at least 1; idle and interval at most `MAX_KEEPALIVE_SECS`, count at most
///   `MAX_PROBES`), chosen so that these promises hold:
///   1. no probe before `need.idle_before_probing` of silence has passed;
///   2. a silent peer is given up no later than `need.give_up_after` after its last packet;
///   3. as many probes as the two promises leave room for;
///   4. among those, the probes as far apart as they can be;
///   5. and then probing starts as early as promise 1 allows.
/// - A need that no choice of the three numbers meets is an error of kind
///   `io::ErrorKind::InvalidInput`, returned before anything is set: the socket is left
///   exactly as it was. Any `Duration` may come, up to `Duration::MAX`: no panic.
/// - Nothing else changes: no TCP_USER_TIMEOUT, no read or write timeout, no SO_LINGER (not
///   even a non-zero one), no buffer size. A failing call (a socket that refuses a TCP
///   option) is returned as its error, never dropped. Print nothing.
pub fn tune(stream: &TcpStream, need: Need) -> io::Result<()> {
    let _ = (stream, need, MAX_PROBES, MAX_KEEPALIVE_SECS);
    todo!("Nagle as the need says; keepalive's three numbers from the need's promises")
}
// ANCHOR_END: exercise
