// WRONG: keeps the guard in a variable for the loop's body: it is dropped only at the end of
// the body, after send_all, which waits as long as the client does not read. Meanwhile no other
// thread can count a line.

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
    while let Some(line) = conn.recv_line()? {
        let mut counted = tally.lock().unwrap_or_else(|e| e.into_inner());
        counted.count(&line);
        conn.send_all(&line.to_ascii_uppercase())?;
    }
    conn.close();
    Ok(())
}
