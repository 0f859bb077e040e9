//! Clients queue up before accept(), with tokio:
//! `cargo run -p lesson-03-listen --example listen_tokio_way`.
//!
//! `TcpSocket::listen(backlog)` lets you choose the backlog; `TcpListener::bind` chooses it
//! for you (through mio: 128, as std does, with the versions this workspace locks). On Linux
//! the example counts it: clients connect, nobody accepts, until one gets no answer.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // ANCHOR: tokio
    // socket(), bind(), then listen() with a backlog of our choice.
    let socket = TcpSocket::new_v4()?;
    socket.bind("127.0.0.1:0".parse().unwrap())?;
    let listener = socket.listen(3)?;
    let addr = listener.local_addr()?;

    // Three clients connect and send their name before anyone accepts: each connect()
    // completes, because the kernel does the handshake and queues the connection.
    let mut clients = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let mut client = TcpStream::connect(addr).await?;
        client.write_all(format!("{name}\n").as_bytes()).await?;
        clients.push(client);
    }

    for number in 1..=clients.len() {
        let (conn, _peer) = listener.accept().await?;
        let mut conn = BufReader::new(conn);
        let mut name = String::new();
        conn.read_line(&mut name).await?;
        let answer = format!("hello {}, you are number {number}\n", name.trim_end());
        conn.write_all(answer.as_bytes()).await?;
    }
    // ANCHOR_END: tokio
    let mut answers = Vec::new();
    for client in clients {
        let mut answer = String::new();
        BufReader::new(client).read_line(&mut answer).await?;
        let number = answer
            .trim_end()
            .rsplit(", you are ")
            .next()
            .unwrap_or("")
            .to_string();
        answers.push(number);
    }
    println!(
        "tokio: 3 clients connected before accept; answers: {}",
        answers.join(", ")
    );
    if cfg!(target_os = "linux") {
        let held = queue_of_bind().await?;
        println!(
            "tokio: TcpListener::bind's queue held {held} connections: a backlog of {} (Linux queues backlog + 1)",
            held - 1
        );
    }
    Ok(())
}

/// How many connections the queue of `TcpListener::bind` holds before a SYN goes unanswered.
async fn queue_of_bind() -> std::io::Result<usize> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut waiting = Vec::new();
    let patience = std::time::Duration::from_millis(500);
    while waiting.len() < 10_000 {
        match tokio::time::timeout(patience, TcpStream::connect(addr)).await {
            Ok(Ok(conn)) => waiting.push(conn),
            Ok(Err(e)) => return Err(e),
            // No answer in time: the queue is full.
            Err(_) => break,
        }
    }
    Ok(waiting.len())
}
