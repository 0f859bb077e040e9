// CORRECT, written differently: an explicit block around the lock, a match instead of while-let,
// and the count taken in a helper.

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
    // The closure made first, and given to the builder by name.
    let serve = move || handle(conn, &*tally);
    builder.spawn(serve)
}

fn count(tally: &Mutex<Tally>, line: &[u8]) {
    let mut guard = match tally.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    guard.count(line);
    // The guard goes here, at the end of this function.
}

pub fn handle(mut conn: impl Connection, tally: &Mutex<Tally>) -> Result<()> {
    loop {
        match conn.recv_line()? {
            None => break,
            Some(line) => {
                count(tally, &line);
                let answer: Vec<u8> = line.iter().map(u8::to_ascii_uppercase).collect();
                conn.send_all(&answer)?;
            }
        }
    }
    conn.close();
    Ok(())
}
