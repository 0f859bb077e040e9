// WRONG: a select! without `biased;` picks a ready branch at random: half the time the
// client's next line is read and passed to the room before what already waits in the inbox
// goes out, and a talkative client falls behind its own room. (Caught with 16 rounds: a
// 1 in 65,536 chance that it passes by luck.)

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
            got = inbox.recv() => match got {
                Ok(message) if message.from == me.id => {}
                Ok(message) => writer.send(&message.text).await?,
                Err(RecvError::Lagged(n)) => return Ok(Ending::TooSlow(n)),
                Err(RecvError::Closed) => return Ok(Ending::Left),
            },
            line = lines.next() => match line? {
                None => return Ok(Ending::Left),
                Some(line) => {
                    if let Some(message) = Message::said(me, &line) {
                        let _ = room.send(message);
                    }
                }
            },
        }
    }
}
