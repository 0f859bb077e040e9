// WRONG: blocking in async: each task turns its socket back into a blocking std socket and
// reads it there. The runtime has one thread: while one client is silent, no one else is served.
use std::io;
use std::net::TcpListener;

use crate::{Limits, Report};

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
async fn client(stream: tokio::net::TcpStream, limits: Limits) {
    use std::io::{Read, Write};
    let Ok(mut s) = stream.into_std() else { return };
    let _ = s.set_nonblocking(false);
    let _ = s.set_read_timeout(Some(limits.idle));
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => pending.extend_from_slice(&chunk[..n]),
        }
        if pending.len() >= limits.max_line && !pending.contains(&b'\n') {
            let _ = s.write_all(b"ERR line too long\n");
            return;
        }
        if let Some(last) = pending.iter().rposition(|&b| b == b'\n') {
            if s.write_all(&pending[..=last]).is_err() {
                return;
            }
            pending.drain(..=last);
        }
    }
}
