//! The same with only the standard library: `cargo run -p lesson-06-send --example send_std_way`.
//!
//! std's `Write::write` on a `TcpStream` is one `send()`: it may take fewer bytes than offered.
//! `Write::write_all` is the loop (the exercise), like Python's `sendall`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    let (mut server, _peer) = listener.accept()?;
    let payload: Vec<u8> = (0..8 * 1024 * 1024).map(|i| (i % 251) as u8).collect();

    // ANCHOR: std
    // write() is one send(). Non-blocking, it takes what fits and returns at once.
    server.set_nonblocking(true)?;
    let first = server.write(&payload)?;
    server.set_nonblocking(false)?;

    // Someone must read, or the rest can never fit: a reader thread.
    let reader = thread::spawn(move || {
        let mut got = Vec::new();
        client.read_to_end(&mut got).map(|_| got)
    });
    // write_all() is the loop: it calls write() until every byte is taken.
    server.write_all(&payload[first..])?;
    // Text is bytes too: a &str is UTF-8, as_bytes() shows them.
    server.write_all("Grüße\n".as_bytes())?;
    drop(server); // close: the reader sees end of stream
    let got = reader.join().expect("the reader thread")?;
    // ANCHOR_END: std

    println!(
        "std: the first write took fewer bytes than offered: {}; the reader got all {} bytes: {}",
        first < payload.len(),
        payload.len() + "Grüße\n".len(),
        got.len() == payload.len() + 8 && got[..payload.len()] == payload[..]
    );
    Ok(())
}
