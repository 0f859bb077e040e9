//! The same echo with tokio's Unix sockets: `cargo run -p lesson-24-local --example local_tokio_way`.

#[cfg(unix)]
#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use tokio::net::{UnixListener, UnixStream};

    // ANCHOR: tokio
    let dir = std::env::temp_dir().join(format!("local-tokio-way.{}", std::process::id()));
    std::fs::create_dir(&dir)?;
    let path = dir.join("echo.sock");
    let listener = UnixListener::bind(&path)?;
    let server = tokio::spawn(async move {
        let (conn, _) = listener.accept().await?;
        let (reader, mut writer) = conn.into_split();
        let mut reader = BufReader::new(reader);
        let mut line = Vec::new();
        loop {
            line.clear();
            // At most 8 KiB a line; end of stream, or a line too long or cut short: hang up.
            (&mut reader)
                .take(8192)
                .read_until(b'\n', &mut line)
                .await?;
            if !line.ends_with(b"\n") {
                return std::io::Result::Ok(());
            }
            writer.write_all(&line).await?;
        }
    });

    let mut client = UnixStream::connect(&path).await?;
    client.write_all(b"hello\nworld\n").await?;
    client.shutdown().await?;
    let mut echoed = Vec::new();
    client.read_to_end(&mut echoed).await?;
    server.await.unwrap()?;
    std::fs::remove_file(&path)?;
    // ANCHOR_END: tokio
    std::fs::remove_dir(&dir)?;
    println!("tokio: echoed {:?}", String::from_utf8_lossy(&echoed));
    assert_eq!(echoed, b"hello\nworld\n");
    Ok(())
}

#[cfg(not(unix))]
fn main() {
    println!("Unix domain sockets: tokio::net::UnixStream exists on Unix only.");
}
