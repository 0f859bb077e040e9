// WRONG: one recv() taken for the whole answer. A short answer on loopback often comes in one
// piece; a long one, or one the server sends in parts, does not, and its tail is lost.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};

pub fn send_request(mut conn: &TcpStream, request: &[u8]) -> io::Result<()> {
    conn.write_all(request)?;
    conn.shutdown(Shutdown::Write)
}

pub fn read_answer(mut conn: &TcpStream) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; 64 * 1024];
    let n = conn.read(&mut buf)?;
    buf.truncate(n);
    Ok(buf)
}
