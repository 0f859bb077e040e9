// WRONG: `?` on accept(): the first failed accept() (EMFILE: no descriptor left) returns from
// serve, and the server ends, every client with it. accept() errors are the moment's, not
// the server's end: report, pause 10 ms, accept again.
use std::io;
use std::net::TcpListener;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::{Limits, Report};

/// Serve every client of `listener`, all at once, on ONE thread: a tokio task per connection.
pub fn serve(listener: TcpListener, limits: Limits, _report: Report) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        loop {
            let (stream, _peer) = listener.accept().await?;
            tokio::spawn(echo(stream, limits));
        }
    })
}

/// What came in place of a line.
enum Line {
    /// A whole line, its `\n` included, in the buffer.
    Whole,
    /// `max_line` bytes and no `\n` among them.
    TooLong,
    /// End of stream, with or without half a line before it (not a line: no answer).
    End,
}

/// One connection: read a line, write it back, and only then read the next. A client that
/// does not read its answers stops the server reading it (backpressure): the only bytes held
/// for a connection are its reader's buffer and one line.
async fn echo(stream: TcpStream, limits: Limits) {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::with_capacity(1024, reader);
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = read_line(&mut reader, &mut line, limits.max_line);
        let (answer, then_close): (&[u8], bool) = match timeout(limits.idle, read).await {
            Ok(Ok(Line::Whole)) => (&line, false),
            Ok(Ok(Line::TooLong)) => (b"ERR line too long\n", true),
            // End of stream, a reset, or a client silent for `idle`: close.
            Ok(Ok(Line::End)) | Ok(Err(_)) | Err(_) => return,
        };
        // A client that takes no answer for `idle` is gone too.
        let written = timeout(limits.idle, writer.write_all(answer)).await;
        if then_close || !matches!(written, Ok(Ok(()))) {
            return;
        }
    }
}

/// Read up to the next `\n`, never more than `max` bytes.
async fn read_line(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    line: &mut Vec<u8>,
    max: usize,
) -> io::Result<Line> {
    reader.take(max as u64).read_until(b'\n', line).await?;
    Ok(match line.last() {
        Some(b'\n') => Line::Whole,
        _ if line.len() == max => Line::TooLong,
        _ => Line::End,
    })
}
