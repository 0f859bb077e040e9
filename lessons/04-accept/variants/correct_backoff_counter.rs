// CORRECT, written differently: a for loop over the client numbers with an inner loop that
// retries accept() until it gives a connection; the errors sorted by ErrorKind where std
// names them and by number otherwise; the pause computed from a count of shortages in a row
// with checked_shl and saturating_mul (no overflow however long the count); serve's error
// dropped with .ok().

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use common::{LessonError, Result};
use socket2::Socket;

use crate::{errno, errors, Listener};

pub fn accept_loop(
    listener: &mut impl Listener,
    clients: usize,
    mut serve: impl FnMut(usize, Socket, SocketAddr) -> Result<()>,
) -> Result<Vec<SocketAddr>> {
    let mut peers = vec![];
    let mut short_in_a_row: u32 = 0;
    for number in 1..=clients {
        let (conn, peer) = loop {
            match listener.accept() {
                Ok(accepted) => break accepted,
                Err(e) if shortage(&e) => {
                    listener.pause(pause_for(short_in_a_row));
                    short_in_a_row = short_in_a_row.saturating_add(1);
                }
                Err(e) if one_connection(&e) => {}
                Err(e) => return Err(e),
            }
        };
        short_in_a_row = 0;
        peers.push(peer);
        serve(number, conn, peer).ok();
    }
    Ok(peers)
}

/// 10 ms × 2^n, at most one second.
fn pause_for(n: u32) -> Duration {
    let factor = 1u32.checked_shl(n).unwrap_or(u32::MAX);
    Duration::from_millis(10)
        .saturating_mul(factor)
        .min(Duration::from_secs(1))
}

fn shortage(e: &LessonError) -> bool {
    e.kind() == Some(ErrorKind::OutOfMemory)
        || matches!(errno(e), Some(errors::EMFILE | errors::ENFILE | errors::ENOBUFS))
}

fn one_connection(e: &LessonError) -> bool {
    let by_kind = matches!(
        e.kind(),
        Some(
            ErrorKind::ConnectionAborted
                | ErrorKind::Interrupted
                | ErrorKind::PermissionDenied
                | ErrorKind::NetworkDown
                | ErrorKind::HostUnreachable
                | ErrorKind::NetworkUnreachable
        )
    );
    let linux_network = [
        errors::EPROTO,
        errors::ENOPROTOOPT,
        errors::EHOSTDOWN,
        errors::ENONET,
        errors::EOPNOTSUPP,
    ];
    by_kind || errno(e).is_some_and(|n| linux_network.contains(&n))
}
