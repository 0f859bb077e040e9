// Reference solution for lesson 16's exercise. (Yours goes in exercise.rs.)

use std::io;

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::{Ending, Lines, Member, Message, Writer};

// ANCHOR: solution
/// Relay for one member until it leaves: each line it sends goes to the room as
/// `NICK: TEXT\n`, and each message in its inbox goes to its socket — unless it sent it.
pub async fn chat(
    me: &Member,
    lines: &mut Lines,
    writer: &mut Writer,
    room: &broadcast::Sender<Message>,
    inbox: &mut broadcast::Receiver<Message>,
) -> io::Result<Ending> {
    loop {
        tokio::select! {
            // Deliver what the room has for us before we read more from our client.
            biased;
            received = inbox.recv() => match received {
                // Our own line, or our own notice: the others need it, we do not.
                Ok(message) if message.from == me.id => {}
                // With whatever else is waiting, in one write: within the write limit, or
                // TimedOut (a client that does not read is dropped).
                Ok(message) => {
                    let mut batch = message.text.to_vec();
                    if let Some(lagged) = waiting(me, inbox, &mut batch) {
                        return Ok(lagged);
                    }
                    writer.send(&batch).await?
                }
                Err(RecvError::Lagged(lost)) => return Ok(Ending::TooSlow(lost)),
                Err(RecvError::Closed) => return Ok(Ending::Left),
            },
            read = lines.next() => match read? {
                Some(bytes) => {
                    if let Some(message) = Message::said(me, &bytes) {
                        // Never waits: a slow member only falls behind in its own inbox.
                        let _ = room.send(message);
                        // Let the others take it before we read our next line. On one
                        // thread, a client pasting 1000 lines would otherwise fill the
                        // ring before any other task ran, and everyone would lag.
                        tokio::task::yield_now().await;
                    }
                }
                None => return Ok(Ending::Left),
            },
        }
    }
}

/// At most this many bytes go out in one write.
const BATCH: usize = 16 * 1024;

/// Add to `batch` the messages already waiting in the inbox (not our own), up to BATCH bytes,
/// without waiting for more. A member that has fallen behind then catches up with one write
/// instead of one per line: in a room of 10,000, one thread cannot make 10,000 writes for every
/// line said ten times a second, but it can write each member what has piled up since its turn.
fn waiting(
    me: &Member,
    inbox: &mut broadcast::Receiver<Message>,
    batch: &mut Vec<u8>,
) -> Option<Ending> {
    while batch.len() < BATCH {
        match inbox.try_recv() {
            Ok(message) if message.from == me.id => {}
            Ok(message) => batch.extend_from_slice(&message.text),
            Err(TryRecvError::Lagged(lost)) => return Some(Ending::TooSlow(lost)),
            // Nothing more for now (or the room is closing: the next recv() says so).
            Err(TryRecvError::Empty | TryRecvError::Closed) => break,
        }
    }
    None
}
// ANCHOR_END: solution
