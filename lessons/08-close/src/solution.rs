// Reference solution for lesson 08's exercise. (Yours goes in exercise.rs.)

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};

// ANCHOR: solution
/// Send the whole request, then tell the server "that is all": shut down our sending
/// direction. The kernel sends FIN; the server's recv() returns 0 once it has read the request.
pub fn send_request(mut conn: &TcpStream, request: &[u8]) -> io::Result<()> {
    // write_all loops over send() until every byte is with the kernel.
    conn.write_all(request)?;
    // Half-close: no more bytes from us, but we can still receive the answer.
    conn.shutdown(Shutdown::Write)
}

/// Read the answer to its end: until recv() returns 0, the server's FIN.
pub fn read_answer(mut conn: &TcpStream) -> io::Result<Vec<u8>> {
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            // End of stream: the server has closed its sending direction.
            return Ok(answer);
        }
        answer.extend_from_slice(&buf[..n]);
    }
}
// ANCHOR_END: solution
