// Lesson 30's challenge: a line-echo server for a thousand clients. Yours to write: a tokio
// task per connection, a readiness loop (mio, chapter 12) or a few threads; your choice.
//
// Check it:       cargo exercise lesson-30-scale
// Stuck?          cargo hint lesson-30-scale      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-30-scale
// Measure it:     chapter 30, "Measure it" (lesson 29's load generator)

use std::io;
use std::net::TcpListener;

#[allow(unused_imports)]
use crate::{Limits, Report};

// ANCHOR: exercise
/// Serve every client that connects to `listener` (already listening, blocking: make it
/// non-blocking if your design needs it), all at once, for ever.
///
/// The contract (what the battery measures; the chapter's spec has the details):
/// - Each line a client sends (bytes up to and including `\n`) comes back to it, byte for
///   byte, in order: no line lost, doubled or mixed with another client's.
/// - 1,000 clients at once, every one served; at most 16 threads in the whole process; the
///   memory of 1,000 idle connections small (a few KB each, no big buffer per connection).
/// - Backpressure: a client that sends and never reads makes your server stop reading it
///   once its answers wait; its memory does not grow, and no other client waits for it.
/// - Fairness: clients that send as fast as they can (and read), one or several, do not
///   delay the others: a polite client's round trip stays under a second.
/// - `limits.max_line` bytes with no `\n` among them: answer `ERR line too long\n` at once
///   (without waiting for the rest, without keeping its bytes), then close.
/// - `limits.idle`: the longest you wait for a client's next whole line, or for room to
///   write its answer; past it, close. End of stream (even mid-line: a half line gets no
///   answer) or a reset: close that connection; the others go on.
/// - accept() errors (EMFILE: no descriptor left): `report.accept_failed(&e)`, pause 10 ms,
///   accept again; never return. The clients you have are served meanwhile, and those waiting
///   to be accepted are, once descriptors are free (no new connection comes to wake you).
/// - Print nothing; never panic on what a client sends.
pub fn serve(listener: TcpListener, limits: Limits, report: Report) -> io::Result<()> {
    let _ = (listener, limits, report);
    todo!("serve a thousand clients, as the spec says")
}
// ANCHOR_END: exercise
