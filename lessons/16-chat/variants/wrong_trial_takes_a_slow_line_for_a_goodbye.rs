// WRONG: takes a line not finished in time (`TimedOut` from `lines.next()`) for a client that
// has gone (`Ok(Ending::Left)`): the trickling client is never told why it was cut.

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
                Ok(message) if message.from == me.id => {}
                Ok(message) => writer.send(&message.text).await?,
                Err(RecvError::Lagged(lost)) => return Ok(Ending::TooSlow(lost)),
                Err(RecvError::Closed) => return Ok(Ending::Left),
            },
            read = lines.next() => match read {
                Ok(Some(bytes)) => {
                    if let Some(message) = Message::said(me, &bytes) {
                        let _ = room.send(message);
                        tokio::task::yield_now().await;
                    }
                }
                Ok(None) => return Ok(Ending::Left),
                Err(e) if e.kind() == io::ErrorKind::TimedOut => return Ok(Ending::Left),
                Err(e) => return Err(e),
            },
        }
    }
}
