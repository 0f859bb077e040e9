//! Lesson 16's messages, a client's lines and writes, and its exercise: `chat`, the relay
//! between one member and the room. It prints nothing: the lesson narrates around it (who
//! joined, who left and why), and the tests check the bytes each client gets and what the
//! room receives.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::time::{timeout, timeout_at, Instant};

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-16-chat` checks
// it), src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
// (The module is `exercise`, not `task`: a task is tokio's.)
#[cfg(not(feature = "variant"))]
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(not(feature = "exercise"), path = "solution.rs")]
mod exercise;
#[cfg(feature = "variant")]
mod exercise {
    include!(env!(
        "LESSON_VARIANT",
        "set LESSON_VARIANT to the variant's path (cargo xtask verify-exercises does)"
    ));
}
pub use exercise::chat;

// ANCHOR: message
/// One line for the room: who sent it (so that it is not sent back to them) and the bytes
/// every other client gets.
#[derive(Clone, Debug)]
pub struct Message {
    /// The sender's connection number.
    pub from: usize,
    /// The whole line as it goes out, e.g. `b"alice: hi\n"`.
    pub text: Arc<[u8]>,
}

/// A client who has joined: its connection number and its nickname.
pub struct Member {
    pub id: usize,
    pub nick: String,
}

impl Message {
    /// A line from connection `from` (a notice, or what a member said).
    pub fn new(from: usize, text: String) -> Message {
        Message {
            from,
            text: text.into_bytes().into(),
        }
    }

    /// What `member` said: `NICK: TEXT\n`, or `None` for an empty line. Bytes that are not
    /// UTF-8 become U+FFFD, so every client gets valid text.
    pub fn said(member: &Member, line: &[u8]) -> Option<Message> {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end_matches(['\n', '\r']);
        if text.is_empty() {
            return None;
        }
        Some(Message::new(
            member.id,
            format!("{}: {text}\n", member.nick),
        ))
    }
}

/// How a member's chat ended (an error, e.g. a line too long, comes as `Err`).
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// The client closed its end.
    Left,
    /// The client fell this many messages behind: they were lost for it.
    TooSlow(u64),
}
// ANCHOR_END: message

// ANCHOR: read_line
/// The longest line the server takes, newline included.
pub const MAX_LINE: usize = 1024;

/// A socket's read half: tokio's `OwnedReadHalf`, or (in the lesson) that half wrapped to
/// record the bytes of each recv() in the trace. Boxed, so that `Lines` is one type.
pub type ReadHalf = Box<dyn AsyncRead + Send + Unpin>;
/// A socket's write half, the same way.
pub type WriteHalf = Box<dyn AsyncWrite + Send + Unpin>;

/// A client's lines, read with two limits: at most `MAX_LINE` bytes each, and each complete
/// within `wait` of its first byte. Between lines there is no limit: a chat member may be
/// quiet for hours. Cancel-safe: the half-read line and its deadline are kept here, not in the
/// future, so when `select!` drops a `next()` (another branch won), nothing is lost.
pub struct Lines {
    /// The socket's read half, buffered (the lesson drains it itself after a refusal).
    pub reader: BufReader<ReadHalf>,
    wait: Duration,
    /// The line so far.
    line: Vec<u8>,
    /// When the line so far must be complete: set when its first byte arrives.
    deadline: Option<Instant>,
}

impl Lines {
    pub fn new(read_half: impl AsyncRead + Send + Unpin + 'static, wait: Duration) -> Lines {
        Lines {
            reader: BufReader::new(Box::new(read_half)),
            wait,
            line: Vec::new(),
            deadline: None,
        }
    }

    /// The next line, `\n` included; `Ok(None)` at end of stream. Errors: `InvalidData` for
    /// a line too long, `TimedOut` for one not finished in time, `UnexpectedEof` for a close
    /// in the middle of one.
    pub async fn next(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            // Wait for bytes: without a limit between lines, until the deadline inside one.
            // fill_buf() makes one recv() when the reader's buffer is empty.
            let available = match self.deadline {
                None => self.reader.fill_buf().await?,
                Some(deadline) => match timeout_at(deadline, self.reader.fill_buf()).await {
                    Ok(read) => read?,
                    Err(_elapsed) => {
                        let reason = format!("no whole line within {} ms", self.wait.as_millis());
                        return Err(io::Error::new(io::ErrorKind::TimedOut, reason));
                    }
                },
            };
            if available.is_empty() {
                return match self.line.is_empty() {
                    true => Ok(None),
                    false => Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the peer closed in the middle of a line",
                    )),
                };
            }
            // Take bytes up to the newline, and never more than the limit leaves room for:
            // the limit is checked as we read, so a flood costs at most MAX_LINE + 1 bytes.
            let end = available.iter().position(|&b| b == b'\n');
            let take = end.map_or(available.len(), |i| i + 1);
            let take = take.min(MAX_LINE + 1 - self.line.len());
            self.line.extend_from_slice(&available[..take]);
            self.reader.consume(take);
            if self.line.ends_with(b"\n") {
                self.deadline = None;
                return Ok(Some(std::mem::take(&mut self.line)));
            }
            if self.line.len() > MAX_LINE {
                let reason = format!("line longer than {MAX_LINE} bytes");
                return Err(io::Error::new(io::ErrorKind::InvalidData, reason));
            }
            // The first bytes of a line start its clock.
            let wait = self.wait;
            self.deadline.get_or_insert_with(|| Instant::now() + wait);
        }
    }
}

/// A client's sending side, with a time limit on every write.
pub struct Writer {
    /// The socket's write half (the lesson writes its own notices and shuts it down itself).
    pub half: WriteHalf,
    limit: Duration,
}

impl Writer {
    /// A client's write half, each write limited to `limit`.
    pub fn new(half: impl AsyncWrite + Send + Unpin + 'static, limit: Duration) -> Writer {
        Writer {
            half: Box::new(half),
            limit,
        }
    }

    /// Write all of `bytes`. `write_all` waits while the client's socket buffers are full,
    /// which is for ever if the client has stopped reading: so give it `limit`, then fail
    /// with `TimedOut`. (The client then has part of a line at most; it is about to be closed.)
    pub async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match timeout(self.limit, self.half.write_all(bytes)).await {
            Ok(written) => written,
            Err(_elapsed) => {
                let reason = format!("not read for {} ms", self.limit.as_millis());
                Err(io::Error::new(io::ErrorKind::TimedOut, reason))
            }
        }
    }
}
// ANCHOR_END: read_line
