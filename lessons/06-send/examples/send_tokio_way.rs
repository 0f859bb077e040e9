//! The same with tokio: `cargo run -p lesson-06-send --example send_tokio_way`.
//!
//! `AsyncWriteExt::write` is one `send()` (it waits for room, then takes what fits);
//! `write_all` is the loop.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let mut client = TcpStream::connect(listener.local_addr()?).await?;
    let (mut server, _peer) = listener.accept().await?;
    let payload: Vec<u8> = (0..8 * 1024 * 1024).map(|i| (i % 251) as u8).collect();

    // ANCHOR: tokio
    // One write(): tokio's sockets are non-blocking, so it takes what fits right now.
    let first = server.write(&payload).await?;

    // The reader runs as its own task; the rest is sent with write_all, the loop.
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        client.read_to_end(&mut got).await.map(|_| got)
    });
    server.write_all(&payload[first..]).await?;
    server.write_all("Grüße\n".as_bytes()).await?;
    drop(server); // close: the reader sees end of stream
    let got = reader.await.expect("the reader task")?;
    // ANCHOR_END: tokio

    println!(
        "tokio: the first write took fewer bytes than offered: {}; the reader got all {} bytes: {}",
        first < payload.len(),
        payload.len() + "Grüße\n".len(),
        got.len() == payload.len() + 8 && got[..payload.len()] == payload[..]
    );
    Ok(())
}
