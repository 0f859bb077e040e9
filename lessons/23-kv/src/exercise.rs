// Lesson 23's challenge: a key–value server. Yours to write.
//
// Check it:       cargo exercise lesson-23-kv
// Stuck?          cargo hint lesson-23-kv      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-23-kv

use std::io;
use std::net::TcpStream;

#[allow(unused_imports)]
use crate::{Limits, Store};

// ANCHOR: exercise
/// Serve one client, from its first byte to the end of its connection, as the spec in the
/// chapter says. The lesson accepts the client before, and closes the socket after.
///
/// The contract (what the battery tests, over the wire; the chapter's spec has the details):
/// - Requests are lines ending in `\n`: `SET key value` -> `OK`, `GET key` -> `VALUE value`
///   or `NOTFOUND`, `DEL key` -> `DELETED` or `NOTFOUND`, `QUIT` -> `BYE` and return
///   `Ok(())` at once. Any other line -> `ERR bad request`, and the connection goes on.
/// - A request may come in many pieces, and many requests in one piece: answer each whole
///   line, in order, exactly once.
/// - `limits` (never fixed numbers): a SET with a key over `max_key` bytes -> `ERR key too
///   long` (a GET or DEL of it finds nothing); a value over `max_value` -> `ERR value too
///   long`; a NEW key when the store holds `max_keys` -> `ERR store full`. A line over
///   `max_line` bytes (its `\n` included) -> `ERR line too long`, then return an error: the
///   connection ends. `max_line` bytes with no `\n` are too long already: refuse them then.
/// - A client with no whole line within `limits.deadline`, counted from when you are ready to
///   read it (silent from the start, or trickling) -> return an error, with no reply. A
///   client that does not take its replies within the deadline either -> an error. End of
///   stream between lines -> `Ok(())`; in the middle of a line -> an error, and the half line
///   is not a request.
/// - `store` is shared by all clients, one after another. Print nothing.
pub fn serve_client(stream: &TcpStream, store: &mut Store, limits: &Limits) -> io::Result<()> {
    let _ = (stream, store, limits);
    todo!("serve this client, one line at a time, as the spec says")
}
// ANCHOR_END: exercise
