// WRONG: ends the sending direction and returns at once, without reading what the client
// still sends: the caller closes with the client's extra bytes unread, the kernel answers
// with RST, and the part of the answer it had not delivered yet is thrown away.

use std::io::{self, ErrorKind};
use std::net::Shutdown;

use crate::{Closing, Ending, Linger};

pub fn finish(mut conn: impl Closing, limits: Linger) -> io::Result<Ending> {
    let _ = limits;
    match conn.shutdown(Shutdown::Write) {
        Err(e) if e.kind() == ErrorKind::NotConnected => Ok(Ending::Reset { discarded: 0 }),
        Err(e) => Err(e),
        // The answer is complete and the client knows it: nothing more to do?
        Ok(()) => Ok(Ending::Closed { discarded: 0 }),
    }
}
