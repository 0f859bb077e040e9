// CORRECT, written differently: the inbox is emptied with try_recv() first, then one select!
// waits for whichever comes next; the member's own messages are filtered before the match.

use std::io;

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::{Ending, Lines, Member, Message, Writer};

pub async fn chat(
    me: &Member,
    lines: &mut Lines,
    writer: &mut Writer,
    room: &broadcast::Sender<Message>,
    inbox: &mut broadcast::Receiver<Message>,
) -> io::Result<Ending> {
    loop {
        // Whatever is already waiting for us goes out first.
        loop {
            match inbox.try_recv() {
                Ok(message) if message.from != me.id => writer.send(&message.text).await?,
                Ok(_) => {}
                Err(TryRecvError::Lagged(n)) => return Ok(Ending::TooSlow(n)),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Closed) => return Ok(Ending::Left),
            }
        }
        tokio::select! {
            next = inbox.recv() => {
                let message = match next {
                    Err(RecvError::Lagged(n)) => return Ok(Ending::TooSlow(n)),
                    Err(RecvError::Closed) => return Ok(Ending::Left),
                    Ok(message) => message,
                };
                if message.from != me.id {
                    writer.send(&message.text).await?;
                }
            }
            line = lines.next() => {
                let Some(line) = line? else {
                    return Ok(Ending::Left);
                };
                if let Some(said) = Message::said(me, &line) {
                    let _ = room.send(said);
                    tokio::task::yield_now().await;
                }
            }
        }
    }
}
