//! Lesson 11 exercise: serve each connection in a thread of its own.
//!
//! Check your work with:   cargo exercise lesson-11-threads
//! Run your version with:  cargo run -p lesson-11-threads --features exercise

use std::io;
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
#[allow(unused_imports)] // You will need these.
use std::thread::{self, JoinHandle};

use common::Result;

#[allow(unused_imports)] // And these: see main.rs.
use crate::{close, conn_narrator, send_all, Lines, Tally};

// ANCHOR: exercise
/// Start a thread that serves this one connection; return its handle, so that the server can
/// join it later (and learn how it ended).
///
/// TODO: spawn a thread (`thread::Builder::new().spawn(...)` returns an `io::Result`, which
/// is what this function returns) that runs `handle(conn, number, &tally)`. The closure must
/// own what it uses: `move`.
pub fn spawn_handler(
    conn: TcpStream,
    number: usize,
    tally: Arc<Mutex<Tally>>,
) -> io::Result<JoinHandle<Result<()>>> {
    let _ = (conn, number, tally);
    todo!("spawn the connection's thread")
}

/// Serve one connection: answer each line in upper case and count it, until the client closes.
///
/// TODO: with `conn_narrator(number)` as `say` and `Lines::new(&conn)`:
///   - loop over `lines.next(&say)?` until it gives `None` (the client has closed);
///   - count each line: `tally.lock()` (unwrap it), then `.count(&line)`, in one statement,
///     so that the lock is let go before you send;
///   - answer with `send_all(&conn, &line.to_ascii_uppercase(), &say)?`;
///   - at the end, `close(conn, "connection", &say)` and return `Ok(())`.
pub fn handle(conn: TcpStream, number: usize, tally: &Mutex<Tally>) -> Result<()> {
    let _ = (conn, number, tally);
    todo!("answer the connection's lines")
}
// ANCHOR_END: exercise
