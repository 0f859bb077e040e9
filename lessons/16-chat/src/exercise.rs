//! Lesson 16 exercise: relay between one client and the room.
//!
//! Check your work with:   cargo exercise lesson-16-chat
//! Run your version with:  cargo run -p lesson-16-chat --features exercise

use std::io;

use tokio::sync::broadcast;
#[allow(unused_imports)] // You will need this.
use tokio::sync::broadcast::error::RecvError;

#[allow(unused_imports)] // And these, from the lesson.
use super::{Lines, Member, Message, Writer};

/// How a member's chat ended (an error, e.g. a line too long, comes as `Err`).
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// The client closed its end.
    Left,
    /// The client fell this many messages behind: they were lost for it.
    TooSlow(u64),
}

// ANCHOR: exercise
/// Relay for one member until it leaves: each line it sends goes to the room as
/// `NICK: TEXT\n`, and each message in its inbox goes to its socket — unless it sent it.
///
/// TODO: loop over `tokio::select!` with `biased;` first (try the branches in order), then:
///   - `inbox.recv()`: send `message.text` with `writer.send(..).await?` (it has a time
///     limit), except when `message.from` is `me.id`; `Err(RecvError::Lagged(n))` means
///     `Ending::TooSlow(n)`;
///   - `lines.next()`: a line goes to the room with `room.send(..)` as
///     `Message::said(me, &bytes)` (None: an empty line, skip it), then
///     `tokio::task::yield_now().await` lets the others take it; `None` means the client has
///     left; an error is returned with `?`.
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
