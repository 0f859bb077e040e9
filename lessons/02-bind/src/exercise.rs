// Lesson 02's exercise: bind, and find out where you are. Yours to write.
//
// Check it:       cargo exercise lesson-02-bind
// Stuck?          cargo hint lesson-02-bind      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-02-bind

use std::io;
use std::net::SocketAddr;

#[allow(unused_imports)]
use socket2::{SockAddr, Socket};

// ANCHOR: exercise
/// Bind `socket` to `addr`, and return the address the socket really has now.
///
/// The contract (what the checks test):
/// - Afterwards the socket is bound to `addr`: its IP address is `addr`'s, whichever it is
///   (`127.0.0.1`, `[::1]`, `0.0.0.0`), and so is its port, unless that is 0.
/// - Port 0 means "any free port": the kernel chooses one. Return the address with the port it
///   chose (never port 0): it is where clients will find the server.
/// - The address you return is the socket's own, the one it reports from now on.
/// - An address that another socket holds is refused by the kernel ("address already in use",
///   `ErrorKind::AddrInUse`): return that error as it is. No panic, no retry, no other port.
/// - Print nothing: the lesson narrates the call around your function.
pub fn bind_to(socket: &Socket, addr: SocketAddr) -> io::Result<SocketAddr> {
    let _ = (socket, addr);
    todo!("bind the socket, and return the address it really got")
}
// ANCHOR_END: exercise
