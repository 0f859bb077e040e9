//! The chat in as few lines as tokio allows: no nickname checks, no time limits, no narration.
//! `cargo run -p lesson-16-chat --example chat_tokio_way`.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

/// The longest line taken, newline included.
const MAX: usize = 1024;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // ANCHOR: tokio
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // (sender's port, line): every client's task gets every line, and skips its own.
    let (room, _) = broadcast::channel::<(u16, String)>(256);
    let accepting = room.clone();
    tokio::spawn(async move {
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                // One failed accept (EMFILE, say) is not the end of the server.
                Err(e) => {
                    eprintln!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let (room, mut inbox) = (accepting.clone(), accepting.subscribe());
            tokio::spawn(async move {
                let (reader, mut writer) = stream.into_split();
                let mut reader = BufReader::new(reader);
                // A line collects here, at most MAX bytes: read_until adds to it, so a line
                // read half-way when select! takes the other branch is not lost.
                let mut line = Vec::new();
                let mut nick = None;
                loop {
                    let mut limited = (&mut reader).take((MAX + 1 - line.len()) as u64);
                    tokio::select! {
                        read = limited.read_until(b'\n', &mut line) => {
                            match read {
                                Err(e) => return eprintln!("{peer}: {e}"),
                                Ok(_) if line.len() > MAX => return eprintln!("{peer}: line too long"),
                                Ok(0) => return, // end of stream
                                Ok(_) if !line.ends_with(b"\n") => continue, // more to come
                                Ok(_) => {}
                            }
                            let text = String::from_utf8_lossy(&line).trim_end().to_string();
                            line.clear();
                            match &nick {
                                None => nick = Some(text),
                                Some(nick) => {
                                    let _ = room.send((peer.port(), format!("{nick}: {text}\n")));
                                }
                            }
                        }
                        received = inbox.recv() => match received {
                            // Skip our own lines.
                            Ok((from, _)) if from == peer.port() => {}
                            Ok((_, text)) => {
                                if let Err(e) = writer.write_all(text.as_bytes()).await {
                                    return eprintln!("{peer}: {e}");
                                }
                            }
                            Err(RecvError::Lagged(n)) => return eprintln!("{peer}: {n} lines lost"),
                            Err(RecvError::Closed) => return,
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
