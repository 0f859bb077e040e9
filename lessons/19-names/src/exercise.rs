// Lesson 19's exercise: try each address of a name in turn. Yours to write.
//
// Check it:       cargo exercise lesson-19-names
// Stuck?          cargo hint lesson-19-names      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-19-names

use std::io;
use std::net::{SocketAddr, TcpStream};

// ANCHOR: exercise
/// Connect to one of `addrs`, the addresses a name resolved to, in the resolver's order.
///
/// The contract (what the checks test):
/// - Every attempt goes through `connect(addr)`: it makes ONE connection attempt, with its
///   own timeout (the lesson's also narrates it). Never connect any other way.
/// - Addresses are tried in the order given. The first attempt that succeeds wins: return its
///   stream at once, and make no attempt after it.
/// - An attempt that fails is not the end: the next address may answer (`::1` refused says
///   nothing about `127.0.0.1`).
/// - When every attempt has failed, return the error of the LAST attempt, as it is (its kind
///   tells the caller what happened: refused, timed out…).
/// - No address at all: no attempt, and an error of kind `io::ErrorKind::InvalidInput`.
/// - Print nothing: the lesson narrates each attempt around your function.
pub fn connect_any(
    addrs: &[SocketAddr],
    connect: impl FnMut(SocketAddr) -> io::Result<TcpStream>,
) -> io::Result<TcpStream> {
    let _ = (addrs, connect);
    todo!("connect to one of the addresses")
}
// ANCHOR_END: exercise
