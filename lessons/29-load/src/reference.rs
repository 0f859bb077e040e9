//! The reference server: the least a server can do, to measure the lessons' servers against.
//! One thread, tokio, one task per connection, no narration after it is ready (but for a
//! failed accept()): each line comes back as it is. With `--http`, each connection gets one
//! fixed HTTP response to its request head, and is closed (the reference for lesson 14).
//! Every read and write has a deadline (`--deadline`), so a rude client cannot hold a task.

use std::net::SocketAddr;
use std::time::Duration;

use common::Narrator;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::time::timeout;

/// The longest line (or request head) the reference reads before it closes the connection.
const LIMIT: usize = 8192;

// ANCHOR: reference
/// Accept connections for ever, a task each. `deadline` bounds each line and each answer.
pub async fn serve(listener: TcpListener, http: bool, deadline: Duration, say: Narrator) {
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            // Not fatal (EMFILE: descriptors exhausted): say so, wait a little, try again.
            Err(e) => {
                let _ = say.failed("accept()", e);
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = if http {
                answer_http(stream, deadline).await
            } else {
                echo_lines(stream, deadline).await
            };
        });
    }
}

/// Each line back as it is, until the client closes, sends a line too long, or takes longer
/// than `deadline` to send a line or to take its answer.
async fn echo_lines(stream: TcpStream, deadline: Duration) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let mut line = Vec::with_capacity(64);
    loop {
        line.clear();
        let mut limited = (&mut reader).take(LIMIT as u64);
        let n = timeout(deadline, limited.read_until(b'\n', &mut line)).await??;
        if n == 0 || !line.ends_with(b"\n") {
            return Ok(());
        }
        timeout(deadline, writer.write_all(&line)).await??;
    }
}
// ANCHOR_END: reference

/// Read the request head (to its blank line), answer, close: all within `deadline`.
async fn answer_http(stream: TcpStream, deadline: Duration) -> std::io::Result<()> {
    timeout(deadline, http_exchange(stream)).await?
}

async fn http_exchange(stream: TcpStream) -> std::io::Result<()> {
    let mut stream = BufReader::new(stream);
    let mut line = Vec::new();
    let mut head = 0;
    loop {
        line.clear();
        let n = (&mut stream)
            .take(LIMIT as u64)
            .read_until(b'\n', &mut line)
            .await?;
        head += n;
        if n == 0 || head > LIMIT {
            return Ok(());
        }
        if line == b"\r\n" || line == b"\n" {
            break;
        }
    }
    let body = "hello\n";
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.get_mut().write_all(response.as_bytes()).await?;
    stream.get_mut().shutdown().await
}

/// Bind, for the narrated part of a run: the caller narrates. The accept queue asks for 4096
/// (cut to `net.core.somaxconn`), as the lessons' servers do: `TcpListener::bind` asks for 128,
/// and a reference that drops SYNs in a storm would skew every ratio measured against it.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // What TcpListener::bind does too (on Unix): a restart need not wait for TIME_WAIT.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}
