//! The plainest bulk sender, for comparison (`cargo xtask bench` measures lesson 06's
//! `--bulk` against it): std only, one buffer, `write_all` in a loop. It speaks lesson 06's
//! protocol, so the lesson's client checks its bytes:
//!
//!     cargo run --release -p lesson-06-send --example bulk_write_all -- --size 1000000000
//!     cargo run --release -p lesson-06-send -- client --bulk --addr 127.0.0.1:PORT

use std::io::Write;
use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    // The lesson's own flags: [server] [--addr HOST:PORT] [--size BYTES].
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "server").collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let addr = flag("--addr").map_or("127.0.0.1:0", |a| a.as_str());
    let Ok(size) = flag("--size").map_or(Ok(1 << 30), |s| s.parse::<u64>()) else {
        eprintln!("usage: bulk_write_all [--addr HOST:PORT] [--size BYTES]");
        std::process::exit(2);
    };
    let listener = TcpListener::bind(addr)?;
    println!("listening on {}", listener.local_addr()?);
    let (mut conn, _peer) = listener.accept()?;
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
    Ok(())
}
