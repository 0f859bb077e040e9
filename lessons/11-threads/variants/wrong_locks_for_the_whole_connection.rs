// WRONG: takes the tally's lock once, before the loop, "to save locking for every line": the
// guard lives until handle returns, across every recv and send, so every other connection's
// thread waits for this client to finish.

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
    builder.spawn(move || handle(conn, &tally))
}

pub fn handle(mut conn: impl Connection, tally: &Mutex<Tally>) -> Result<()> {
    let mut tally = tally.lock().unwrap_or_else(|e| e.into_inner());
    while let Some(line) = conn.recv_line()? {
        tally.count(&line);
        conn.send_all(&line.to_ascii_uppercase())?;
    }
    conn.close();
    Ok(())
}
