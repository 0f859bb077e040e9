// WRONG: one `write()` (within 5 s) instead of `writer.send`, its count ignored: a short send
// (the socket's buffer had room for part of the message) loses the tail, and the client gets
// part of a message, then the next one.

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
                Ok(message) => {
                    let limit = std::time::Duration::from_secs(5);
                    let write = tokio::time::timeout(limit, writer.half.write(&message.text));
                    let _written = write.await.map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
                }
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
