// WRONG: shutdown(Both) instead of shutdown(Write): the request and its end arrive, but the
// client has also closed its RECEIVING direction, so the answer never reaches the program.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};

pub fn send_request(mut conn: &TcpStream, request: &[u8]) -> io::Result<()> {
    conn.write_all(request)?;
    conn.shutdown(Shutdown::Both)
}

pub fn read_answer(mut conn: &TcpStream) -> io::Result<Vec<u8>> {
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer)?;
    Ok(answer)
}
