//! Lines over an async stream, for lessons 13 and 16: reading one line with a size limit in a
//! way that is safe inside `select!`, and the narrated client both lessons' demos play.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::trace::Kind;
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
        // Too long first: `max` + 1 bytes are too many, even when the last is the newline.
        if line.len() > max {
            let reason = format!("line longer than {max} bytes");
            return Err(io::Error::new(io::ErrorKind::InvalidData, reason));
        }
        if line.ends_with(b"\n") {
            return Ok(Some(std::mem::take(line)));
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

/// `run`, for at most `wait`: past it, the error `TimedOut` ("timed out"), as a blocking
/// socket's SO_RCVTIMEO gives. Every wait of a client or a server should have an end.
pub async fn within<T>(wait: Duration, run: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    match timeout(wait, run).await {
        Ok(result) => result,
        Err(_elapsed) => Err(io::ErrorKind::TimedOut.into()),
    }
}

// ANCHOR: client
/// A client connection, as asyncio's `open_connection` gives it: a reader and a writer (the two
/// halves of one socket, from `into_split`), narrated call by call. The bytes it sends and
/// receives are recorded in the trace (`--trace`).
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
        let call = format!("TcpStream::connect({addr})");
        let why = "socket + connect; the task waits for the handshake";
        let connecting = within(wait, TcpStream::connect(addr));
        let stream = say
            .call_async_then(call, why, connecting, |_| "ok".into())
            .await?;
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
        let call = format!("write_all({})", show_bytes(bytes));
        let writing = within(self.wait, self.writer.write_all(bytes));
        let why = "hand every byte to the kernel";
        self.say.call_async(call, why, writing).await?;
        self.say.moved(Kind::Send, "write_all", bytes);
        Ok(())
    }

    /// The next line from the server, or `None` at end of stream.
    pub async fn read_line(&mut self) -> Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let reading = within(self.wait, read_line(&mut self.reader, &mut line, self.max));
        let why = "wait for the next line from the server";
        let line = self
            .say
            .call_async_then("read_line()", why, reading, shown_line)
            .await?;
        if let Some(bytes) = &line {
            self.say.moved(Kind::Recv, "read_line", bytes);
        }
        Ok(line)
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
        let LineClient {
            say,
            reader,
            writer,
            ..
        } = self;
        let why = "drop both halves: the socket is closed";
        // Dropping cannot fail: the result is always ok.
        let _ = say.call("close()", why, move || {
            drop((reader, writer));
            Ok(())
        });
    }
}

/// A line as the client's narration shows it: `b"1: HELLO\n"`, or `end of stream`.
fn shown_line(line: &Option<Vec<u8>>) -> String {
    line.as_deref().map_or("end of stream".into(), show_bytes)
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
