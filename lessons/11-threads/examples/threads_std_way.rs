//! A thread per connection with only the standard library:
//! `cargo run -p lesson-11-threads --example threads_std_way`.
//!
//! `thread::scope` joins every thread it started before it returns, so nothing is left
//! running, and the threads may borrow the shared tally instead of owning an `Arc` of it.

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

/// The longest line we accept, newline included.
const MAX_LINE: u64 = 1024;

/// One line, never longer than MAX_LINE: `take` stops `read_line` there, so a client without
/// a newline cannot make us grow a String forever. (`lines()` has no such limit.)
fn read_line_limited(reader: &mut impl BufRead) -> io::Result<String> {
    let mut line = String::new();
    reader.take(MAX_LINE).read_line(&mut line)?;
    if !line.ends_with('\n') {
        let why = match line.len() as u64 {
            0 => "the peer closed before a line",
            MAX_LINE => "a line longer than 1024 bytes",
            _ => "the peer closed in the middle of a line",
        };
        return Err(io::Error::new(ErrorKind::InvalidData, why));
    }
    Ok(line)
}

fn main() -> io::Result<()> {
    // ANCHOR: std
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let lines = Mutex::new(0u64);
    thread::scope(|scope| -> io::Result<()> {
        // Three clients, each in its own thread, each sending one line.
        let mut clients = Vec::new();
        for name in ["alice", "bob", "carol"] {
            clients.push(scope.spawn(move || -> io::Result<String> {
                let mut conn = TcpStream::connect(addr)?;
                conn.set_read_timeout(Some(Duration::from_secs(5)))?;
                conn.write_all(format!("hi from {name}\n").as_bytes())?;
                read_line_limited(&mut BufReader::new(conn))
            }));
        }
        // The server: a thread per connection, all sharing one counter.
        let mut servers = Vec::new();
        for _ in 0..3 {
            let (conn, _peer) = listener.accept()?;
            // A silent client would hold its thread for ever without this.
            conn.set_read_timeout(Some(Duration::from_secs(5)))?;
            let lines = &lines;
            // Builder::spawn_scoped returns an error where scope.spawn would panic.
            let server =
                thread::Builder::new().spawn_scoped(scope, move || -> io::Result<()> {
                    let line = read_line_limited(&mut BufReader::new(&conn))?;
                    *lines.lock().unwrap() += 1; // the lock is let go at the `;`
                    (&conn).write_all(line.to_uppercase().as_bytes())
                })?;
            servers.push(server);
        }
        // Every thread's error is reported, not dropped with its handle.
        for server in servers {
            server.join().expect("a server thread panicked")?;
        }
        for client in clients {
            client.join().expect("a client thread panicked")?;
        }
        Ok(())
    })?; // every thread has been joined here
         // ANCHOR_END: std
    println!("std: 3 connections, {} lines", lines.into_inner().unwrap());
    Ok(())
}
