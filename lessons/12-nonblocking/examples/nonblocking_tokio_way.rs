//! The same server with tokio: `cargo run -p lesson-12-nonblocking --example nonblocking_tokio_way`.
//!
//! tokio runs this lesson's loop for you: its sockets are non-blocking, registered with mio,
//! and each `.await` that would block parks the task until mio reports the socket ready.
//! The code reads like a thread per connection, but everything runs on ONE thread here.

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // ANCHOR: tokio
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((conn, _peer)) = listener.accept().await else {
                return;
            };
            // A task per connection: waiting for this client parks only this task.
            tokio::spawn(async move {
                let (reader, mut writer) = conn.into_split();
                let mut lines = BufReader::new(reader).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let answer = format!("{}\n", line.to_uppercase());
                    if writer.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });

    let mut alice = TcpStream::connect(addr).await?;
    let mut bob = TcpStream::connect(addr).await?;
    alice.write_all(b"hel").await?; // half a line...
    bob.write_all(b"world\n").await?; // ...does not hold bob up
    let mut answer = [0u8; 6];
    bob.read_exact(&mut answer).await?;
    let bob_got = String::from_utf8_lossy(&answer).into_owned();
    alice.write_all(b"lo\n").await?;
    alice.read_exact(&mut answer).await?;
    let alice_got = String::from_utf8_lossy(&answer).into_owned();
    // ANCHOR_END: tokio
    println!("tokio: bob got {bob_got:?} first, then alice got {alice_got:?}");
    Ok(())
}
