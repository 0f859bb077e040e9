//! Lesson 06 exercise: send every byte, however many `send` calls that takes.
//!
//! Check your work with:   cargo exercise lesson-06-send
//! Run your version with:  cargo run -p lesson-06-send --features exercise

use std::io;

use socket2::Socket;

// ANCHOR: exercise
/// Send every byte of `bytes` on a connected socket, calling `send` as often as it takes.
/// Returns how many `send` calls took bytes.
///
/// TODO: `socket.send(rest)` returns `Ok(n)`: the kernel took the FIRST n bytes of `rest`,
/// and n may be smaller than `rest.len()`. Loop until nothing is left:
///   - `Ok(0)`: return an error (`io::ErrorKind::WriteZero`), or you would loop forever;
///   - `Ok(n)`: keep `&rest[n..]` for the next call, count the call;
///   - `Err(e)` of kind `Interrupted`: just try again;
///   - any other `Err(e)`: return it.
pub fn send_all(socket: &Socket, bytes: &[u8]) -> io::Result<usize> {
    let _ = (socket, bytes);
    todo!("call socket.send() until every byte is taken")
}
// ANCHOR_END: exercise
