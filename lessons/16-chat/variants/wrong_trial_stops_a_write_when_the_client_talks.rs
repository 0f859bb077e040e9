// WRONG: puts the write in a select! with the client's next line, so that a talking client is
// heard during a long write: when the line wins, the write is dropped half-way (it is not
// cancel-safe), and the client gets part of a message, then the next one.

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
                Ok(message) => {
                    tokio::select! {
                        written = writer.send(&message.text) => written?,
                        read = lines.next() => match read? {
                            Some(bytes) => {
                                if let Some(message) = Message::said(me, &bytes) {
                                    let _ = room.send(message);
                                }
                            }
                            None => return Ok(Ending::Left),
                        },
                    }
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
