//! bind() with tokio: `cargo run -p lesson-02-bind --example bind_tokio_way`.
//!
//! `TcpSocket` makes the calls one at a time, as socket2 does: new, set_reuseaddr, bind,
//! listen. `TcpListener::bind` does them all at once, like std's.

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // ANCHOR: tokio
    // socket(), SO_REUSEADDR, bind() to port 0, then getsockname() for the real port.
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind("127.0.0.1:0".parse().unwrap())?;
    let addr = socket.local_addr()?;
    let listener = socket.listen(128)?;

    // The same address again: bind() fails at once (bind never waits, even in async code).
    let second = TcpListener::bind(addr).await;
    let refused = matches!(&second, Err(e) if e.kind() == std::io::ErrorKind::AddrInUse);

    // connect() binds the client implicitly.
    let mut client = TcpStream::connect(addr).await?;
    let client_addr = client.local_addr()?;
    let (server_side, peer) = listener.accept().await?;

    client.write_all(b"hello\n").await?;
    let mut server_side = BufReader::new(server_side);
    let mut request = String::new();
    // At most 1024 bytes, however long the line (chapter 7 shows why and what else to check).
    (&mut server_side)
        .take(1024)
        .read_line(&mut request)
        .await?;
    server_side
        .write_all(format!("you are {peer}\n").as_bytes())
        .await?;
    let mut answer = String::new();
    BufReader::new(client).read_line(&mut answer).await?;
    // ANCHOR_END: tokio
    println!("tokio: bound to {addr}");
    if refused {
        println!("tokio: a second bind: address already in use");
    }
    println!("tokio: the client got {client_addr}, and the server says {answer:?}");
    assert_eq!(answer, format!("you are {client_addr}\n"));
    Ok(())
}
