//! The same datagrams with only the standard library: `cargo run -p lesson-10-udp --example udp_std_way`.
//!
//! `UdpSocket::bind` is socket() + bind() in one call. There is nothing else to set up: no
//! listen, no accept, no connect.

use std::net::UdpSocket;
use std::time::Duration;

fn main() -> std::io::Result<()> {
    // ANCHOR: std
    // socket() + bind(): the server's address.
    let server = UdpSocket::bind("127.0.0.1:0")?;
    // The client binds port 0: any free port will do.
    let client = UdpSocket::bind("127.0.0.1:0")?;
    // Never wait forever for a datagram that may have been lost.
    client.set_read_timeout(Some(Duration::from_millis(500)))?;

    client.send_to(b"1 hello", server.local_addr()?)?;
    let mut buf = [0u8; 65];
    let (n, from) = server.recv_from(&mut buf)?;
    let request = buf[..n].to_vec();
    // Answer whoever sent the datagram.
    server.send_to(&request.to_ascii_uppercase(), from)?;

    let (n, _) = client.recv_from(&mut buf)?;
    let answer = buf[..n].to_vec();
    // ANCHOR_END: std
    println!(
        "std: server got {}, client got {}",
        request.escape_ascii(),
        answer.escape_ascii()
    );
    assert_eq!(answer, b"1 HELLO");
    Ok(())
}
