// WRONG: empties the inbox into a queue of its own while a write waits, so that it never falls
// behind: a client that stops reading makes that queue grow without bound (the room's memory
// limit is gone), and it is never told it is too slow.

use std::io;

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

use crate::{Ending, Lines, Member, Message, Writer};

pub async fn chat(
    me: &Member,
    lines: &mut Lines,
    writer: &mut Writer,
    room: &broadcast::Sender<Message>,
    inbox: &mut broadcast::Receiver<Message>,
) -> io::Result<Ending> {
    let mut queue = std::collections::VecDeque::new();
    loop {
        if let Some(next) = queue.front().cloned() {
            let next: Message = next;
            let write = writer.send(&next.text);
            tokio::pin!(write);
            loop {
                tokio::select! {
                    biased;
                    written = &mut write => {
                        written?;
                        queue.pop_front();
                        break;
                    }
                    received = inbox.recv() => match received {
                        Ok(message) if message.from == me.id => {}
                        Ok(message) => queue.push_back(message),
                        Err(RecvError::Lagged(lost)) => return Ok(Ending::TooSlow(lost)),
                        Err(RecvError::Closed) => return Ok(Ending::Left),
                    },
                }
            }
            continue;
        }
        tokio::select! {
            biased;
            received = inbox.recv() => match received {
                Ok(message) if message.from == me.id => {}
                Ok(message) => queue.push_back(message),
                Err(RecvError::Lagged(lost)) => return Ok(Ending::TooSlow(lost)),
                Err(RecvError::Closed) => return Ok(Ending::Left),
            },
            read = lines.next() => match read? {
                Some(bytes) => {
                    if let Some(message) = Message::said(me, &bytes) {
                        let _ = room.send(message);
                        tokio::task::yield_now().await;
                    }
                }
                None => return Ok(Ending::Left),
            },
        }
    }
}
