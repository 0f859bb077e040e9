// WRONG: sends the request but never shuts down its sending direction. The server waits for
// an end of stream that never comes, and the client waits for an answer that never comes.

use std::io::{self, Read, Write};
use std::net::TcpStream;

pub fn send_request(mut conn: &TcpStream, request: &[u8]) -> io::Result<()> {
    conn.write_all(request)
}

pub fn read_answer(mut conn: &TcpStream) -> io::Result<Vec<u8>> {
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer)?;
    Ok(answer)
}
