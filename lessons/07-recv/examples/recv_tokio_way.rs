//! The same with tokio: `cargo run -p lesson-07-recv --example recv_tokio_way`.
//!
//! tokio's `read` is one `recv()` too; `BufReader::read_line` and `read_exact` are the loops,
//! and `read_u32` reads a big-endian length prefix.

use std::io;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let mut client = TcpStream::connect(listener.local_addr()?).await?;
    let (server, _peer) = listener.accept().await?;
    client.write_all(b"hel").await?;
    client.write_all("lo\nGr\u{fc}".as_bytes()).await?;
    client.write_all("\u{df}e\ntwo\n".as_bytes()).await?;
    client.write_all(&[0, 0, 0, 5]).await?;
    client.write_all(b"hello").await?;
    client.shutdown().await?; // shutdown(Write): end of stream for the server

    // ANCHOR: tokio
    let mut reader = BufReader::new(server);
    let mut lines = Vec::new();
    for _ in 0..3 {
        let mut line = String::new();
        // At most 1024 bytes; a line without its newline was cut off (limit or end of stream).
        (&mut reader).take(1024).read_line(&mut line).await?;
        if !line.ends_with('\n') {
            return Err(invalid(format!("no newline in {} bytes", line.len())));
        }
        lines.push(line.trim_end().to_string());
    }
    // read_u32: read_exact of 4 bytes, as a big-endian number.
    let len = reader.read_u32().await? as usize;
    if len > 1024 {
        return Err(invalid(format!("{len} bytes announced, the limit is 1024")));
    }
    let mut message = vec![0u8; len];
    reader.read_exact(&mut message).await?;
    let end = reader.read(&mut [0u8; 16]).await?;
    // ANCHOR_END: tokio

    assert_eq!(end, 0);
    println!(
        "tokio: lines {lines:?}, message b{:?}",
        String::from_utf8_lossy(&message)
    );
    Ok(())
}

fn invalid(reason: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, reason)
}
