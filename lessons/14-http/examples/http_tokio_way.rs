//! One HTTP exchange with tokio: `cargo run -p lesson-14-http --example http_tokio_way`.
//!
//! The same shape as std, with `.await` at every point where the task may wait. A real
//! server would `tokio::spawn` one task per connection instead of one thread.

use std::io::{self, ErrorKind};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> io::Result<()> {
    // ANCHOR: tokio
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let mut client = TcpStream::connect(listener.local_addr()?).await?;
    client
        .write_all(b"GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await?;

    let (conn, _peer) = listener.accept().await?;
    let mut conn = BufReader::new(conn);
    // The whole head: 8 KiB at most (`take`), 5 s at most (`timeout`, a deadline for all of
    // it, not for each read).
    let mut request_line = String::new();
    let read_head = async {
        let mut head = (&mut conn).take(8 * 1024);
        head.read_line(&mut request_line).await?;
        loop {
            let mut line = String::new();
            // 0 bytes: end of stream, or the 8 KiB limit: no whole head.
            if head.read_line(&mut line).await? == 0 || !line.ends_with('\n') {
                return Err(io::Error::new(ErrorKind::InvalidData, "no whole head"));
            }
            if line == "\r\n" {
                return Ok(()); // The empty line: this GET ends here (no Content-Length).
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), read_head)
        .await
        .map_err(|_| io::Error::new(ErrorKind::TimedOut, "no whole head within 5 s"))??;
    let body = "héllo\n";
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(response.as_bytes()).await?;
    drop(conn);

    let mut answer = Vec::new();
    client.read_to_end(&mut answer).await?;
    // ANCHOR_END: tokio
    let answer = String::from_utf8_lossy(&answer);
    println!(
        "tokio: request line {:?}, response ends with {:?}",
        request_line.trim_end(),
        &answer[answer.find("\r\n\r\n").unwrap_or(0)..]
    );
    Ok(())
}
