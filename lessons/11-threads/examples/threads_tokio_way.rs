//! The same with tokio: `cargo run -p lesson-11-threads --example threads_tokio_way`.
//!
//! A task per connection instead of a thread: `tokio::spawn` is cheap (a few hundred bytes,
//! no stack of its own), so a thousand tasks cost what a thousand threads never could.
//! Here they all run on ONE thread (`current_thread`); chapter 13 explains how.

use std::io::{self, ErrorKind};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The longest line we accept, newline included.
const MAX_LINE: u64 = 1024;

/// One line, never longer than MAX_LINE (`take`), and never waiting more than 5 s for the
/// whole of it (`timeout` is a deadline for the whole line, not for each read).
async fn read_line_limited(reader: &mut (impl AsyncBufRead + Unpin)) -> io::Result<String> {
    let mut line = String::new();
    let mut limited = reader.take(MAX_LINE);
    tokio::time::timeout(Duration::from_secs(5), limited.read_line(&mut line))
        .await
        .map_err(|_| io::Error::new(ErrorKind::TimedOut, "no whole line within 5 s"))??;
    if !line.ends_with('\n') {
        let why = match line.len() as u64 {
            0 => "the peer closed before a line",
            MAX_LINE => "a line longer than 1024 bytes",
            _ => "the peer closed in the middle of a line",
        };
        return Err(io::Error::new(ErrorKind::InvalidData, why));
    }
    Ok(line)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> io::Result<()> {
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
            read_line_limited(&mut BufReader::new(conn)).await
        }));
    }
    let mut servers = Vec::new();
    for _ in 0..3 {
        let (conn, _peer) = listener.accept().await?;
        let lines = Arc::clone(&lines);
        // A task per connection: the same shape as a thread per connection.
        servers.push(tokio::spawn(async move {
            let mut conn = BufReader::new(conn);
            let line = read_line_limited(&mut conn).await?;
            // A std Mutex is fine in async code as long as no .await happens while it is held.
            *lines.lock().unwrap() += 1;
            conn.write_all(line.to_uppercase().as_bytes()).await
        }));
    }
    // `??`: the first `?` is the task's (did it panic?), the second its own io::Result.
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
