// Lesson 27's challenge: a chat with rooms. Yours to write, with tokio or with threads.
//
// Check it:       cargo exercise lesson-27-rooms
// Stuck?          cargo hint lesson-27-rooms      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-27-rooms

use std::io;
use std::net::TcpStream;

#[allow(unused_imports)]
use crate::Limits;

// ANCHOR: exercise
/// Serve every connection that `incoming` brings (the lesson accepts them, one `next()` at a
/// time; it blocks until a client comes), all at once, as the spec in the chapter says, until
/// `incoming` ends. The sockets are blocking std ones: use them with threads, or hand them to
/// tokio (`set_nonblocking(true)`, then `tokio::net::TcpStream::from_std`).
///
/// The contract (what the battery tests, over the wire; the chapter's spec has the details):
/// - Lines end in `\n`. `NICK name` -> `OK nick name`; then `JOIN #room` -> `OK join #room`,
///   `PART #room` -> `OK part #room`, `MSG #room text` -> `OK msg #room`, `LIST` ->
///   `ROOMS #a #b`, `QUIT` -> `OK bye` and close. Errors: `ERR bad command`, `ERR bad nick`,
///   `ERR nick taken`, `ERR nick already set`, `ERR no nick`, `ERR bad room`,
///   `ERR not in #room`, `ERR already in #room`; the connection goes on. The first failing
///   check answers, in the chapter's order: shape, `no nick`, the name, then the state
///   (`nick already set` before `nick taken`). `MSG`'s text is the rest of the line after the
///   room's space, passed on unchanged, leading and trailing spaces included.
/// - The other members of the room, and no one else, get `JOIN #room nick`,
///   `PART #room nick`, `MSG #room nick text`: in one order for all, each event queued for
///   every member before its sender's reply.
/// - `limits.queue` lines at most wait for a member, not yet written to its socket; the line
///   being written to it waits no more (queue 4: line 1 half written, lines 2 to 5 waiting,
///   line 6 finds the queue full). A line from another member that finds the queue full
///   drops that member at once, as that line is queued: the others get its PARTs (the line's
///   sender before or after its reply), and its connection is closed without writing what
///   waited in its queue. Your own replies wait for room instead. No member ever waits for
///   another.
/// - A member that leaves in any way (QUIT, end of stream, a reset, a line over
///   `limits.max_line` -> `ERR line too long`, a line not done within `limits.line_wait` of
///   its first byte) leaves every room (the others get `PART #room nick`); its nick is free.
///   `max_line` bytes with no `\n` among them are too long already: refuse them at once. A
///   line's deadline starts at its first byte, even one that came with the line before.
/// - While a member's reply waits for room, read no more of its commands.
/// - Print nothing; never panic on what a client sends.
pub fn serve(
    incoming: impl Iterator<Item = TcpStream> + Send + 'static,
    limits: Limits,
) -> io::Result<()> {
    let _ = (incoming, limits);
    todo!("serve every member, in every room, as the spec says")
}
// ANCHOR_END: exercise
