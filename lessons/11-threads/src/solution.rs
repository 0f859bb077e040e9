//! Reference solution for lesson 11's exercise. (Yours goes in exercise.rs.)

use std::io;
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use common::Result;

use crate::{close, conn_narrator, send_all, Lines, Tally};

// ANCHOR: solution
/// Start a thread that serves this one connection; return its handle, so that the server can
/// join it later (and learn how it ended).
pub fn spawn_handler(
    conn: TcpStream,
    number: usize,
    tally: Arc<Mutex<Tally>>,
) -> io::Result<JoinHandle<Result<()>>> {
    // `move`: the thread owns the connection and its own handle to the tally, because it may
    // run longer than this function. Builder::spawn reports failure (too many threads) as an
    // error; thread::spawn would panic.
    thread::Builder::new()
        .name(format!("conn{number}"))
        .spawn(move || handle(conn, number, &tally))
}

/// Serve one connection: answer each line in upper case and count it, until the client closes.
pub fn handle(conn: TcpStream, number: usize, tally: &Mutex<Tally>) -> Result<()> {
    let say = conn_narrator(number);
    let mut lines = Lines::new(&conn);
    while let Some(line) = lines.next(&say)? {
        // Lock, count, unlock, in one statement: the guard is dropped at the `;`. Never keep
        // the lock across recv or send, which wait for as long as the client likes.
        tally.lock().unwrap_or_else(|e| e.into_inner()).count(&line);
        send_all(&conn, &line.to_ascii_uppercase(), &say)?;
    }
    close(conn, "connection", &say);
    Ok(())
}
// ANCHOR_END: solution
