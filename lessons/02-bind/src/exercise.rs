// Lesson 02's exercise: the first free port of a range, as development servers find one.
// Yours to write.
//
// Check it:       cargo exercise lesson-02-bind
// Stuck?          cargo hint lesson-02-bind      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-02-bind

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;

#[allow(unused_imports)]
use socket2::Socket;

// ANCHOR: exercise
/// Bind a socket to the first free port of `ports` on `ip`, as a development server does when
/// its usual port is taken ("7002 is in use, trying 7003"), and return the socket with the
/// address it has.
///
/// The contract (what the checks test):
/// - Every attempt goes through `bind(addr)`: ONE new socket, bound to `addr` (the lesson's
///   narrates socket(), setsockopt() and bind()). It returns the bound socket, or bind()'s
///   error, with the failed socket already closed. Make and bind no socket any other way.
///   Return the socket as bind(addr) gave it: bound, not listening (the caller listens when it
///   is ready; until then a client that connects is refused).
/// - The ports are tried in increasing order, each once, on `ip`. The first that binds wins:
///   return its socket and the address it is bound to (the one you asked for: the socket's
///   `local_addr()`, getsockname(), says the same), and make no attempt after it.
/// - "Address already in use" (`io::ErrorKind::AddrInUse`): another socket holds that port, so
///   the next one may be free. Any other error is about the address or the program, not this
///   one port (an IP address this machine does not have, a port it may not use, no file
///   descriptor left, …): another port cannot help, so return that error at once, as it is:
///   bind()'s own `io::Error`, not a new one (the caller reads its OS error code). That holds
///   for "permission denied" at a port below 1024 too, even in a range that goes on above it:
///   judge no port yourself, bind() answers (a privileged program may bind port 80).
/// - Port 0 is no port: bind() would take ANY free port, outside the range. A range that
///   contains 0, or no port at all (`7010..=7000`), is an error of kind
///   `io::ErrorKind::InvalidInput`, and no attempt is made.
/// - When every port of the range is taken: an error of kind `AddrInUse` whose message names
///   the range (its first and its last port), not the last attempt's bare error.
/// - Every range of `u16` works, however long (no limit on the number of attempts: 1..=65535
///   is a range too), up to the last port there is, 65535. bind() never waits, and neither
///   does the search: no pause between attempts.
/// - Print nothing: the lesson narrates each attempt.
pub fn bind_in_range(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    bind: impl FnMut(SocketAddr) -> io::Result<Socket>,
) -> io::Result<(Socket, SocketAddr)> {
    let _ = (ip, ports, bind);
    todo!("find the first free port of the range")
}
// ANCHOR_END: exercise
