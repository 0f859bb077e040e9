// WRONG: reads with a short timeout of its own and takes the timeout for the end of the
// answer ("nothing more came, so that was all"): a server that pauses between two parts of
// its answer loses the client the rest. Only end of stream (recv() returns 0) ends it.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
pub fn send_request(conn: &TcpStream, request: &[u8]) -> io::Result<()> {
    let mut w = conn;
    w.write_all(request)?;
    conn.shutdown(Shutdown::Write)
}
pub fn read_answer(conn: &TcpStream) -> io::Result<Vec<u8>> {
    conn.set_read_timeout(Some(std::time::Duration::from_millis(50)))?;
    let mut a = Vec::new();
    let mut r = conn;
    let mut buf = [0u8; 4096];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(a),
            Ok(n) => a.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut =>
            {
                return Ok(a)
            }
            Err(e) => return Err(e),
        }
    }
}
