// Lesson 08's exercise: half-close, then read the answer to its end. Yours to write.
//
// Check it:       cargo exercise lesson-08-close
// Stuck?          cargo hint lesson-08-close      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-08-close

use std::io;
use std::net::TcpStream;

// ANCHOR: exercise
/// Send the whole request on `conn`, then tell the server that it is complete.
///
/// The contract (what the checks test):
/// - The server receives every byte of `request`, then end of stream (its recv() returns 0):
///   that is how it knows the request is complete. An empty request is just the end of stream.
/// - `conn` can still RECEIVE afterwards: the server answers after it has read the end of
///   stream, and `read_answer` must get that answer.
/// - An error from the socket is returned as it is.
pub fn send_request(conn: &TcpStream, request: &[u8]) -> io::Result<()> {
    let _ = (conn, request);
    todo!("send the request, then end it")
}

/// Read the server's answer on `conn`, all of it, until the server ends it; return its bytes.
///
/// The contract (what the checks test):
/// - Every byte the server sent, in order, however it was cut (the checks send 1 MB in
///   pieces), and only once the server has closed its side (end of stream).
/// - A connection that fails (the server resets it) is an error, returned as it is: not
///   an answer, not even a shorter one.
/// - Print nothing: the lesson narrates around your functions.
pub fn read_answer(conn: &TcpStream) -> io::Result<Vec<u8>> {
    let _ = conn;
    todo!("read the whole answer")
}
// ANCHOR_END: exercise
