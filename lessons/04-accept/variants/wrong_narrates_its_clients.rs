// WRONG: narrates, as a first version of this lesson did ("client #1 from 127.0.0.1:…", a
// failing client's error): the contract says print nothing, since the lesson narrates each
// call around the function, and the book's output would show every line twice.

use std::net::SocketAddr;
use std::time::Duration;

use common::{LessonError, Result};
use socket2::Socket;

use crate::{errno, errors, Listener};

/// The first pause after a shortage, and the longest.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const LONGEST_PAUSE: Duration = Duration::from_secs(1);

/// Serve `clients` clients one after another; return their addresses in the order accepted.
pub fn accept_loop(
    listener: &mut impl Listener,
    clients: usize,
    mut serve: impl FnMut(usize, Socket, SocketAddr) -> Result<()>,
) -> Result<Vec<SocketAddr>> {
    let mut peers = Vec::new();
    // How long the next shortage waits: the state that outlives one turn of the loop.
    let mut next_pause = FIRST_PAUSE;
    while peers.len() < clients {
        let (conn, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(error) => match after(&error) {
                Next::AcceptAgain => continue,
                Next::Pause => {
                    eprintln!("accept() failed ({error}): pausing {next_pause:?}");
                    listener.pause(next_pause);
                    // Doubled and capped: it stops growing at 1 s, so it cannot overflow.
                    next_pause = (next_pause * 2).min(LONGEST_PAUSE);
                    continue;
                }
                Next::Stop => return Err(error),
            },
        };
        // The shortage is over: the next one starts small again.
        next_pause = FIRST_PAUSE;
        peers.push(peer);
        // One client's trouble is that client's: the loop goes on with the next one.
        println!("client #{} from {peer}", peers.len());
        if let Err(error) = serve(peers.len(), conn, peer) {
            eprintln!("client #{} failed: {error}", peers.len());
        }
    }
    Ok(peers)
}

/// What a failed accept() calls for.
enum Next {
    AcceptAgain,
    Pause,
    Stop,
}

/// accept(2), ERRORS: most failures belong to one connection or to a passing shortage.
fn after(error: &LessonError) -> Next {
    match errno(error) {
        // One connection's trouble (aborted in the queue, refused by a firewall rule, or a
        // network error Linux passes on from it), or a signal: the next one may be fine.
        Some(
            errors::ECONNABORTED
            | errors::EINTR
            | errors::EPERM
            | errors::EPROTO
            | errors::ENETDOWN
            | errors::ENOPROTOOPT
            | errors::EHOSTDOWN
            | errors::ENONET
            | errors::EHOSTUNREACH
            | errors::EOPNOTSUPP
            | errors::ENETUNREACH,
        ) => Next::AcceptAgain,
        // Out of descriptors or buffer memory: the connection stays queued, and an accept()
        // right away would fail the same way. Give the shortage time to pass.
        Some(errors::EMFILE | errors::ENFILE | errors::ENOBUFS | errors::ENOMEM) => Next::Pause,
        // EINVAL (not listening), EBADF, ENOTSOCK…: no retry can fix the listener.
        _ => Next::Stop,
    }
}
