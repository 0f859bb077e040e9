// WRONG: starts the thread, then joins it at once "so that no thread is left behind": the
// accept loop waits for each client before accepting the next, and one silent client stops
// the whole server.

use std::io;
use std::sync::Mutex;
use std::thread::{self, JoinHandle};

use common::Result;

use crate::{Connection, Shared, Tally};

pub fn spawn_handler(
    builder: thread::Builder,
    conn: impl Connection + Send + 'static,
    tally: Shared,
) -> io::Result<JoinHandle<Result<()>>> {
    let thread = builder.spawn(move || handle(conn, &tally))?;
    // Wait for it here, then hand back a thread that only carries the result.
    let result = thread.join().unwrap_or(Ok(()));
    Ok(thread::spawn(move || result))
}

pub fn handle(mut conn: impl Connection, tally: &Mutex<Tally>) -> Result<()> {
    while let Some(line) = conn.recv_line()? {
        tally.lock().unwrap_or_else(|e| e.into_inner()).count(&line);
        conn.send_all(&line.to_ascii_uppercase())?;
    }
    conn.close();
    Ok(())
}
