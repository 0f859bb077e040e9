// WRONG: stops reading at any error and returns what it has: a connection reset in the middle
// of the answer passes for the end of a (shorter) answer.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};

pub fn send_request(mut conn: &TcpStream, request: &[u8]) -> io::Result<()> {
    conn.write_all(request)?;
    conn.shutdown(Shutdown::Write)
}

pub fn read_answer(mut conn: &TcpStream) -> io::Result<Vec<u8>> {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return Ok(answer),
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
}
