//! One tick of the game with only the standard library: `cargo run -p lesson-17-game --example game_std_way`.

use std::net::UdpSocket;
use std::time::Duration;

fn main() -> std::io::Result<()> {
    // ANCHOR: std
    let server = UdpSocket::bind("127.0.0.1:0")?;
    let player = UdpSocket::bind("127.0.0.1:0")?;
    player.set_read_timeout(Some(Duration::from_millis(500)))?;

    // The player's input for this tick: fire and forget.
    player.send_to(b"input 1 right", server.local_addr()?)?;

    // The server: take the input, remember who sent it, move the player.
    let mut buf = [0u8; 129];
    let (n, from) = server.recv_from(&mut buf)?;
    let moved = &buf[..n] == b"input 1 right";
    // End of the tick: the snapshot goes to every known player's address.
    let snapshot = format!("snap 1 ack=1 p1={},0", i32::from(moved));
    server.send_to(snapshot.as_bytes(), from)?;

    let (n, _) = player.recv_from(&mut buf)?;
    // ANCHOR_END: std
    println!("std: {}", String::from_utf8_lossy(&buf[..n]));
    Ok(())
}
