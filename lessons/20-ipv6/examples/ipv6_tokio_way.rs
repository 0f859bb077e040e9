//! Dual stack with tokio: `cargo run -p lesson-20-ipv6 --example ipv6_tokio_way`.
//!
//! tokio's `TcpSocket` has no IPV6_V6ONLY setter: make the socket with socket2, then hand
//! it to tokio (`TcpListener::from_std`, after `set_nonblocking(true)`).

use std::net::{Ipv6Addr, SocketAddr};

use socket2::{Domain, Socket, Type};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// ANCHOR: tokio
/// socket2 makes and binds the dual-stack socket; tokio drives it.
fn dual_stack(port: u16) -> std::io::Result<TcpListener> {
    let socket = Socket::new(Domain::IPV6, Type::STREAM, None)?;
    socket.set_only_v6(false)?;
    socket.bind(&SocketAddr::from((Ipv6Addr::UNSPECIFIED, port)).into())?;
    socket.listen(128)?;
    socket.set_nonblocking(true)?; // tokio's sockets never block
    TcpListener::from_std(socket.into())
}
// ANCHOR_END: tokio

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        println!("tokio: no IPv6 on this machine's loopback; nothing to show");
        return Ok(());
    }
    let listener = dual_stack(0)?;
    let port = listener.local_addr()?.port();
    for to in ["127.0.0.1", "::1"] {
        let mut client = TcpStream::connect((to, port)).await?;
        let (mut conn, peer) = listener.accept().await?;
        let text = format!("you are {}\n", peer.ip().to_canonical());
        conn.write_all(text.as_bytes()).await?;
        drop(conn);
        let mut answer = String::new();
        client.read_to_string(&mut answer).await?;
        println!("tokio: accept() gave {peer}; {}", answer.trim_end());
    }
    Ok(())
}
