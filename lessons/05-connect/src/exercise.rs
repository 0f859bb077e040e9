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
///   without an outcome — the earlier tries go on waiting — or AT ONCE when a try fails. So
///   each try's stagger counts from its own start, whatever started it.
/// - The first try to CONNECT wins, whatever its place in the list.
/// - Every other connection is closed: a try still running when you return must close what
///   it gets as soon as it gets it, not when the other tries end (no descriptor left open
///   for nothing); none is used or returned.
/// - `timeout` bounds the whole: no try is given a limit that ends after it.
/// - Nothing connected when `timeout` is up, and a try still running: an error of kind
///   `ErrorKind::TimedOut`, even if other tries failed before with other errors. Return it at
///   the deadline, or at most half a second after it if you wait there for the tries whose
///   limit ends then to report (a connection one of them reports may still be returned).
/// - Every try failed before the deadline: return the error of the try that failed LAST, at
///   once.
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
