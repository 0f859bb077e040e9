//! Lines over an async stream, for lessons 13 and 16: reading one line with a size limit in a
//! way that is safe inside `select!`, and the narrated client both lessons' demos play.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::{show_bytes, Narrator, Result};

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

// ANCHOR: client
/// A client connection, as asyncio's `open_connection` gives it: a reader and a writer (the two
/// halves of one socket, from `into_split`), narrated call by call.
pub struct LineClient {
    pub say: Narrator,
    pub reader: BufReader<OwnedReadHalf>,
    pub writer: OwnedWriteHalf,
    /// How long a connect, a read or a write may wait: a client must never wait for ever.
    wait: Duration,
    /// The longest line it takes.
    max: usize,
}

impl LineClient {
    /// Connect to `addr`: socket + connect; the task waits for the handshake.
    pub async fn connect(
        addr: SocketAddr,
        say: Narrator,
        wait: Duration,
        max: usize,
    ) -> Result<Self> {
        say.next(
            format!("TcpStream::connect({addr})"),
            "socket + connect; the task waits for the handshake",
        );
        let stream = match timeout(wait, TcpStream::connect(addr)).await {
            Err(_elapsed) => return Err(say.fail(io::ErrorKind::TimedOut.into())),
            Ok(connected) => connected.map_err(|e| say.fail(e))?,
        };
        say.done("ok");
        let (read_half, writer) = stream.into_split();
        let reader = BufReader::new(read_half);
        Ok(LineClient {
            say,
            reader,
            writer,
            wait,
            max,
        })
    }

    /// Send all of `bytes`. `write_all` loops over send() until the kernel has taken every
    /// byte: it is asyncio's `writer.write(bytes)` and `await writer.drain()` in one. It waits
    /// while the kernel's send buffer is full (a peer that does not read): at most `wait`.
    pub async fn send(&mut self, bytes: &[u8]) -> Result<()> {
        let say = &self.say;
        say.next(
            format!("write_all({})", show_bytes(bytes)),
            "hand every byte to the kernel",
        );
        match timeout(self.wait, self.writer.write_all(bytes)).await {
            Err(_elapsed) => return Err(say.fail(io::ErrorKind::TimedOut.into())),
            Ok(written) => written.map_err(|e| say.fail(e))?,
        }
        say.done("ok");
        Ok(())
    }

    /// The next line from the server, or `None` at end of stream.
    pub async fn read_line(&mut self) -> Result<Option<Vec<u8>>> {
        let say = &self.say;
        say.next("read_line()", "wait for the next line from the server");
        let mut line = Vec::new();
        let read = timeout(self.wait, read_line(&mut self.reader, &mut line, self.max));
        match read.await {
            Err(_elapsed) => Err(say.fail(io::ErrorKind::TimedOut.into())),
            Ok(Err(e)) => Err(say.fail(e)),
            Ok(Ok(None)) => {
                say.done("end of stream");
                Ok(None)
            }
            Ok(Ok(Some(line))) => {
                say.done(show_bytes(&line));
                Ok(Some(line))
            }
        }
    }

    /// Read a line and check it.
    pub async fn expect(&mut self, expected: &[u8]) -> Result<()> {
        match self.read_line().await? {
            Some(line) if line == expected => Ok(()),
            got => Err(self.say.protocol_error(format!(
                "expected {}, got {}",
                show_bytes(expected),
                got.map_or("end of stream".to_string(), |l| show_bytes(&l))
            ))),
        }
    }

    /// End of stream must come next.
    pub async fn expect_eof(&mut self) -> Result<()> {
        match self.read_line().await? {
            None => Ok(()),
            Some(line) => Err(self
                .say
                .protocol_error(format!("expected end of stream, got {}", show_bytes(&line)))),
        }
    }

    /// Close: dropping both halves closes the socket (asyncio's `writer.close()`).
    pub fn close(self) {
        self.say
            .next("close()", "drop both halves: the socket is closed");
        drop(self.reader);
        drop(self.writer);
        self.say.done("ok");
    }
}
// ANCHOR_END: client

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
