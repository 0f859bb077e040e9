// WRONG: tries again after WouldBlock as after Interrupted ("the buffer is full, wait for
// room"). On the blocking socket the lesson gives it, WouldBlock means the send timeout ran
// out: the peer has stopped reading, and trying again waits the whole timeout again, for
// ever if the peer never reads again: the timeout no longer protects the server.

use std::io;

use crate::Sender;

pub fn send_all(conn: &mut impl Sender, bytes: &[u8]) -> io::Result<usize> {
    let mut rest = bytes;
    let mut calls = 0;
    while !rest.is_empty() {
        match conn.send(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                rest = &rest[n..];
                calls += 1;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(calls)
}
