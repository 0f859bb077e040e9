//! A plausible wrong answer to lesson 06's exercise, kept to prove the tests catch it: it
//! believes the notes ("send() sends all data") and calls `send` once. When the kernel takes
//! only part of the bytes, the rest is silently lost, and the function still says "ok".

use std::io;

use socket2::Socket;

pub fn send_all(socket: &Socket, bytes: &[u8]) -> io::Result<usize> {
    socket.send(bytes)?;
    Ok(1)
}
