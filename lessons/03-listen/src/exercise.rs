// Lesson 03's exercise: measure how many connections a listening socket's queue holds when
// nobody accepts. Yours to write.
//
// Check it:       cargo exercise lesson-03-listen
// Stuck?          cargo hint lesson-03-listen      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-03-listen -- --std

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

#[allow(unused_imports)]
use crate::{Filled, Next};

// ANCHOR: exercise
/// Measure the accept queue of the socket listening at `addr` (IPv4 or IPv6, any address), the
/// way a client can: connect again and again while nobody accepts, until a connection does not
/// get in. Return the connections that got in, and what happened to the next one.
///
/// The contract (what the checks test; they then accept() what the kernel queued, and compare):
/// - Every connection that completes waits in the queue: keep it open as it is (send nothing,
///   shut nothing down), and return it in `waiting`, oldest first. Each one you return must
///   be one the kernel queued, none more, none fewer. (Closing a connection closes your end
///   only: the server's kernel keeps it in the queue until someone accepts it, so one you
///   made and dropped still counts.)
/// - Keep nothing else: no copy of a connection you return (when the caller drops `waiting`,
///   the connections end), and no socket whose connect() did not complete (left open, it
///   sends its SYN again, and gets in unseen as soon as someone accepts).
/// - A connection that does not complete within `wait` (each connection has its own `wait`,
///   which is more than zero) means the queue is full: stop there, with `Next::NoAnswer`.
///   (Linux ignores a SYN that finds the queue full, and a connect() without a time limit
///   waits about two minutes for an answer that never comes.) The whole probe takes about
///   `wait` more than its connections do: nothing else waits.
/// - A connection that is refused AFTER at least one got in: the queue is full too, and this
///   system says so (Windows): stop, with `Next::Refused`. The checks make that happen on
///   Linux too: the listener closes while your connection waits for its answer.
/// - A refusal at the very first connection means that nothing listens at `addr`: return
///   that error, as it is, at once (trying again will not change it).
/// - Once `ceiling` connections are in, stop without trying another: `Next::NotTried`. (A
///   system that never says no must not keep you connecting for ever.) `ceiling` is 1 or more,
///   up to `usize::MAX` (no ceiling at all): it bounds the connections, it is no size to
///   make room for.
/// - Any other error, at any connection (no descriptors left, say), is returned as it is.
/// - Print nothing: the lesson narrates around your function.
pub fn fill_queue(addr: SocketAddr, wait: Duration, ceiling: usize) -> io::Result<Filled> {
    let _ = (addr, wait, ceiling);
    todo!("connect until the queue is full, and keep the connections")
}
// ANCHOR_END: exercise
