// Lesson 05's exercise: connect to the first address that answers. Yours to write.
//
// Check it:       cargo exercise lesson-05-connect
// Stuck?          cargo hint lesson-05-connect      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-05-connect

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use socket2::Socket;

#[allow(unused_imports)]
use crate::Connector;

// ANCHOR: exercise
/// Connect to the first of `addrs` that accepts a connection, trying them in order; return the
/// connected socket and the address it is connected to.
///
/// The contract (what the checks test):
/// - Every system call goes through `connector`: `connector.socket(addr)`, then
///   `connector.connect_timeout(&socket, addr, timeout)`, with the `timeout` you were given
///   for EACH try. (A connect without a time limit can wait for minutes.)
/// - Each address gets a socket of its own: a socket whose connect failed is not used again.
/// - A failed try is not the end: go on with the next address. A try fails at
///   `connector.socket` (no IPv6 on this machine, say) or at `connect_timeout`. Stop at the
///   first that connects: the addresses after it are not tried.
/// - If every try fails, return the error of the LAST try, as it is (its kind says what went
///   wrong: refused, timed out…).
/// - No address at all: return an error of kind `ErrorKind::InvalidInput`, and make no call.
/// - Print nothing: the lesson narrates each call around your function.
pub fn connect_first(
    addrs: &[SocketAddr],
    timeout: Duration,
    connector: &mut impl Connector,
) -> io::Result<(Socket, SocketAddr)> {
    let _ = (addrs, timeout, connector);
    todo!("connect to the first address that answers")
}
// ANCHOR_END: exercise
