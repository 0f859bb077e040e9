//! The key–value protocol with only the standard library, no narration, and only the line
//! limit (no deadline, no size limits): `cargo run -p lesson-23-kv --example kv_std_way`.
//! The chapter folds it with the solution: it is a spoiler.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;

// ANCHOR: std
/// One connection: answer each line (at most 1024 bytes) until QUIT or end of stream.
fn serve(stream: TcpStream, store: &mut HashMap<Vec<u8>, Vec<u8>>) -> std::io::Result<()> {
    let mut writer = &stream;
    let mut reader = BufReader::new(&stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        (&mut reader).take(1024).read_until(b'\n', &mut line)?;
        if line.pop() != Some(b'\n') {
            return Ok(()); // end of stream, or a line too long / cut short: hang up
        }
        let mut words = line.splitn(3, |&b| b == b' ');
        let reply = match (words.next(), words.next(), words.next()) {
            (Some(b"QUIT"), None, None) => return writer.write_all(b"BYE\n"),
            (Some(b"SET"), Some(k), Some(v)) if !k.is_empty() && !v.is_empty() => {
                store.insert(k.to_vec(), v.to_vec());
                b"OK\n".to_vec()
            }
            (Some(b"GET"), Some(k), None) => match store.get(k) {
                Some(v) => [&b"VALUE "[..], v, b"\n"].concat(),
                None => b"NOTFOUND\n".to_vec(),
            },
            (Some(b"DEL"), Some(k), None) => match store.remove(k) {
                Some(_) => b"DELETED\n".to_vec(),
                None => b"NOTFOUND\n".to_vec(),
            },
            _ => b"ERR bad request\n".to_vec(),
        };
        writer.write_all(&reply)?;
    }
}

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = thread::spawn(move || {
        let mut store = HashMap::new();
        // One client after another; an error ends that client only.
        for stream in listener.incoming().take(1) {
            if let Err(e) = stream.and_then(|s| serve(s, &mut store)) {
                eprintln!("client dropped: {e}");
            }
        }
    });

    let mut client = TcpStream::connect(addr)?;
    client.write_all(b"SET a 1\nGET a\nGET b\n")?;
    client.shutdown(Shutdown::Write)?;
    let mut replies = Vec::new();
    client.read_to_end(&mut replies)?;
    // ANCHOR_END: std
    server.join().unwrap();
    println!("std: {:?}", String::from_utf8_lossy(&replies));
    assert_eq!(replies, b"OK\nVALUE 1\nNOTFOUND\n");
    Ok(())
}
