//! TCP_NODELAY and keepalive with std and socket2, without narration:
//! `cargo run -p lesson-21-options --example options_std_way`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use socket2::{SockRef, TcpKeepalive};

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    // An echo server for one client, in a thread.
    let server = std::thread::spawn(move || -> std::io::Result<()> {
        let (conn, _) = listener.accept()?;
        let mut reader = BufReader::new(&conn);
        let mut line = Vec::new();
        while reader.read_until(b'\n', &mut line)? > 0 {
            (&conn).write_all(&line)?;
            line.clear();
        }
        Ok(())
    });

    // ANCHOR: std
    let conn = TcpStream::connect(addr)?;
    conn.set_nodelay(true)?; // TCP_NODELAY: std has it
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10));
    SockRef::from(&conn).set_tcp_keepalive(&keepalive)?; // the rest: socket2
                                                         // ANCHOR_END: std
    let mut reader = BufReader::new(&conn);
    let mut slowest = Duration::ZERO;
    for _ in 0..4 {
        let began = Instant::now();
        (&conn).write_all(b"ping")?;
        (&conn).write_all(b" \n")?;
        let mut echo = Vec::new();
        reader.read_until(b'\n', &mut echo)?;
        slowest = slowest.max(began.elapsed());
    }
    drop(reader);
    drop(conn);
    server.join().expect("the server thread")?;
    let stalled = slowest >= Duration::from_millis(30);
    println!("std: 4 rounds with TCP_NODELAY, stalled: {stalled}");
    Ok(())
}
