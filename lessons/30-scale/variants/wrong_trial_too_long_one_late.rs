// WRONG: off by one: refuses a line only once max_line + 1 bytes came without a newline; at
// max_line bytes the line is too long already (its newline would make max_line + 1).
use std::io;
use std::net::TcpListener;

use crate::{Limits, Report};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{timeout, timeout_at, Instant};

/// Serve every client that connects to `listener` (already listening, blocking: make it
/// non-blocking if your design needs it), all at once, for ever.
pub fn serve(listener: TcpListener, limits: Limits, report: Report) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(client(stream, limits));
                }
                Err(e) => {
                    report.accept_failed(&e);
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
    })
}

/// One client: lines back, until it leaves, errs, sends a line too long or idles.
async fn client(mut stream: tokio::net::TcpStream, limits: Limits) {
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 1024];
    let mut deadline = Instant::now() + limits.idle;
    loop {
        // The whole lines in hand, each no longer than max_line.
        let mut end = 0;
        let mut too_long = false;
        while let Some(i) = pending[end..].iter().position(|&b| b == b'\n') {
            if i + 1 > limits.max_line {
                too_long = true;
                break;
            }
            end += i + 1;
        }
        if !too_long && pending.len() - end > limits.max_line {
            too_long = true;
        }
        if end > 0 {
            match timeout(limits.idle, stream.write_all(&pending[..end])).await {
                Ok(Ok(())) => {}
                _ => return,
            }
            pending.drain(..end);
            deadline = Instant::now() + limits.idle;
        }
        if too_long {
            let _ = timeout(limits.idle, stream.write_all(b"ERR line too long\n")).await;
            return;
        }
        match timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return,
            Ok(Ok(n)) => pending.extend_from_slice(&chunk[..n]),
        }
    }
}
