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
        let mut lines = BufReader::new(reader).take(8192).lines();
        while let Some(line) = lines.next_line().await? {
            writer.write_all(format!("{line}\n").as_bytes()).await?;
        }
        std::io::Result::Ok(())
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
