// WRONG: answers first and counts afterwards: a client that has its answer can ask for the
// tally (or another thread can read it) and not find its own line in it yet.

use crate::{Connection, Shared, Tally};
use common::Result;
use std::io;
use std::sync::Mutex;
use std::thread::{self, JoinHandle};
pub fn spawn_handler(
    builder: thread::Builder,
    conn: impl Connection + Send + 'static,
    tally: Shared,
) -> io::Result<JoinHandle<Result<()>>> {
    builder.spawn(move || handle(conn, &tally))
}
pub fn handle(conn: impl Connection, tally: &Mutex<Tally>) -> Result<()> {
    let mut conn = conn;
    while let Some(line) = conn.recv_line()? {
        conn.send_all(&line.to_ascii_uppercase())?;
        tally.lock().unwrap().count(&line);
    }
    conn.close();
    Ok(())
}
