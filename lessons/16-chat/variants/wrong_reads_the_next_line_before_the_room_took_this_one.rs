// WRONG: passes each line to the room and reads the next at once: the lines of a paste are
// already in the buffer, so the task never gives the thread away, and the room's queue wraps
// round before any other member's task has run: everybody lags, for one paste.

use std::io;

use tokio::sync::broadcast;

use crate::{Ending, Lines, Member, Message, Writer};

pub async fn chat(
    me: &Member,
    lines: &mut Lines,
    writer: &mut Writer,
    room: &broadcast::Sender<Message>,
    inbox: &mut broadcast::Receiver<Message>,
) -> io::Result<Ending> {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        tokio::select! {
            biased;
            got = inbox.recv() => match got {
                Ok(message) if message.from == me.id => {}
                Ok(message) => writer.send(&message.text).await?,
                Err(RecvError::Lagged(n)) => return Ok(Ending::TooSlow(n)),
                Err(RecvError::Closed) => return Ok(Ending::Left),
            },
            line = lines.next() => match line? {
                None => return Ok(Ending::Left),
                Some(line) => {
                    if let Some(message) = Message::said(me, &line) {
                        let _ = room.send(message);
                    }
                }
            },
        }
    }
}
