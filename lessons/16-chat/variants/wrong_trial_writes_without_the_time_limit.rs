// WRONG: writes with `writer.half.write_all` instead of `writer.send`, without the time limit:
// a client that stops reading holds its task (and its memory, socket and name) for ever.

use std::io;

use tokio::io::AsyncWriteExt;
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
                Ok(message) if message.from == me.id => {}
                Ok(message) => writer.half.write_all(&message.text).await?,
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
