// WRONG: takes a client that closed in the middle of a line for one that left (Ok(Left)):
// the half line is a broken line, an error the server reports, not a goodbye.

use std::io;

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

use crate::{Ending, Lines, Member, Message, Writer};

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
                // Within the write limit, or TimedOut: a client that does not read is dropped.
                Ok(message) => writer.send(&message.text).await?,
                Err(RecvError::Lagged(lost)) => return Ok(Ending::TooSlow(lost)),
                Err(RecvError::Closed) => return Ok(Ending::Left),
            },
            read = lines.next() => match read {
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Ok(Ending::Left)
                }
                read => match read? {
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
            },
        }
    }
}
