// Lesson 02's exercise: a pair of ports, an even one and the next, as an RTP media session
// takes them (RFC 3550, section 11). Yours to write.
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
/// Bind two sockets on `ip` to a pair of ports of `ports`: an even port `p` (for RTP) and the
/// next one, `p + 1` (for RTCP), both in the range and both free. Return the two sockets,
/// `(socket on p, socket on p + 1)`. Where the search begins is the caller's: `start`, a port
/// of the range (a server picks it at random, as RFC 6056, section 3.3.1, does for the ports a
/// kernel picks itself).
///
/// The contract (what the checks test):
/// - Every attempt goes through `bind(addr)`: ONE new socket, bound to `addr` (the lesson's
///   narrates socket(), setsockopt() and bind()). It returns the bound socket, or bind()'s
///   error, with the failed socket already closed. Make and bind no socket any other way, and
///   return both sockets as bind(addr) gave them: bound, not listening.
/// - The pairs of the range are its even ports `p` with `p + 1` in the range too. The first
///   pair tried is the first whose even port is at or after `start` (if there is none, the
///   range's first pair); then the following pairs up to the range's last pair, then from the
///   range's first pair on, up to the pair before the first one tried. Every pair is tried at
///   most once; every port is asked for at most once, on `ip`; an odd port only right after its
///   even port bound, and nothing after the pair is bound. Ports that belong to no pair are
///   never asked for.
/// - From the attempt on `p` to the one on `p + 1`, no other program can take `p` (the checks
///   try, with a bind() of their own). A pair that cannot be completed holds nothing: by the
///   next attempt, `p` is free for others again.
/// - "Address already in use" (`io::ErrorKind::AddrInUse`) from either port: that pair is
///   taken, the next may be free. Any other error, from either port, is about the address or
///   the program, not one port (an IP address this machine lacks, no permission, no file
///   descriptor left, …): return it at once, as it is (bind()'s own `io::Error`, not a new
///   one: the caller reads its OS error code), with no socket left open.
/// - A range that contains port 0 (bind() would take ANY port), a range that holds no pair at
///   all (`7001..=7002`, `7010..=7000`), and a `start` outside the range are errors of kind
///   `io::ErrorKind::InvalidInput`, and no attempt is made.
/// - When every pair of the range is taken: an error of kind `AddrInUse` whose message names
///   the range (its first and its last port), not the last attempt's bare error.
/// - Every range of `u16` works, however long (no limit on the attempts), up to the last
///   port there is, 65535. bind() never waits, and neither does the search.
/// - Print nothing: the lesson narrates each attempt.
pub fn bind_pair(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    start: u16,
    bind: impl FnMut(SocketAddr) -> io::Result<Socket>,
) -> io::Result<(Socket, Socket)> {
    let _ = (ip, ports, start, bind);
    todo!("bind a free pair of ports of the range, the search beginning at start")
}
// ANCHOR_END: exercise
