//! The same exchange with only the standard library: `cargo run -p lesson-01-socket --example socket_std_way`.
//!
//! std has no `socket()` of its own. `TcpListener::bind` makes the socket, sets SO_REUSEADDR
//! (on Unix), binds and listens in one call; `TcpStream::connect` makes a socket and connects.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    // ANCHOR: std
    // socket() + bind() + listen(), all in one call.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    // socket() + connect().
    let mut client = TcpStream::connect(addr)?;
    let (server_side, _peer) = listener.accept()?;

    client.write_all(b"hello\n")?;
    let mut request = String::new();
    // At most 1024 bytes, however long the line (chapter 7 shows why and what else to check).
    BufReader::new(&server_side)
        .take(1024)
        .read_line(&mut request)?;
    (&server_side).write_all(request.to_uppercase().as_bytes())?;

    let mut answer = String::new();
    BufReader::new(&client).read_line(&mut answer)?;
    // close(): dropping the streams closes them.
    // ANCHOR_END: std
    println!("std: server got {request:?}, client got {answer:?}");
    assert_eq!(answer, "HELLO\n");
    Ok(())
}
