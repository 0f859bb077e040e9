// WRONG: upper-cases the line as text (`String::from_utf8_lossy(..).to_uppercase()`):
// non-ASCII letters change too (é becomes É) and a byte that is not UTF-8 becomes U+FFFD, so
// the client does not get its own bytes back with only the ASCII letters changed.

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
        tally.lock().unwrap().count(&line);
        conn.send_all(String::from_utf8_lossy(&line).to_uppercase().as_bytes())?;
    }
    conn.close();
    Ok(())
}
