//! The same with only the standard library: `cargo run -p lesson-07-recv --example recv_std_way`.
//!
//! `Read::read` on a `TcpStream` is one `recv()`. std has the loops built in: `BufReader`
//! keeps the bytes one recv() returned past a newline for the next line, and `read_exact`
//! calls recv() until a buffer of known size is full.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    let (server, _peer) = listener.accept()?;
    // Awkward pieces: a line in two, a line split inside `ü`, two lines at once; then a
    // length-prefixed message, then end of stream.
    client.write_all(b"hel")?;
    client.write_all("lo\nGr\u{fc}".as_bytes())?;
    client.write_all("\u{df}e\ntwo\n".as_bytes())?;
    client.write_all(&[0, 0, 0, 5])?;
    client.write_all(b"hello")?;
    client.shutdown(Shutdown::Write)?;

    // ANCHOR: std
    // BufReader: one recv() of up to 8 KiB; what lies past the newline waits for the next line.
    let mut reader = BufReader::new(server);
    let mut lines = Vec::new();
    for _ in 0..3 {
        let mut line = String::new();
        // take(1024): never collect more than 1024 bytes while waiting for a newline.
        // read_line also checks that the bytes are UTF-8 (an InvalidData error if not).
        (&mut reader).take(1024).read_line(&mut line)?;
        // take() stops read_line quietly, and so does the end of the stream: a line without
        // its newline was cut off. Say so, or its rest would pass for the next line.
        if !line.ends_with('\n') {
            return Err(invalid(format!("no newline in {} bytes", line.len())));
        }
        lines.push(line.trim_end().to_string());
    }
    // read_exact: recv() until the buffer is full (UnexpectedEof if the stream ends first).
    let mut header = [0u8; 4];
    reader.read_exact(&mut header)?;
    let len = u32::from_be_bytes(header) as usize;
    // Check the length before allocating it.
    if len > 1024 {
        return Err(invalid(format!("{len} bytes announced, the limit is 1024")));
    }
    let mut message = vec![0u8; len];
    reader.read_exact(&mut message)?;
    // 0 bytes: end of stream.
    let end = reader.read(&mut [0u8; 16])?;
    // ANCHOR_END: std

    assert_eq!(end, 0);
    println!(
        "std: lines {lines:?}, message b{:?}",
        String::from_utf8_lossy(&message)
    );
    Ok(())
}

fn invalid(reason: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, reason)
}
