// WRONG: waits for the client's next line before looking at the inbox (no select!): a member
// that only listens never gets a message, until it says something.

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
        // Its line first, then the room's messages: one after the other, not both at once.
        match lines.next().await? {
            Some(bytes) => {
                if let Some(message) = Message::said(me, &bytes) {
                    let _ = room.send(message);
                }
            }
            None => return Ok(Ending::Left),
        }
        while let Ok(received) = inbox.try_recv().map(Ok).or_else(|e| match e {
            broadcast::error::TryRecvError::Lagged(n) => Ok(Err(RecvError::Lagged(n))),
            _ => Err(()),
        }) {
            match received {
                // Our own line, or our own notice: the others need it, we do not.
                Ok(message) if message.from == me.id => {}
                // Within the write limit, or TimedOut: a client that does not read is dropped.
                Ok(message) => writer.send(&message.text).await?,
                Err(RecvError::Lagged(lost)) => return Ok(Ending::TooSlow(lost)),
                Err(RecvError::Closed) => return Ok(Ending::Left),
            }
        }
    }
}
