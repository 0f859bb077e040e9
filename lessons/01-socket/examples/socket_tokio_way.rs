//! The same exchange with tokio: `cargo run -p lesson-01-socket --example socket_tokio_way`.
//!
//! tokio mirrors std (`TcpListener::bind` is socket + bind + listen), and has `TcpSocket` for
//! when you want the calls one by one, as socket2 gives them.

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // ANCHOR: tokio
    // socket(), then bind() and listen() as separate steps.
    let socket = TcpSocket::new_v4()?;
    socket.bind("127.0.0.1:0".parse().unwrap())?;
    let listener: TcpListener = socket.listen(128)?;
    let addr = listener.local_addr()?;

    // socket() + connect(); awaiting lets other tasks run while the handshake happens.
    let mut client = TcpSocket::new_v4()?.connect(addr).await?;
    let (server_side, _peer) = listener.accept().await?;

    client.write_all(b"hello\n").await?;
    let mut server_side = BufReader::new(server_side);
    let mut request = String::new();
    // At most 1024 bytes, however long the line (chapter 7 shows why and what else to check).
    (&mut server_side)
        .take(1024)
        .read_line(&mut request)
        .await?;
    server_side
        .write_all(request.to_uppercase().as_bytes())
        .await?;

    let mut answer = String::new();
    BufReader::new(client).read_line(&mut answer).await?;
    // ANCHOR_END: tokio
    println!("tokio: server got {request:?}, client got {answer:?}");
    assert_eq!(answer, "HELLO\n");
    Ok(())
}
