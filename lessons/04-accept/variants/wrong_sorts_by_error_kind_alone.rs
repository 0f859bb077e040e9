// WRONG: sorts the errors by std's ErrorKind alone: EMFILE, ENFILE and ENOBUFS have no kind of
// their own (they are all "uncategorized", like EBADF), so running out of descriptors ends
// the server. (The slip of a loop written with ErrorKind in mind: std names ECONNABORTED,
// EINTR and ENOMEM, so the rest looks covered.)

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use common::Result;
use socket2::Socket;

use crate::Listener;

pub fn accept_loop(
    listener: &mut impl Listener,
    clients: usize,
    mut serve: impl FnMut(usize, Socket, SocketAddr) -> Result<()>,
) -> Result<Vec<SocketAddr>> {
    let mut peers = Vec::new();
    let mut pause: Option<Duration> = None;
    while peers.len() < clients {
        match listener.accept() {
            Ok((conn, peer)) => {
                pause = None;
                peers.push(peer);
                let _ = serve(peers.len(), conn, peer);
            }
            Err(e) => match e.kind() {
                Some(ErrorKind::ConnectionAborted | ErrorKind::Interrupted) => {}
                Some(ErrorKind::OutOfMemory) => {
                    let wait = pause.map_or(Duration::from_millis(10), |p| {
                        (p * 2).min(Duration::from_secs(1))
                    });
                    listener.pause(wait);
                    pause = Some(wait);
                }
                _ => return Err(e),
            },
        }
    }
    Ok(peers)
}
