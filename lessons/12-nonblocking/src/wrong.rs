//! A plausible wrong answer to lesson 12's exercise, kept to prove the tests catch it:
//! it treats what one read returns as one line. Half a line is answered as if it were whole,
//! and two lines that arrive together come back as one.

use std::io::{ErrorKind, Read};

use common::{show_bytes, Narrator, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub enum Ended {
    WouldBlock,
    MoreLeft,
    TooLong,
    Eof,
}

pub fn read_ready(
    stream: &mut impl Read,
    _pending: &mut Vec<u8>,
    lines: &mut Vec<Vec<u8>>,
    say: &Narrator,
) -> Result<Ended> {
    let mut buf = [0u8; 4096];
    say.next("recv(4096)", "take what has arrived, without waiting");
    match stream.read(&mut buf) {
        Ok(0) => {
            say.done("0 bytes: end of stream");
            Ok(Ended::Eof)
        }
        Ok(n) => {
            say.done(format!("{n} bytes: {}", show_bytes(&buf[..n])));
            lines.push(buf[..n].to_vec());
            Ok(Ended::WouldBlock)
        }
        Err(e) if e.kind() == ErrorKind::WouldBlock => {
            say.done("WouldBlock: nothing more for now");
            Ok(Ended::WouldBlock)
        }
        Err(e) => Err(say.fail(e)),
    }
}
