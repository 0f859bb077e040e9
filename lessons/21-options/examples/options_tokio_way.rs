//! TCP_NODELAY and keepalive with tokio: `cargo run -p lesson-21-options --example options_tokio_way`.
//! tokio's TcpStream has `set_nodelay`; for keepalive, socket2's `SockRef` works on it too.

use std::time::{Duration, Instant};

use socket2::{SockRef, TcpKeepalive};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (conn, _) = listener.accept().await?;
        let (read, mut write) = conn.into_split();
        let mut reader = BufReader::new(read);
        let mut line = Vec::new();
        while reader.read_until(b'\n', &mut line).await? > 0 {
            write.write_all(&line).await?;
            line.clear();
        }
        Ok::<_, std::io::Error>(())
    });

    // ANCHOR: tokio
    let conn = TcpStream::connect(addr).await?;
    conn.set_nodelay(true)?;
    let keepalive = TcpKeepalive::new().with_time(Duration::from_secs(60));
    SockRef::from(&conn).set_tcp_keepalive(&keepalive)?;
    // ANCHOR_END: tokio
    let (read, mut write) = conn.into_split();
    let mut reader = BufReader::new(read);
    let mut slowest = Duration::ZERO;
    for _ in 0..4 {
        let began = Instant::now();
        write.write_all(b"ping").await?;
        write.write_all(b" \n").await?;
        let mut echo = Vec::new();
        reader.read_until(b'\n', &mut echo).await?;
        slowest = slowest.max(began.elapsed());
    }
    drop(write);
    server.await??;
    let stalled = slowest >= Duration::from_millis(30);
    println!("tokio: 4 rounds with TCP_NODELAY, stalled: {stalled}");
    Ok(())
}
