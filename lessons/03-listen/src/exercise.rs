//! Lesson 03 exercise: make the socket listen, with the backlog you were given.
//!
//! Check your work with:   cargo exercise lesson-03-listen
//! Run your version with:  cargo run -p lesson-03-listen --features exercise

use std::io;

#[allow(unused_imports)] // You will need it.
use socket2::Socket;

// ANCHOR: exercise
/// Turn the bound `socket` into a listening one, with room in its accept queue for
/// `backlog` connections that the kernel has completed and the program has not accepted yet.
///
/// TODO:
///   - refuse a backlog of 0 with an `io::Error` of kind `InvalidInput` whose message says
///     why (a queue with no room; systems disagree on what 0 means);
///   - `listen()` takes an `i32`: convert `backlog` without letting it wrap around (a number
///     too large for i32 can become `i32::MAX`: the kernel cuts it down anyway);
///   - call `socket.listen(backlog)` and return its result.
pub fn start_listening(socket: &Socket, backlog: usize) -> io::Result<()> {
    let _ = (socket, backlog);
    todo!("call listen() with the backlog")
}
// ANCHOR_END: exercise
