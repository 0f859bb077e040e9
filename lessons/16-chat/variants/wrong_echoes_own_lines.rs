// WRONG: forwards every message in the inbox, the member's own included: each member gets its
// own lines (and its own "joined" notice) back.

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
    loop {
        tokio::select! {
            biased;
            received = inbox.recv() => match received {
                Ok(message) => writer.send(&message.text).await?,
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
