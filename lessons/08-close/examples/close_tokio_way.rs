//! The same half-close with tokio: `cargo run -p lesson-08-close --example close_tokio_way`.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // ANCHOR: tokio
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let mut client = TcpStream::connect(listener.local_addr()?).await?;
    let (mut server_side, _peer) = listener.accept().await?;

    client.write_all(b"one\ntwo\nthree\n").await?;
    // For a TcpStream, AsyncWriteExt::shutdown is shutdown(Write): a half-close.
    client.shutdown().await?;

    let mut request = Vec::new();
    server_side.read_to_end(&mut request).await?;
    server_side.write_all(b"three\ntwo\none\n").await?;
    drop(server_side);

    let mut answer = Vec::new();
    client.read_to_end(&mut answer).await?;
    // ANCHOR_END: tokio
    println!(
        "tokio: server got {:?}, client got {:?}",
        String::from_utf8_lossy(&request),
        String::from_utf8_lossy(&answer)
    );
    assert_eq!(answer, b"three\ntwo\none\n");
    Ok(())
}
