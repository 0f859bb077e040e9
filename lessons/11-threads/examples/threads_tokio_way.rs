//! The same with tokio: `cargo run -p lesson-11-threads --example threads_tokio_way`.
//!
//! A task per connection instead of a thread: `tokio::spawn` is cheap (a few hundred bytes,
//! no stack of its own), so a thousand tasks cost what a thousand threads never could.
//! Here they all run on ONE thread (`current_thread`); chapter 13 explains how.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // ANCHOR: tokio
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let lines = Arc::new(Mutex::new(0u64));

    let mut clients = Vec::new();
    for name in ["alice", "bob", "carol"] {
        clients.push(tokio::spawn(async move {
            let mut conn = TcpStream::connect(addr).await?;
            conn.write_all(format!("hi from {name}\n").as_bytes())
                .await?;
            let mut answer = String::new();
            BufReader::new(conn).read_line(&mut answer).await?;
            Ok::<_, std::io::Error>(answer)
        }));
    }
    let mut servers = Vec::new();
    for _ in 0..3 {
        let (conn, _peer) = listener.accept().await?;
        let lines = Arc::clone(&lines);
        // A task per connection: the same shape as a thread per connection.
        servers.push(tokio::spawn(async move {
            let mut conn = BufReader::new(conn);
            let mut line = String::new();
            conn.read_line(&mut line).await?;
            // A std Mutex is fine in async code as long as no .await happens while it is held.
            *lines.lock().unwrap() += 1;
            conn.write_all(line.to_uppercase().as_bytes()).await
        }));
    }
    for task in servers {
        task.await??;
    }
    for task in clients {
        task.await??;
    }
    // ANCHOR_END: tokio
    println!("tokio: 3 connections, {} lines", lines.lock().unwrap());
    Ok(())
}
