//! One HTTP exchange with only the standard library:
//! `cargo run -p lesson-14-http --example http_std_way`.
//!
//! The same bytes as the lesson, with the conveniences std offers: `BufReader::read_line`
//! to read the head line by line, `write_all` to send everything, `read_to_end` for a
//! response that ends when the connection does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    // ANCHOR: std
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    client.write_all(b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")?;

    // The server: read head lines until the empty one.
    let (conn, _peer) = listener.accept()?;
    let mut reader = BufReader::new(&conn);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut line = String::new();
        // `read_line` returns 0 at end of stream: stop there too, or we would loop forever.
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
    }
    let body = "héllo\n";
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len() // bytes, not characters
    );
    (&conn).write_all(response.as_bytes())?;
    drop(reader);
    drop(conn); // close: the client's read_to_end ends here

    let mut answer = Vec::new();
    client.read_to_end(&mut answer)?;
    // ANCHOR_END: std
    let answer = String::from_utf8_lossy(&answer);
    println!(
        "std: request line {:?}, response ends with {:?}",
        request_line.trim_end(),
        &answer[answer.find("\r\n\r\n").unwrap_or(0)..]
    );
    Ok(())
}
