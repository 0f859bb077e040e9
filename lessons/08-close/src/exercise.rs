//! Lesson 08 exercise: half-close, then read the answer to its end.
//!
//! Check your work with:   cargo exercise lesson-08-close
//! Run your version with:  cargo run -p lesson-08-close --features exercise

use std::io;
#[allow(unused_imports)] // You will need these.
use std::io::{Read, Write};
#[allow(unused_imports)] // And this one.
use std::net::Shutdown;
use std::net::TcpStream;

// ANCHOR: exercise
/// Send the whole request, then tell the server that it is complete.
///
/// TODO: write all of `request` to `conn`, then shut down the sending direction
/// (`conn.shutdown(...)`), so that the server's recv() returns 0 and it starts to answer.
pub fn send_request(conn: &TcpStream, request: &[u8]) -> io::Result<()> {
    let _ = (conn, request);
    todo!("send the request, then half-close")
}

/// Read the server's answer to its end.
///
/// TODO: call `read` until it returns 0 (end of stream), collecting every byte.
pub fn read_answer(conn: &TcpStream) -> io::Result<Vec<u8>> {
    let _ = conn;
    todo!("read until end of stream")
}
// ANCHOR_END: exercise
