//! The same server with tokio: `cargo run -p lesson-12-nonblocking --example nonblocking_tokio_way`.
//!
//! tokio runs this lesson's loop for you: its sockets are non-blocking, registered with mio,
//! and each `.await` that would block parks the task until mio reports the socket ready.
//! The code reads like a thread per connection, but everything runs on ONE thread here.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep, timeout};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    // ANCHOR: tokio
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let conn = match listener.accept().await {
                Ok((conn, _peer)) => conn,
                // Out of descriptors, say: not a reason to stop. tokio keeps the listener
                // "ready" until accept() says WouldBlock, so pause or this loop spins.
                Err(e) => {
                    eprintln!("accept: {e}");
                    sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            // A task per connection: waiting for this client parks only this task.
            tokio::spawn(async move {
                let (reader, mut writer) = conn.into_split();
                let mut reader = BufReader::new(reader);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    // A whole line, in time, of at most 1024 bytes (`take`: never more).
                    let mut limited = (&mut reader).take(1024);
                    let read = limited.read_until(b'\n', &mut line);
                    match timeout(Duration::from_secs(10), read).await {
                        Ok(Ok(0)) => return,                     // end of stream
                        Ok(Ok(_)) if line.ends_with(b"\n") => {} // a whole line
                        Ok(Ok(_)) => return eprintln!("line too long, or cut off"),
                        Ok(Err(e)) => return eprintln!("recv: {e}"),
                        Err(_) => return eprintln!("no whole line in 10 s"),
                    }
                    let answer = line.to_ascii_uppercase();
                    // Every write in time too: a client that never reads cannot hold us.
                    let write = timeout(Duration::from_secs(10), writer.write_all(&answer));
                    if !matches!(write.await, Ok(Ok(()))) {
                        return eprintln!("send failed or timed out");
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
