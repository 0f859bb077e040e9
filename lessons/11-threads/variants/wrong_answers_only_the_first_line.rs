// WRONG: answers one line and closes, as if a connection were one request: a client that sends
// a second line is never answered.

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
    if let Some(line) = conn.recv_line()? {
        tally.lock().unwrap_or_else(|e| e.into_inner()).count(&line);
        conn.send_all(&line.to_ascii_uppercase())?;
    }
    conn.close();
    Ok(())
}
