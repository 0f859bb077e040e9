//! A tiny session with tokio: `cargo run -p lesson-15-session --example session_tokio_way`.
//!
//! One task per connection instead of one thread; the session is a local variable of the
//! task, so it too lives exactly as long as the connection.

use std::io::{self, ErrorKind};
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One line without its CRLF, at most 512 bytes (`take`; `lines()` has no limit), within 30 s
/// (a deadline for the whole line): `None` when the peer has closed.
async fn next_line(reader: &mut (impl AsyncBufRead + Unpin)) -> io::Result<Option<String>> {
    let mut line = String::new();
    let mut limited = reader.take(512);
    let read = tokio::time::timeout(Duration::from_secs(30), limited.read_line(&mut line));
    let n = read
        .await
        .map_err(|_| io::Error::new(ErrorKind::TimedOut, "no whole line within 30 s"))??;
    match n {
        0 => Ok(None),
        _ if !line.ends_with('\n') => Err(io::Error::new(
            ErrorKind::InvalidData,
            "a line over 512 bytes, or cut off by the peer's close",
        )),
        _ => Ok(Some(line.trim_end_matches(['\r', '\n']).to_string())),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> io::Result<()> {
    // ANCHOR: tokio
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (conn, _peer) = listener.accept().await?;
        let (read, mut write) = conn.into_split();
        let mut lines = BufReader::new(read);
        let mut user: Option<String> = None;
        let mut logged_in = false;
        while let Some(line) = next_line(&mut lines).await? {
            let reply = match line.split_once(' ') {
                Some(("USER", name)) => {
                    user = Some(name.to_string());
                    "331 password required".to_string()
                }
                Some(("PASS", "secret")) if user.is_some() => {
                    logged_in = true;
                    "230 logged in".to_string()
                }
                Some(("GET", key)) if logged_in => format!("213 value of {key}"),
                Some(("GET", _)) => "530 not logged in".to_string(),
                _ if line == "QUIT" => "221 bye".to_string(),
                _ => "500 unknown command".to_string(),
            };
            write.write_all(format!("{reply}\r\n").as_bytes()).await?;
            if reply.starts_with("221") {
                break;
            }
        }
        Ok::<(), io::Error>(())
    });

    let conn = TcpStream::connect(addr).await?;
    let (read, mut write) = conn.into_split();
    let mut replies = BufReader::new(read);
    let mut answers = Vec::new();
    for line in ["GET a", "USER alice", "PASS secret", "GET a", "QUIT"] {
        write.write_all(format!("{line}\r\n").as_bytes()).await?;
        // A server that closes instead of answering is an error, not an empty reply.
        let reply = next_line(&mut replies).await?;
        answers.push(reply.ok_or(io::Error::new(ErrorKind::UnexpectedEof, "no reply"))?);
    }
    server.await.expect("the server task")?;
    // ANCHOR_END: tokio
    println!("tokio: {}", answers.join(" | "));
    Ok(())
}
