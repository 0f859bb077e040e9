//! A tiny session with tokio: `cargo run -p lesson-15-session --example session_tokio_way`.
//!
//! One task per connection instead of one thread; the session is a local variable of the
//! task, so it too lives exactly as long as the connection.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // ANCHOR: tokio
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (conn, _peer) = listener.accept().await?;
        let (read, mut write) = conn.into_split();
        let mut lines = BufReader::new(read).lines();
        let mut user: Option<String> = None;
        let mut logged_in = false;
        while let Some(line) = lines.next_line().await? {
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
        Ok::<(), std::io::Error>(())
    });

    let conn = TcpStream::connect(addr).await?;
    let (read, mut write) = conn.into_split();
    let mut replies = BufReader::new(read).lines();
    let mut answers = Vec::new();
    for line in ["GET a", "USER alice", "PASS secret", "GET a", "QUIT"] {
        write.write_all(format!("{line}\r\n").as_bytes()).await?;
        answers.push(replies.next_line().await?.unwrap_or_default());
    }
    server.await.expect("the server task")?;
    // ANCHOR_END: tokio
    println!("tokio: {}", answers.join(" | "));
    Ok(())
}
