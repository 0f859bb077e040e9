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
/// The contract (what the checks test, by reading the options back from the kernel):
/// - Nagle's algorithm is off (TCP_NODELAY set) when `need.interactive`, and on (TCP_NODELAY
///   cleared) otherwise, whatever the socket held before.
/// - Keepalive is on. The kernel counts its three numbers in whole seconds, and gives up
///   `idle + interval × count` seconds after the peer's last packet, so:
///   - `idle` is `need.idle_before_probing` rounded UP to whole seconds, and at least 1 s
///     (never probe before the silence the need allows);
///   - `give_up_after` is rounded DOWN to whole seconds (never give up later than asked);
///   - what is left, `give_up_after - idle`, is the probes' budget: `count` is as many
///     probes as the budget allows at one per second at most, but no more than
///     `MAX_PROBES`; then `interval` is the longest whole number of seconds with which
///     `idle + interval × count` still fits in `give_up_after`. For example 60 s idle, give
///     up after 95 s: 35 s of budget, 10 probes, every 3 s.
///   - The kernel takes at most `MAX_KEEPALIVE_SECS` (32,767 s) for `idle` and for
///     `interval`: an `interval` the rule makes longer than that is `MAX_KEEPALIVE_SECS`
///     (the connection is then given up earlier than asked, never later).
/// - A need that cannot be met (not even one probe fits in `give_up_after` after `idle`, or
///   `idle` is over `MAX_KEEPALIVE_SECS`) is an error of kind `io::ErrorKind::InvalidInput`,
///   returned before anything is set:
///   the socket is left exactly as it was. Any `Duration` may come, up to `Duration::MAX`:
///   no panic (an idle time that large leaves no budget at all).
/// - Nothing else changes: no TCP_USER_TIMEOUT, no read or write timeout, no SO_LINGER (not
///   even a non-zero one), no buffer size. A failing call (a socket that refuses a TCP
///   option) is returned as its error, never dropped. Print nothing.
pub fn tune(stream: &TcpStream, need: Need) -> io::Result<()> {
    let _ = (stream, need, MAX_PROBES, MAX_KEEPALIVE_SECS);
    todo!("Nagle as the need says; keepalive idle, interval and count from the need")
}
// ANCHOR_END: exercise
