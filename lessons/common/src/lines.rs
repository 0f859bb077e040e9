//! Reading one line from an async stream, with a size limit, in a way that is safe inside
//! `select!`. Lesson 13 explains it; lesson 16 uses it too.

use std::io;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

// ANCHOR: read_line
/// Read one line (up to and including `\n`) of at most `max` bytes; `Ok(None)` at end of
/// stream. The line collects in `line`, which the caller keeps: if `select!` drops this
/// future half-way (another branch won), the bytes read so far are not lost, and the next
/// call goes on from there. That makes it safe to use inside `select!` ("cancel-safe").
pub async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
    max: usize,
) -> io::Result<Option<Vec<u8>>> {
    loop {
        // Never read past the limit: a client must not make us buffer without end.
        let room = (max + 1).saturating_sub(line.len()) as u64;
        // Take bytes from the reader up to and including b'\n'; when its buffer is empty it
        // makes one recv() on the socket, and the task waits until bytes are there.
        let n = (&mut *reader).take(room).read_until(b'\n', line).await?;
        if line.ends_with(b"\n") {
            return Ok(Some(std::mem::take(line)));
        }
        if line.len() > max {
            let reason = format!("line longer than {max} bytes");
            return Err(io::Error::new(io::ErrorKind::InvalidData, reason));
        }
        if n == 0 && line.is_empty() {
            return Ok(None);
        }
        if n == 0 {
            let reason = "the peer closed in the middle of a line";
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, reason));
        }
    }
}
// ANCHOR_END: read_line

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn lines_limits_and_the_end() {
        let mut input: &[u8] = b"one\ntw";
        let mut line = Vec::new();
        assert_eq!(
            read_line(&mut input, &mut line, 8).await.unwrap(),
            Some(b"one\n".to_vec())
        );
        let err = read_line(&mut input, &mut line, 8).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);

        let mut long: &[u8] = b"0123456789\n";
        let err = read_line(&mut long, &mut Vec::new(), 8).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);

        let mut empty: &[u8] = b"";
        assert_eq!(
            read_line(&mut empty, &mut Vec::new(), 8).await.unwrap(),
            None
        );
    }
}
