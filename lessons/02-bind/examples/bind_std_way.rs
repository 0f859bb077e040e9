//! bind() with only the standard library: `cargo run -p lesson-02-bind --example bind_std_way`.
//!
//! std has no bind() of its own: `TcpListener::bind` makes the socket, sets SO_REUSEADDR (on
//! Unix), binds and listens in one call. The address may name port 0; `local_addr()` then
//! tells you the port the kernel chose. `TcpStream::connect` binds the client implicitly.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    // ANCHOR: std
    // socket() + SO_REUSEADDR + bind() + listen(); port 0 asks the kernel for a free port.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    // getsockname(): the only way to learn which port that was.
    let addr = listener.local_addr()?;

    // The same address again: refused while the first listener holds it.
    let second = TcpListener::bind(addr);
    let refused = matches!(&second, Err(e) if e.kind() == ErrorKind::AddrInUse);

    // socket() + connect(): no bind() here, connect() gives the client an ephemeral port.
    let mut client = TcpStream::connect(addr)?;
    let client_addr = client.local_addr()?;
    let (server_side, peer) = listener.accept()?;

    client.write_all(b"hello\n")?;
    let mut request = String::new();
    // At most 1024 bytes, however long the line (chapter 7 shows why and what else to check).
    BufReader::new(&server_side)
        .take(1024)
        .read_line(&mut request)?;
    (&server_side).write_all(format!("you are {peer}\n").as_bytes())?;
    let mut answer = String::new();
    BufReader::new(&client).read_line(&mut answer)?;
    // ANCHOR_END: std
    println!("std: bound to {addr}");
    if refused {
        println!("std: a second bind: address already in use");
    }
    println!("std: the client got {client_addr}, and the server says {answer:?}");
    assert_eq!(answer, format!("you are {client_addr}\n"));
    Ok(())
}
