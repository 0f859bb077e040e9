//! An echo server with only the standard library, no narration:
//! `cargo run -p lesson-09-echo --example echo_std_way`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

// ANCHOR: std
/// One connection: echo each line (at most 8 KiB) until end of stream.
fn serve(stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut writer = &stream;
    let mut reader = BufReader::new(&stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut reader).take(8192).read_until(b'\n', &mut line)?;
        if n == 0 || !line.ends_with(b"\n") {
            return Ok(()); // end of stream, or a line too long / cut short: hang up
        }
        writer.write_all(&line)?;
    }
}

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = thread::spawn(move || {
        // One client after another; an error ends that client only.
        for stream in listener.incoming().take(1) {
            if let Err(e) = stream.and_then(serve) {
                eprintln!("client dropped: {e}");
            }
        }
    });

    let mut client = TcpStream::connect(addr)?;
    client.write_all(b"hello\nworld\n")?;
    client.shutdown(Shutdown::Write)?;
    let mut echoed = Vec::new();
    client.read_to_end(&mut echoed)?;
    // ANCHOR_END: std
    server.join().unwrap();
    println!("std: echoed {:?}", String::from_utf8_lossy(&echoed));
    assert_eq!(echoed, b"hello\nworld\n");
    Ok(())
}
