//! The lesson's server without the narration, as short as tokio allows with its limits kept:
//! `cargo run -p lesson-13-async --example async_tokio_way`.
//!
//! Put it next to the notes' asyncio server: `asyncio.start_server` is `TcpListener::bind`
//! plus the accept loop and `tokio::spawn`; `open_connection` is `TcpStream::connect` plus
//! `into_split`; `writer.write` + `drain()` is `write_all(..).await`.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep, timeout};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // ANCHOR: tokio
    // asyncio.start_server(handle, "127.0.0.1", 0): bind, then accept and spawn for ever.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _peer)) => stream,
                // accept(2) errors (EMFILE...) pass: say so, pause, go on.
                Err(e) => {
                    eprintln!("accept: {e}");
                    sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            // One task per connection: the handler coroutine of asyncio.
            tokio::spawn(async move {
                if let Err(e) = handle(stream).await {
                    eprintln!("connection: {e}");
                }
            });
        }
    });

    // asyncio.open_connection(host, port): no sleep needed, the listener exists already.
    let (reader, mut writer) = TcpStream::connect(addr).await?.into_split();
    writer.write_all(b"hello\nasync\n").await?;
    // Our FIN: the server's read_until returns 0 after the two lines.
    writer.shutdown().await?;
    // Our own server's answers: `lines()` is fine here; `?` passes every error on.
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

// ANCHOR: handle
/// Number and upper-case each line: at most 1024 bytes, whole within 10 s; each answer taken
/// by the kernel within 10 s. Every error ends this connection, and says why.
async fn handle(stream: TcpStream) -> std::io::Result<()> {
    let limit = Duration::from_secs(10);
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    for n in 1.. {
        line.clear();
        // `take` stops read_until at the limit: no newline in 1024 bytes is an error,
        // not a buffer that grows for ever (`lines()` has no limit).
        let mut limited = (&mut reader).take(1024);
        let read = match timeout(limit, limited.read_until(b'\n', &mut line)).await {
            Ok(read) => read?,
            Err(_elapsed) => return Err(std::io::ErrorKind::TimedOut.into()),
        };
        if read == 0 {
            return Ok(()); // end of stream
        }
        if !line.ends_with(b"\n") {
            let error = "line too long, or cut off by end of stream";
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, error));
        }
        let text = String::from_utf8_lossy(&line);
        let answer = format!("{n}: {}\n", text.trim_end().to_uppercase());
        timeout(limit, writer.write_all(answer.as_bytes()))
            .await
            .map_err(|_| std::io::ErrorKind::TimedOut)??;
    }
    Ok(())
}
// ANCHOR_END: handle
