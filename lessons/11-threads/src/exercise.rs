// Lesson 11's exercise: a thread per connection, sharing one tally. Yours to write.
//
// Check it:       cargo exercise lesson-11-threads
// Stuck?          cargo hint lesson-11-threads      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-11-threads

use std::io;
#[allow(unused_imports)]
use std::sync::{Arc, Mutex};
#[allow(unused_imports)]
use std::thread::{self, JoinHandle};

use common::Result;

#[allow(unused_imports)]
use crate::{Connection, Shared, Tally};

// ANCHOR: exercise
/// Serve `conn` in a thread of its own, made by `builder`; return that thread's handle at once.
///
/// The contract (what the checks test):
/// - The thread is the one `builder` makes: the lesson has given it a name (`conn7`, which
///   `ps -T` shows).
/// - The new thread runs `handle(conn, &tally)`; the handle's `join()` gives what it returned.
/// - Return while the connection is still being served: the server must get back to
///   `accept()` at once, or one silent client stops everyone.
/// - If the system cannot make a thread, return that error (do not panic).
pub fn spawn_handler(
    builder: thread::Builder,
    conn: impl Connection + Send + 'static,
    tally: Shared,
) -> io::Result<JoinHandle<Result<()>>> {
    let _ = (builder, conn, tally);
    todo!("start the connection's thread")
}

/// Serve one connection: answer each line with the same line in upper case, and count it in
/// the tally, until the client closes its side.
///
/// The contract (what the checks test):
/// - Every line the client sends is answered, in order: `b"hi\n"` -> `b"HI\n"` (ASCII upper
///   case only: other bytes, UTF-8 or not, are sent as they came), and counted once in
///   `tally` (`Tally::count`) before it is answered.
/// - When `recv_line` gives `None`: close the connection and return `Ok(())`.
/// - An error from the connection ends `handle` with that error.
/// - Never hold the tally's lock while `recv_line` or `send_all` waits: every other
///   connection's thread would wait for this client too.
/// - Print nothing: the lesson narrates each call around your function.
pub fn handle(conn: impl Connection, tally: &Mutex<Tally>) -> Result<()> {
    let _ = (conn, tally);
    todo!("answer the connection's lines")
}
// ANCHOR_END: exercise
