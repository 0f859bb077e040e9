// Reference solution for lesson 11's exercise. (Yours goes in exercise.rs.)

use std::io;
use std::sync::Mutex;
use std::thread::{self, JoinHandle};

use common::Result;

use crate::{Connection, Shared, Tally};

// ANCHOR: solution
/// Serve `conn` in a thread of its own, made by `builder`; return that thread's handle at once.
pub fn spawn_handler(
    builder: thread::Builder,
    conn: impl Connection + Send + 'static,
    tally: Shared,
) -> io::Result<JoinHandle<Result<()>>> {
    // `move`: the thread owns the connection and its own handle to the tally, because it may
    // run longer than this function. Builder::spawn reports failure (too many threads) as an
    // error; thread::spawn would panic.
    builder.spawn(move || handle(conn, &tally))
}

/// Serve one connection: answer each line in upper case and count it, until the client closes.
pub fn handle(mut conn: impl Connection, tally: &Mutex<Tally>) -> Result<()> {
    while let Some(line) = conn.recv_line()? {
        // Lock, count, unlock, in one statement: the guard is dropped at the `;`. Never keep
        // the lock across recv or send, which wait for as long as the client likes.
        tally.lock().unwrap_or_else(|e| e.into_inner()).count(&line);
        conn.send_all(&line.to_ascii_uppercase())?;
    }
    conn.close();
    Ok(())
}
// ANCHOR_END: solution
