// Lesson 21's exercise: tune a client's connection. Yours to write.
//
// Check it:       cargo exercise lesson-21-options
// Stuck?          cargo hint lesson-21-options      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-21-options -- client   (with a server running)

use std::io;
use std::net::TcpStream;

// ANCHOR: exercise
/// Tune a connected client's socket for request and answer, on a link where the peer may
/// vanish without a word.
///
/// The contract (what the checks test, by reading the options back from the kernel):
/// - Each write goes out at once: Nagle's algorithm is off.
/// - The kernel probes a silent peer: keepalive on, the first probe after 60 s of silence,
///   then one every 10 s, and the connection is dropped after 5 unanswered probes.
/// - Nothing else changes: closing the connection still ends it with a FIN (the peer reads
///   end of stream, not a reset), the buffer sizes stay the kernel's, so they keep growing by
///   themselves, and no other time limit is set (no TCP_USER_TIMEOUT, no read or write
///   timeout): keepalive alone decides when a silent peer is given up.
/// - A failing call is returned as its error. Print nothing: the lesson narrates around it.
pub fn tune(stream: &TcpStream) -> io::Result<()> {
    let _ = stream;
    todo!("no Nagle; keepalive 60 s idle, every 10 s, 5 probes")
}
// ANCHOR_END: exercise
