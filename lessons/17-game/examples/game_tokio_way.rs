//! One tick of the game with tokio: `cargo run -p lesson-17-game --example game_tokio_way`.
//!
//! A real tokio server would run its ticks with `tokio::time::interval` (feature "time") in a
//! `select!` against `recv_from`; one tick needs neither.

use tokio::net::UdpSocket;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // ANCHOR: tokio
    let server = UdpSocket::bind("127.0.0.1:0").await?;
    let player = UdpSocket::bind("127.0.0.1:0").await?;

    player
        .send_to(b"input 1 right", server.local_addr()?)
        .await?;

    let mut buf = [0u8; 129];
    let (n, from) = server.recv_from(&mut buf).await?;
    let moved = &buf[..n] == b"input 1 right";
    let snapshot = format!("snap 1 ack=1 p1={},0", i32::from(moved));
    server.send_to(snapshot.as_bytes(), from).await?;

    let (n, _) = player.recv_from(&mut buf).await?;
    // ANCHOR_END: tokio
    println!("tokio: {}", String::from_utf8_lossy(&buf[..n]));
    Ok(())
}
