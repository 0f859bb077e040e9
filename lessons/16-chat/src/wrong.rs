//! A plausible wrong answer to lesson 16's exercise, kept to prove the tests catch it: it
//! forwards every message in the inbox, so each member gets its own lines (and its own
//! "joined" notice) back.

use std::io;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

use super::{read_line, Member, Message};

#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    Left,
    TooSlow(u64),
}

pub async fn chat(
    me: &Member,
    reader: &mut BufReader<OwnedReadHalf>,
    writer: &mut OwnedWriteHalf,
    room: &broadcast::Sender<Message>,
    inbox: &mut broadcast::Receiver<Message>,
) -> io::Result<Ending> {
    let mut line = Vec::new();
    loop {
        tokio::select! {
            read = read_line(reader, &mut line) => match read? {
                Some(bytes) => {
                    if let Some(message) = Message::said(me, &bytes) {
                        let _ = room.send(message);
                    }
                }
                None => return Ok(Ending::Left),
            },
            received = inbox.recv() => match received {
                Ok(message) => writer.write_all(&message.text).await?,
                Err(RecvError::Lagged(lost)) => return Ok(Ending::TooSlow(lost)),
                Err(RecvError::Closed) => return Ok(Ending::Left),
            },
        }
    }
}
