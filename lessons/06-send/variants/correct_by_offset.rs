// CORRECT, written differently: an offset instead of a shrinking slice, `loop` with the
// end test inside, the error made with its own words, and retried signals counted apart.

use std::io::{self, Error, ErrorKind};

use crate::Sender;

pub fn send_all(conn: &mut impl Sender, bytes: &[u8]) -> io::Result<usize> {
    let mut offset = 0;
    let mut useful_calls = 0;
    loop {
        if offset == bytes.len() {
            return Ok(useful_calls);
        }
        let taken = match conn.send(&bytes[offset..]) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            other => other?,
        };
        if taken == 0 {
            return Err(Error::new(
                ErrorKind::WriteZero,
                "the connection took no byte: giving up",
            ));
        }
        offset += taken;
        useful_calls += 1;
    }
}
