//! connect() with tokio: `cargo run -p lesson-05-connect --example connect_tokio_way`.
//!
//! `TcpStream::connect(addr).await` does the same handshake without blocking the thread;
//! tokio has no connect_timeout: wrap any future in `tokio::time::timeout` instead.

use std::net::SocketAddr;
use std::time::Duration;

use socket2::{Domain, Socket, Type};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // A port with a bound socket but no listener (see connect_std_way).
    let no_listener = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    no_listener.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
    let refused_addr = no_listener.local_addr()?.as_socket().unwrap();

    // ANCHOR: tokio
    let client = TcpStream::connect(addr).await?;
    println!(
        "tokio: connected from {} to {}",
        client.local_addr()?,
        client.peer_addr()?
    );

    // Two layers of result: the outer one is the timeout, the inner one the connect.
    match timeout(Duration::from_millis(500), TcpStream::connect(refused_addr)).await {
        Ok(Ok(_)) => println!("tokio: connected?!"),
        Ok(Err(e)) => println!("tokio: connect({refused_addr}): {e}"),
        Err(_elapsed) => println!("tokio: connect({refused_addr}): no answer in time"),
    }
    // ANCHOR_END: tokio
    let (_conn, peer) = listener.accept().await?;
    assert_eq!(peer, client.local_addr()?);
    Ok(())
}
