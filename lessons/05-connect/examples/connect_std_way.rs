//! connect() with only the standard library:
//! `cargo run -p lesson-05-connect --example connect_std_way`.
//!
//! `TcpStream::connect` is socket + connect (blocking, no time limit of its own);
//! `TcpStream::connect_timeout` gives up after the time you give it.

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use socket2::{Domain, Socket, Type};

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    // std cannot bind without listening; socket2 can: a port where nobody listens, and that
    // nobody else can take while we hold it.
    let no_listener = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    no_listener.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
    let refused_addr = no_listener.local_addr()?.as_socket().unwrap();

    // ANCHOR: std
    // Blocks until the handshake is done; the kernel picks our local port.
    let client = TcpStream::connect(addr)?;
    println!(
        "std: connected from {} to {}",
        client.local_addr()?,
        client.peer_addr()?
    );

    // The same with a time limit: the error tells a refusal from a timeout.
    match TcpStream::connect_timeout(&refused_addr, Duration::from_millis(500)) {
        Ok(_) => println!("std: connected?!"),
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
            println!("std: connect_timeout({refused_addr}): refused, nobody listens there")
        }
        Err(e) if e.kind() == ErrorKind::TimedOut => {
            println!("std: connect_timeout({refused_addr}): no answer in time")
        }
        Err(e) => return Err(e),
    }
    // ANCHOR_END: std
    let (_conn, peer) = listener.accept()?;
    assert_eq!(peer, client.local_addr()?);
    Ok(())
}
