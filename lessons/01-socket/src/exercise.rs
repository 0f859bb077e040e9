// Lesson 01's exercise: the socket an endpoint needs. Yours to write.
//
// Check it:       cargo exercise lesson-01-socket
// Stuck?          cargo hint lesson-01-socket      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-01-socket

use std::io;

#[allow(unused_imports)]
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

// ANCHOR: exercise
/// A new socket for the endpoint `spec` names, and the endpoint's address, ready for the
/// bind() or connect() that comes next (this function does neither).
///
/// The contract (what the checks test):
/// - `tcp://IP:PORT` is a TCP socket: a byte stream (SOCK_STREAM) carried by IPPROTO_TCP.
///   `udp://IP:PORT` is a UDP socket: datagrams (SOCK_DGRAM) carried by IPPROTO_UDP.
/// - The family comes from the address, not from the scheme: `tcp://127.0.0.1:7001` is
///   AF_INET, `tcp://[::1]:7001` is AF_INET6 (an IPv6 address, and only an IPv6 address, is
///   written in brackets; `[::ffff:127.0.0.1]`, written as IPv6, is AF_INET6 too). The port
///   is a number from 0 to 65535 in digits alone, and nothing follows it. Any IP and port
///   will do (`0.0.0.0:0`, `192.0.2.1:9`, `255.255.255.255:65535`): they choose nothing else.
/// - `unix:PATH` is a local stream socket, AF_UNIX and SOCK_STREAM, for the file PATH
///   (`unix:/tmp/lesson.sock`): PATH is everything after `unix:`, as written, relative or
///   not, every slash and space kept (`unix://x` is the path `//x`). AF_UNIX has no TCP: its
///   protocol is the type's default.
/// - The scheme may be written in any case (`TCP://`, `Udp://`, `UNIX:`), as URL schemes may.
/// - A spec that names no such endpoint is an error of kind `io::ErrorKind::InvalidInput`
///   whose message quotes the spec: no scheme (`127.0.0.1:80`, or a space before it), another
///   scheme (`http://…`, `sctp://…`), no port or one that is not a port (`+80`, `65536`,
///   `80/`, `80 `), an address that is not an IP address (a name such as `localhost` may
///   stand for addresses of both families: chapter 19 chooses), `unix:` with no path or one
///   too long for an AF_UNIX address (108 bytes on Linux). Never a panic, whatever the spec
///   (`tcp:/é`).
/// - An error from the kernel is returned as it is.
/// - The socket is new: not bound, not connected, in blocking mode, no option set (the lesson
///   sets SO_REUSEADDR itself), and closed on exec (SOCK_CLOEXEC, as every descriptor std and
///   socket2 make): a program the process starts does not inherit it.
/// - Nothing else is touched: no file at PATH is created or removed (bind() comes later), and
///   no descriptor stays open but the socket returned, even on the way to an error.
/// - Print nothing: the lesson narrates each call around your function.
pub fn socket_for(spec: &str) -> io::Result<(Socket, SockAddr)> {
    let _ = spec;
    todo!("read the spec, then make the socket it needs")
}
// ANCHOR_END: exercise
