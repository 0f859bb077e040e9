//! Lesson 07 exercise: read one whole length-prefixed message, however recv() splits it.
//!
//! Check your work with:   cargo exercise lesson-07-recv
//! Run your version with:  cargo run -p lesson-07-recv --features exercise

use std::io::{self, Read};

// ANCHOR: exercise
/// Read one length-prefixed message: a 4-byte big-endian length, then that many bytes.
/// `Ok(None)` means a clean end of stream: the peer closed between two messages.
///
/// TODO: `conn.read(&mut buf)` is one recv(): it returns 1 to buf.len() bytes, or 0 at end
/// of stream. Loop until you have all 4 header bytes, then all `len` body bytes:
///   - 0 before the first header byte: return `Ok(None)`;
///   - 0 later: the peer closed mid-message, return an `io::ErrorKind::UnexpectedEof`
///     error saying "the peer closed after N of M bytes";
///   - `len = u32::from_be_bytes(header)`; if `len > max`, return an
///     `io::ErrorKind::InvalidData` error BEFORE allocating anything;
///   - retry on `io::ErrorKind::Interrupted`, return other errors.
pub fn read_message(conn: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let _ = (conn, max);
    todo!("read the 4-byte header, then the body, across as many recv() calls as it takes")
}
// ANCHOR_END: exercise
