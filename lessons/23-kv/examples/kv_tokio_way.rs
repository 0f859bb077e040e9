//! The key–value protocol with tokio, and a deadline for each line (tokio::time::timeout):
//! `cargo run -p lesson-23-kv --example kv_tokio_way`. The chapter folds it with the
//! solution: it is a spoiler.

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

// ANCHOR: tokio
/// One connection: answer each line (at most 1024 bytes, within 10 s) until QUIT or end of
/// stream.
async fn serve(stream: TcpStream, store: &mut HashMap<Vec<u8>, Vec<u8>>) -> std::io::Result<()> {
    let (read_half, mut write_half) = stream.into_split();
    let mut reader = BufReader::new(read_half).take(1024);
    let mut line = Vec::new();
    loop {
        line.clear();
        reader.set_limit(1024); // each line gets the whole limit again
        let read = reader.read_until(b'\n', &mut line);
        match timeout(Duration::from_secs(10), read).await {
            Ok(result) => result?,
            Err(_) => return Ok(()), // no whole line in time: hang up
        };
        if line.pop() != Some(b'\n') {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        let reply = match text.splitn(3, ' ').collect::<Vec<_>>()[..] {
            ["QUIT"] => return write_half.write_all(b"BYE\n").await,
            ["SET", k, v] if !k.is_empty() && !v.is_empty() => {
                store.insert(k.into(), v.into());
                "OK\n".to_string()
            }
            ["GET", k] => match store.get(k.as_bytes()) {
                Some(v) => format!("VALUE {}\n", String::from_utf8_lossy(v)),
                None => "NOTFOUND\n".to_string(),
            },
            ["DEL", k] => match store.remove(k.as_bytes()) {
                Some(_) => "DELETED\n".to_string(),
                None => "NOTFOUND\n".to_string(),
            },
            _ => "ERR bad request\n".to_string(),
        };
        write_half.write_all(reply.as_bytes()).await?;
    }
}
// ANCHOR_END: tokio

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (stream, _peer) = listener.accept().await?;
        serve(stream, &mut HashMap::new()).await
    });
    let mut client = TcpStream::connect(addr).await?;
    client.write_all(b"SET a 1\nGET a\nDEL a\nQUIT\n").await?;
    let mut replies = Vec::new();
    client.read_to_end(&mut replies).await?;
    server.await.unwrap()?;
    println!("tokio: {:?}", String::from_utf8_lossy(&replies));
    assert_eq!(replies, b"OK\nVALUE 1\nDELETED\nBYE\n");
    Ok(())
}
