//! A thread per connection with only the standard library:
//! `cargo run -p lesson-11-threads --example threads_std_way`.
//!
//! `thread::scope` joins every thread it started before it returns, so nothing is left
//! running, and the threads may borrow the shared tally instead of owning an `Arc` of it.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Mutex;
use std::thread;

fn main() -> std::io::Result<()> {
    // ANCHOR: std
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let lines = Mutex::new(0u64);
    thread::scope(|scope| -> std::io::Result<()> {
        // Three clients, each in its own thread, each sending one line.
        for name in ["alice", "bob", "carol"] {
            scope.spawn(move || -> std::io::Result<String> {
                let mut conn = TcpStream::connect(addr)?;
                conn.write_all(format!("hi from {name}\n").as_bytes())?;
                let mut answer = String::new();
                BufReader::new(conn).read_line(&mut answer)?;
                Ok(answer)
            });
        }
        // The server: a thread per connection, all sharing one counter.
        for _ in 0..3 {
            let (conn, _peer) = listener.accept()?;
            let lines = &lines;
            scope.spawn(move || -> std::io::Result<()> {
                let mut reader = BufReader::new(&conn);
                let mut line = String::new();
                reader.read_line(&mut line)?;
                *lines.lock().unwrap() += 1; // the lock is let go at the `;`
                (&conn).write_all(line.to_uppercase().as_bytes())
            });
        }
        Ok(())
    })?; // every thread has been joined here
         // ANCHOR_END: std
    println!("std: 3 connections, {} lines", lines.into_inner().unwrap());
    Ok(())
}
