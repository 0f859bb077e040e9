// Lesson 05's exercise: connect to a server's addresses staggered, the first to answer wins.
// Yours to write.
//
// Check it:       cargo exercise lesson-05-connect
// Stuck?          cargo hint lesson-05-connect      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-05-connect

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

#[allow(unused_imports)]
use crate::Connector;

// ANCHOR: exercise
/// Connect to one of `addrs` (the addresses of one server, best first) the way RFC 8305
/// ("Happy Eyeballs") asks: an address that never answers must not hold up the others for a
/// whole timeout, and the earlier tries must not be thrown away either, in case they were
/// only slow. Return the connection and the address it is connected to.
///
/// The contract (what the checks test):
/// - Tries go through `connector.connect(addr, limit)`, one try per address, in the order
///   given. The first starts at once. The next starts when the one before has had `stagger`
///   without an outcome — the earlier tries go on waiting — or AT ONCE when a try fails.
/// - The first try to CONNECT wins, whatever its place in the list.
/// - Every other connection is closed: a try still running when you return must close what
///   it gets once it gets it (no descriptor left behind); none is used or returned.
/// - `timeout` bounds the whole: no try is given a limit that ends after it, and you return
///   within it, plus a moment (up to half a second) for the tries whose limit ends then to
///   report. Nothing connected by then: an error of kind `ErrorKind::TimedOut`.
/// - Every try failed before that: return the error of the try that failed LAST.
/// - No address at all: an error of kind `ErrorKind::InvalidInput`, and no try.
/// - Print nothing: the lesson narrates each call inside its connector.
pub fn connect_first<C: Connector>(
    addrs: &[SocketAddr],
    stagger: Duration,
    timeout: Duration,
    connector: &Arc<C>,
) -> io::Result<(C::Conn, SocketAddr)> {
    let _ = (addrs, stagger, timeout, connector);
    todo!("connect staggered, the first connection wins")
}
// ANCHOR_END: exercise
