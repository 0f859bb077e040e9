//! Dual stack with std (and socket2): `cargo run -p lesson-20-ipv6 --example ipv6_std_way`.
//!
//! std's `TcpListener::bind("[::]:0")` keeps the system's default for IPV6_V6ONLY (Linux:
//! off; Windows, BSDs: on). To choose, make the socket with socket2, set the option, bind.

use std::io::{Read, Write};
use std::net::{Ipv6Addr, SocketAddr, TcpListener, TcpStream};

use socket2::{Domain, Socket, Type};

// ANCHOR: std
/// A listener on `[::]:port` that takes IPv4 clients too, on every system.
fn dual_stack(port: u16) -> std::io::Result<TcpListener> {
    let socket = Socket::new(Domain::IPV6, Type::STREAM, None)?;
    socket.set_only_v6(false)?; // before bind()
    socket.bind(&SocketAddr::from((Ipv6Addr::UNSPECIFIED, port)).into())?;
    socket.listen(128)?;
    Ok(socket.into())
}
// ANCHOR_END: std

fn main() -> std::io::Result<()> {
    if TcpListener::bind("[::1]:0").is_err() {
        println!("std: no IPv6 on this machine's loopback; nothing to show");
        return Ok(());
    }
    let listener = dual_stack(0)?;
    let port = listener.local_addr()?.port();
    for to in ["127.0.0.1", "::1"] {
        let mut client = TcpStream::connect((to, port))?;
        let (mut conn, peer) = listener.accept()?;
        // IpAddr::to_canonical turns ::ffff:127.0.0.1 back into 127.0.0.1.
        let text = format!("you are {}\n", peer.ip().to_canonical());
        conn.write_all(text.as_bytes())?;
        drop(conn);
        let mut answer = String::new();
        client.read_to_string(&mut answer)?;
        println!("std: accept() gave {peer}; {}", answer.trim_end());
    }
    Ok(())
}
