//! An echo over a Unix socket with only the standard library, no narration:
//! `cargo run -p lesson-24-local --example local_std_way`.

#[cfg(unix)]
fn main() -> std::io::Result<()> {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::Shutdown;
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::thread;

    // ANCHOR: std
    let dir = std::env::temp_dir().join(format!("local-std-way.{}", std::process::id()));
    std::fs::create_dir(&dir)?;
    let path = dir.join("echo.sock");
    let _ = std::fs::remove_file(&path); // a file a crashed run left behind
    let listener = UnixListener::bind(&path)?;
    let server = thread::spawn(move || -> std::io::Result<()> {
        let (conn, _) = listener.accept()?;
        let mut writer = &conn;
        let mut reader = BufReader::new(&conn);
        let mut line = Vec::new();
        loop {
            line.clear();
            // At most 8 KiB a line; end of stream, or a line too long or cut short: hang up.
            (&mut reader).take(8192).read_until(b'\n', &mut line)?;
            if !line.ends_with(b"\n") {
                return Ok(());
            }
            writer.write_all(&line)?;
        }
    });

    let mut client = UnixStream::connect(&path)?;
    client.write_all(b"hello\nworld\n")?;
    client.shutdown(Shutdown::Write)?;
    let mut echoed = Vec::new();
    client.read_to_end(&mut echoed)?;
    server.join().unwrap()?;
    std::fs::remove_file(&path)?; // the file stays after close(): remove it
                                  // ANCHOR_END: std
    std::fs::remove_dir(&dir)?;
    println!("std: echoed {:?}", String::from_utf8_lossy(&echoed));
    assert_eq!(echoed, b"hello\nworld\n");
    Ok(())
}

#[cfg(not(unix))]
fn main() {
    println!("Unix domain sockets: std::os::unix::net exists on Unix only.");
}
