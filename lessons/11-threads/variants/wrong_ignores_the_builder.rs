// WRONG: makes its own thread with thread::Builder::new() and drops the builder it was given:
// the server's thread loses its name (`ps -T` and a debugger show no conn7), and whatever else
// the server set on the builder.

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
    let _ = builder;
    thread::Builder::new().spawn(move || handle(conn, &tally))
}

pub fn handle(mut conn: impl Connection, tally: &Mutex<Tally>) -> Result<()> {
    while let Some(line) = conn.recv_line()? {
        tally.lock().unwrap_or_else(|e| e.into_inner()).count(&line);
        conn.send_all(&line.to_ascii_uppercase())?;
    }
    conn.close();
    Ok(())
}
