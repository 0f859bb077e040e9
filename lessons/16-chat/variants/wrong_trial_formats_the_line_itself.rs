// WRONG: makes the room's message itself instead of with `Message::said`: a line that is not
// UTF-8 is dropped (the protocol passes it on, bad bytes as U+FFFD), and trailing spaces are cut.

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
            read = lines.next() => match read? {
                Some(bytes) => {
                    let Ok(text) = std::str::from_utf8(&bytes) else {
                        continue;
                    };
                    let text = text.trim_end();
                    if !text.is_empty() {
                        let _ = room.send(Message::new(me.id, format!("{}: {text}\n", me.nick)));
                        tokio::task::yield_now().await;
                    }
                }
                None => return Ok(Ending::Left),
            },
        }
    }
}
