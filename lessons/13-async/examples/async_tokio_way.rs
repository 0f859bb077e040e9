//! The lesson's server without the narration, as short as tokio allows:
//! `cargo run -p lesson-13-async --example async_tokio_way`.
//!
//! Put it next to the notes' asyncio server: `asyncio.start_server` is `TcpListener::bind`
//! plus the accept loop and `tokio::spawn`; `open_connection` is `TcpStream::connect` plus
//! `into_split`; `writer.write` + `drain()` is `write_all(..).await`.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // ANCHOR: tokio
    // asyncio.start_server(handle, "127.0.0.1", 0): bind, then accept and spawn for ever.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _peer)) = listener.accept().await {
            // One task per connection: the handler coroutine of asyncio.
            tokio::spawn(async move {
                let (reader, mut writer) = stream.into_split();
                let mut lines = BufReader::new(reader).lines();
                let mut n = 0;
                // next_line() waits for a whole line; Ok(None) is end of stream.
                while let Ok(Some(line)) = lines.next_line().await {
                    n += 1;
                    let answer = format!("{n}: {}\n", line.to_uppercase());
                    if writer.write_all(answer.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
    });

    // asyncio.open_connection(host, port): no sleep needed, the listener exists already.
    let (reader, mut writer) = TcpStream::connect(addr).await?.into_split();
    writer.write_all(b"hello\nasync\n").await?;
    // Our FIN: the server's next_line() returns None after the two lines.
    writer.shutdown().await?;
    let mut lines = BufReader::new(reader).lines();
    let mut answers = Vec::new();
    while let Some(line) = lines.next_line().await? {
        answers.push(line);
    }
    // ANCHOR_END: tokio
    println!("tokio: {answers:?}");
    assert_eq!(answers, ["1: HELLO", "2: ASYNC"]);
    Ok(())
}
