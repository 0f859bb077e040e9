//! The accept loop with tokio: `cargo run -p lesson-04-accept --example accept_tokio_way`.
//!
//! `TcpListener::accept().await` is the same call; while it waits, other tasks can run. A real
//! tokio server would `tokio::spawn` a task per connection (chapter 13); here the loop serves
//! one client after another, like the lesson.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut clients = Vec::new();
    for name in ["alice", "bob", "carol"] {
        // The handshake completes without any accept(): the kernel does it.
        let mut client = TcpStream::connect(addr).await?;
        client
            .write_all(format!("hello from {name}\n").as_bytes())
            .await?;
        clients.push(client);
    }

    // ANCHOR: tokio
    for number in 1..=3 {
        // A new TcpStream for this connection, and the peer's address.
        let (conn, peer) = listener.accept().await?;
        let local = conn.local_addr()?;
        let mut conn = BufReader::new(conn);
        let mut greeting = String::new();
        conn.read_line(&mut greeting).await?;
        println!("tokio: #{number} {local} <-> {peer} said {greeting:?}");
        conn.write_all(format!("you are client {number} at {peer}\n").as_bytes())
            .await?;
    }
    // ANCHOR_END: tokio

    for client in clients {
        let me = client.local_addr()?;
        let mut answer = String::new();
        BufReader::new(client).read_line(&mut answer).await?;
        assert!(answer.ends_with(&format!(" at {me}\n")), "{answer:?}");
        print!("tokio: client at {me} got: {answer}");
    }
    Ok(())
}
