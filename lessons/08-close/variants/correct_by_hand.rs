// CORRECT, written differently: the request sent by a send() loop written out (lesson 06's),
// std's read_to_end for the answer (it calls read until 0 and retries Interrupted).

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};

pub fn send_request(mut conn: &TcpStream, request: &[u8]) -> io::Result<()> {
    let mut sent = 0;
    while sent < request.len() {
        match conn.write(&request[sent..]) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => sent += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    conn.shutdown(Shutdown::Write)
}

pub fn read_answer(mut conn: &TcpStream) -> io::Result<Vec<u8>> {
    let mut answer = Vec::with_capacity(4096);
    conn.read_to_end(&mut answer).map(|_| answer)
}
