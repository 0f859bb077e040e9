//! One HTTP exchange with only the standard library:
//! `cargo run -p lesson-14-http --example http_std_way`.
//!
//! The same bytes as the lesson, with the conveniences std offers: `BufReader::read_line`
//! to read the head line by line, `write_all` to send everything, `read_to_end` for a
//! response that ends when the connection does.

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

fn main() -> io::Result<()> {
    // ANCHOR: std
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    client.write_all(b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")?;

    // The server: read head lines until the empty one, 8 KiB at most for the whole head
    // (`take`), each read waiting 5 s at most (a deadline for the whole head is the lesson's
    // read_request: std has no such thing ready-made).
    let (conn, _peer) = listener.accept()?;
    conn.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut head = BufReader::new(&conn).take(8 * 1024);
    let mut request_line = String::new();
    head.read_line(&mut request_line)?;
    loop {
        let mut line = String::new();
        // `read_line` returns 0 at end of stream (or at the 8 KiB limit): an error, not a
        // head, and no reason to loop forever either.
        if head.read_line(&mut line)? == 0 || !line.ends_with('\n') {
            return Err(io::Error::new(ErrorKind::InvalidData, "no whole head"));
        }
        if line == "\r\n" {
            break; // The empty line: the head, and this GET, end here (no Content-Length).
        }
    }
    let body = "héllo\n";
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len() // bytes, not characters
    );
    (&conn).write_all(response.as_bytes())?;
    drop(head);
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
