// WRONG: std::thread::yield_now() instead of tokio::task::yield_now().await after passing a line
// on: it lets the OS run another thread, not another task on this one; a paste still fills the
// room's queue before any other member's task has run.

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
                    if let Some(message) = Message::said(me, &bytes) {
                        let _ = room.send(message);
                        std::thread::yield_now();
                    }
                }
                None => return Ok(Ending::Left),
            },
        }
    }
}
