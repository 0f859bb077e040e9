// WRONG: a biased select! that tries the client's line before the inbox: a client that talks
// and talks is read first every time, while what the room said piles up in its inbox until it
// is lost (and the member is dropped as too slow for what it never had a chance to get).

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
            line = lines.next() => match line? {
                None => return Ok(Ending::Left),
                Some(line) => {
                    if let Some(message) = Message::said(me, &line) {
                        let _ = room.send(message);
                    }
                }
            },
            got = inbox.recv() => match got {
                Ok(message) if message.from == me.id => {}
                Ok(message) => writer.send(&message.text).await?,
                Err(RecvError::Lagged(n)) => return Ok(Ending::TooSlow(n)),
                Err(RecvError::Closed) => return Ok(Ending::Left),
            },
        }
    }
}
