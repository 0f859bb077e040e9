// Lesson 19's exercise: try each address of a name in turn, within one deadline. Yours to write.
//
// Check it:       cargo exercise lesson-19-names
// Stuck?          cargo hint lesson-19-names      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-19-names

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

// ANCHOR: exercise
/// Connect to one of `addrs`, the addresses a name resolved to, in the resolver's order,
/// giving up after `deadline` in all.
///
/// The contract (what the checks test, on real sockets and a real clock):
/// - Every attempt goes through `connect(addr, limit)`: ONE connection attempt that gives up
///   after `limit` (the lesson's also narrates it). Never connect any other way.
/// - Addresses are tried in the order given, each ONCE: an address that appears again later
///   in the list, next to its first place or further down, is skipped there (resolvers do
///   return duplicates); it is tried at its FIRST place.
/// - The deadline is shared: each attempt's `limit` is the time left until the deadline
///   (measured just before the attempt) divided by the number of distinct addresses not
///   tried yet, this one included. So a refusal that comes at once leaves its share to the
///   addresses after it, and the whole call ends by the deadline.
/// - No time left before an attempt (an attempt overran its limit, or `deadline` is zero):
///   make no more attempts, not even with a limit of zero. Return the first attempt's error,
///   or, when no attempt was made, an error of kind `io::ErrorKind::TimedOut`.
/// - The first attempt that succeeds wins: return its stream at once, and make no attempt
///   after it. An attempt that fails is not the end: the next address may answer.
/// - When every attempt has failed, return the error of the FIRST attempt, as it is (that
///   very `io::Error`, not a new one of the same kind): that is the address the resolver
///   preferred, and the later ones had less time.
/// - No address at all: no attempt, and an error of kind `io::ErrorKind::InvalidInput`.
/// - Print nothing: the lesson narrates each attempt around your function.
pub fn connect_any(
    addrs: &[SocketAddr],
    deadline: Duration,
    connect: impl FnMut(SocketAddr, Duration) -> io::Result<TcpStream>,
) -> io::Result<TcpStream> {
    let _ = (addrs, deadline, connect);
    todo!("connect to one of the addresses, within the deadline")
}
// ANCHOR_END: exercise
