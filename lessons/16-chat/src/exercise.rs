// Lesson 16's exercise: relay between one member and the room. Yours to write.
//
// Check it:       cargo exercise lesson-16-chat
// Stuck?          cargo hint lesson-16-chat      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-16-chat

use std::io;

use tokio::sync::broadcast;

#[allow(unused_imports)]
use crate::{Ending, Lines, Member, Message, Writer};

// ANCHOR: exercise
/// Relay for one member until it leaves: what it says goes to the room, what the room says
/// goes to it. `lines` and `writer` are its connection, `room` the channel every member's
/// lines go into, `inbox` this member's receiver of that channel.
///
/// The contract (what the checks test, with real sockets):
/// - Each line the client sends goes to the room once, as `Message::said(me, &line)` makes
///   it (`NICK: TEXT\n`, bytes that are not UTF-8 as U+FFFD); an empty line (`said` gives
///   `None`) goes nowhere.
/// - Each message in the inbox is written to the client with `writer.send`, whole and in
///   order, even while the client talks — except the member's own (`message.from == me.id`,
///   its own notices included): the client typed those, and never gets them back.
/// - Both at once: a member that only listens still gets every message, and one that only
///   talks still has its lines taken, without waiting for the other side. What is already
///   waiting in the inbox goes out before the client's next line is read.
/// - A paste of many lines at once must not flood the room: the other members (tasks on this
///   same thread) take each line before the next one is read, and the member's own lines never
///   make it fall behind its own inbox.
/// - The client closes its end (`lines.next()` gives `Ok(None)`): return `Ok(Ending::Left)`.
/// - The inbox is the only queue between the room and this client (memory stays bounded):
///   a client that reads slower than the room talks falls behind in it. When its inbox lost
///   `n` messages (`recv()` gives `Err(RecvError::Lagged(n))`): return
///   `Ok(Ending::TooSlow(n))` at once.
/// - A broken line (too long: `InvalidData`; not finished within the line wait: `TimedOut`;
///   the client gone in the middle of one: `UnexpectedEof`) or a failed write (a client that stopped reading: `writer.send` gives up after its time
///   limit): return that error, as it is, at once (no second try).
/// - Never block the thread (the whole server shares it); print nothing.
pub async fn chat(
    me: &Member,
    lines: &mut Lines,
    writer: &mut Writer,
    room: &broadcast::Sender<Message>,
    inbox: &mut broadcast::Receiver<Message>,
) -> io::Result<Ending> {
    let _ = (me, lines, writer, room, inbox);
    todo!("relay lines to the room and the room's messages to the client")
}
// ANCHOR_END: exercise
