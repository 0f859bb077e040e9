//! The accept loop with only the standard library:
//! `cargo run -p lesson-04-accept --example accept_std_way`.
//!
//! `TcpListener::accept` is the same call: it returns a new `TcpStream` for one connection and
//! the peer's address. (`listener.incoming()` is an endless iterator over `accept()`.)

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    // Three clients connect and greet before anyone is accepted: they wait in the queue.
    let mut clients = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let mut client = TcpStream::connect(addr)?;
        client.write_all(format!("hello from {name}\n").as_bytes())?;
        clients.push(client);
    }

    // ANCHOR: std
    for number in 1..=3 {
        // A new socket for this connection, and the peer's address.
        let (conn, peer) = listener.accept()?;
        // Never wait for a silent client for ever.
        conn.set_read_timeout(Some(Duration::from_secs(5)))?;
        let mut greeting = String::new();
        BufReader::new(&conn).read_line(&mut greeting)?;
        let local = conn.local_addr()?;
        println!("std: #{number} {local} <-> {peer} said {greeting:?}");
        (&conn).write_all(format!("you are client {number} at {peer}\n").as_bytes())?;
        // The connection closes here; the listener keeps listening.
    }
    // ANCHOR_END: std

    for client in clients {
        let mut answer = String::new();
        BufReader::new(&client).read_line(&mut answer)?;
        let me = client.local_addr()?;
        assert!(answer.ends_with(&format!(" at {me}\n")), "{answer:?}");
        print!("std: client at {me} got: {answer}");
    }
    Ok(())
}
