//! The chat in as few lines as tokio allows: no nickname checks, no limits, no narration.
//! `cargo run -p lesson-16-chat --example chat_tokio_way`.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // ANCHOR: tokio
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // (sender's port, line): every client's task gets every line, and skips its own.
    let (room, _) = broadcast::channel::<(u16, String)>(256);
    let accepting = room.clone();
    tokio::spawn(async move {
        while let Ok((stream, peer)) = listener.accept().await {
            let (room, mut inbox) = (accepting.clone(), accepting.subscribe());
            tokio::spawn(async move {
                let (reader, mut writer) = stream.into_split();
                let mut lines = BufReader::new(reader).lines();
                let Ok(Some(nick)) = lines.next_line().await else {
                    return;
                };
                loop {
                    tokio::select! {
                        line = lines.next_line() => match line {
                            Ok(Some(text)) => {
                                let _ = room.send((peer.port(), format!("{nick}: {text}\n")));
                            }
                            _ => return,
                        },
                        Ok((from, text)) = inbox.recv() => {
                            // Skip our own lines; stop when the client is gone.
                            if from != peer.port() && writer.write_all(text.as_bytes()).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });

    let mut bob = BufReader::new(TcpStream::connect(addr).await?);
    bob.write_all(b"bob\n").await?;
    let mut alice = TcpStream::connect(addr).await?;
    alice.write_all(b"alice\nhi\n").await?;
    let mut got = String::new();
    bob.read_line(&mut got).await?;
    // ANCHOR_END: tokio
    println!("tokio: bob got {got:?}");
    assert_eq!(got, "alice: hi\n");
    Ok(())
}
