//! Names with std: `cargo run -p lesson-19-names --example names_std_way`.
//!
//! `ToSocketAddrs` is std's getaddrinfo: a "host:port" string (or a `(host, port)` pair)
//! gives every address of the name. `TcpStream::connect("localhost:7019")` tries them in
//! turn itself; written out, it is this.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};

// ANCHOR: std
/// Resolve `host`, then connect to the first of its addresses that answers.
fn connect_by_name(host: &str, port: u16) -> std::io::Result<TcpStream> {
    let mut last_error = None;
    for addr in (host, port).to_socket_addrs()? {
        match TcpStream::connect(addr) {
            Ok(stream) => return Ok(stream),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| std::io::Error::other("the name has no address")))
}
// ANCHOR_END: std

fn main() -> std::io::Result<()> {
    // The server on 127.0.0.1 only: wherever localhost is also ::1, that one is refused first.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let all: Vec<_> = ("localhost", port).to_socket_addrs()?.collect();
    println!("std: localhost is {all:?}");
    let mut client = connect_by_name("localhost", port)?;
    let (server, _) = listener.accept()?;
    client.write_all(b"hello\n")?;
    let mut line = String::new();
    BufReader::new(server).read_line(&mut line)?;
    println!("std: connected to {}, sent {line:?}", client.peer_addr()?);
    assert_eq!(line, "hello\n");
    Ok(())
}
