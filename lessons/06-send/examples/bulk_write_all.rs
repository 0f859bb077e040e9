//! The plainest bulk sender, for comparison (`cargo xtask bench` measures lesson 06's
//! `--bulk` against it): std only, one buffer, `write_all` in a loop. It speaks lesson 06's
//! protocol, so the lesson's client checks its bytes. Alone, it sends 256 MB to a reader
//! thread of its own that throws the bytes away; with `server`, it waits for a client:
//!
//!     cargo run --release -p lesson-06-send --example bulk_write_all -- --size 1000000000
//!     cargo run --release -p lesson-06-send -- client --bulk --addr 127.0.0.1:PORT

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

fn main() -> std::io::Result<()> {
    // The lesson's own flags: [server] [--addr HOST:PORT] [--size BYTES].
    let args: Vec<String> = std::env::args().skip(1).collect();
    let alone = !args.iter().any(|a| a == "server");
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let addr = flag("--addr").map_or("127.0.0.1:0", |a| a.as_str());
    let default = if alone { 256_000_000 } else { 1 << 30 };
    let Ok(size) = flag("--size").map_or(Ok(default), |s| s.parse::<u64>()) else {
        eprintln!("usage: bulk_write_all [--addr HOST:PORT] [--size BYTES]");
        std::process::exit(2);
    };
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    let reader = match alone {
        true => {
            let mut conn = TcpStream::connect(listener.local_addr()?)?;
            Some(std::thread::spawn(move || {
                std::io::copy(&mut conn, &mut std::io::sink())
            }))
        }
        false => None,
    };
    let (mut conn, _peer) = listener.accept()?;
    let started = Instant::now();
    conn.write_all(format!("Grüße! {size} bytes follow.\n").as_bytes())?;
    // ANCHOR: loop
    // 0, 1, … 250, 512 times: each copy continues the pattern where the last one stopped.
    let chunk: Vec<u8> = (0..251 * 512).map(|i| (i % 251) as u8).collect();
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        conn.write_all(&chunk[..n])?;
        left -= n as u64;
    }
    // ANCHOR_END: loop
    drop(conn);
    if let Some(reader) = reader {
        let got = reader.join().expect("the reader thread")?;
        let secs = started.elapsed().as_secs_f64();
        println!("write_all: {got} bytes arrived in {secs:.3} s");
    }
    Ok(())
}
