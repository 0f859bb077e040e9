//! A plausible wrong answer to lesson 11's exercise, kept to prove the tests catch it.
//!
//! It starts the thread, then joins it at once "so that no thread is left behind", as the
//! notes forgot to. The accept loop therefore waits for each client before accepting the next:
//! one silent client stops the whole server.

use std::io;
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use common::Result;

use crate::{close, conn_narrator, send_all, Lines, Tally};

pub fn spawn_handler(
    conn: TcpStream,
    number: usize,
    tally: Arc<Mutex<Tally>>,
) -> io::Result<JoinHandle<Result<()>>> {
    let thread = thread::Builder::new().spawn(move || handle(conn, number, &tally))?;
    // Wait for it here, then hand back a thread that only carries the result.
    let result = thread.join().unwrap_or(Ok(()));
    Ok(thread::spawn(move || result))
}

pub fn handle(conn: TcpStream, number: usize, tally: &Mutex<Tally>) -> Result<()> {
    let say = conn_narrator(number);
    let mut lines = Lines::new(&conn);
    while let Some(line) = lines.next(&say)? {
        tally.lock().unwrap_or_else(|e| e.into_inner()).count(&line);
        send_all(&conn, &line.to_ascii_uppercase(), &say)?;
    }
    close(conn, "connection", &say);
    Ok(())
}
