//! Clients queue up before accept(), with only the standard library:
//! `cargo run -p lesson-03-listen --example listen_std_way`.
//!
//! std's `TcpListener::bind` is socket + SO_REUSEADDR (Unix) + bind + listen in one call, with
//! a backlog you cannot choose (128). The queue works the same.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    // ANCHOR: std
    // socket() + bind() + listen(128): from here on the kernel completes connections.
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;

    // Three clients connect and send their name; nobody has called accept() yet.
    let mut clients = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let mut client = TcpStream::connect(addr)?;
        client.write_all(format!("{name}\n").as_bytes())?;
        clients.push(client);
    }

    // accept() takes them off the queue, oldest first.
    for number in 1..=clients.len() {
        let (conn, _peer) = listener.accept()?;
        let mut name = String::new();
        BufReader::new(&conn).read_line(&mut name)?;
        let answer = format!("hello {}, you are number {number}\n", name.trim_end());
        (&conn).write_all(answer.as_bytes())?;
    }
    // ANCHOR_END: std
    let mut answers = Vec::new();
    for client in &clients {
        let mut answer = String::new();
        BufReader::new(client).read_line(&mut answer)?;
        let number = answer
            .trim_end()
            .rsplit(", you are ")
            .next()
            .unwrap_or("")
            .to_string();
        answers.push(number);
    }
    println!(
        "std: {} clients connected before accept; answers: {}",
        clients.len(),
        answers.join(", ")
    );
    Ok(())
}
