//! The echo server with tokio: `cargo run -p lesson-09-echo --example echo_tokio_way`.

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

// ANCHOR: tokio
/// One connection: echo each line (at most 8 KiB) until end of stream.
async fn serve(stream: TcpStream) -> std::io::Result<()> {
    let (read_half, mut write_half) = stream.into_split();
    let mut reader = BufReader::new(read_half).take(8192);
    let mut line = Vec::new();
    loop {
        line.clear();
        // Each line gets the whole limit again.
        reader.set_limit(8192);
        let n = reader.read_until(b'\n', &mut line).await?;
        if n == 0 || !line.ends_with(b"\n") {
            return Ok(());
        }
        write_half.write_all(&line).await?;
    }
}
// ANCHOR_END: tokio

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (stream, _peer) = listener.accept().await?;
        serve(stream).await
    });
    let mut client = TcpStream::connect(addr).await?;
    client.write_all(b"hello\nworld\n").await?;
    client.shutdown().await?;
    let mut echoed = Vec::new();
    client.read_to_end(&mut echoed).await?;
    server.await.unwrap()?;
    println!("tokio: echoed {:?}", String::from_utf8_lossy(&echoed));
    assert_eq!(echoed, b"hello\nworld\n");
    Ok(())
}
