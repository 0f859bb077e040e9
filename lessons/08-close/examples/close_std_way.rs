//! The same half-close with only the standard library: `cargo run -p lesson-08-close --example close_std_way`.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    // ANCHOR: std
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    let (mut server_side, _peer) = listener.accept()?;

    // The client: the request, then FIN. It can still read.
    client.write_all(b"one\ntwo\nthree\n")?;
    client.shutdown(Shutdown::Write)?;

    // The server: read_to_end stops at the client's FIN; answer; close (drop).
    let mut request = Vec::new();
    server_side.read_to_end(&mut request)?;
    server_side.write_all(b"three\ntwo\none\n")?;
    drop(server_side);

    // The client reads the answer to the server's FIN; the answer outlived the server's socket.
    let mut answer = Vec::new();
    client.read_to_end(&mut answer)?;
    // ANCHOR_END: std
    println!(
        "std: server got {:?}, client got {:?}",
        String::from_utf8_lossy(&request),
        String::from_utf8_lossy(&answer)
    );
    assert_eq!(answer, b"three\ntwo\none\n");
    Ok(())
}
