//! The same datagrams with tokio: `cargo run -p lesson-10-udp --example udp_tokio_way`.
//!
//! tokio's `UdpSocket` has the same `send_to`/`recv_from`; they wait without blocking the
//! thread. A timeout is `tokio::time::timeout` around the receive (feature "time"), or a
//! `select!` against a timer.

use tokio::net::UdpSocket;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // ANCHOR: tokio
    let server = UdpSocket::bind("127.0.0.1:0").await?;
    let client = UdpSocket::bind("127.0.0.1:0").await?;

    client.send_to(b"1 hello", server.local_addr()?).await?;
    let mut buf = [0u8; 65];
    let (n, from) = server.recv_from(&mut buf).await?;
    let request = buf[..n].to_vec();
    server.send_to(&request.to_ascii_uppercase(), from).await?;

    let (n, _) = client.recv_from(&mut buf).await?;
    let answer = buf[..n].to_vec();
    // ANCHOR_END: tokio
    println!(
        "tokio: server got {}, client got {}",
        request.escape_ascii(),
        answer.escape_ascii()
    );
    assert_eq!(answer, b"1 HELLO");
    Ok(())
}
