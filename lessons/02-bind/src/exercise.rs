//! Lesson 02 exercise: bind, and find out which address you got.
//!
//! Check your work with:   cargo exercise lesson-02-bind
//! Run your version with:  cargo run -p lesson-02-bind --features exercise

use std::io;
use std::net::SocketAddr;

#[allow(unused_imports)] // You will need these.
use socket2::{SockAddr, Socket};

// ANCHOR: exercise
/// Bind `socket` to `addr` and return the address it really got.
///
/// TODO:
///   - bind the socket: `socket.bind(&SockAddr::from(addr))`;
///   - ask the socket for its address with `socket.local_addr()`: when `addr` has port 0,
///     that is the only way to learn the port the kernel chose;
///   - turn the `SockAddr` into a `SocketAddr` (`.as_socket()` gives an `Option`);
///   - return errors with `?`, never `unwrap()`: "address already in use" is an answer
///     bind() gives every day, and the lesson reports it to the user with a hint.
pub fn bind_to(socket: &Socket, addr: SocketAddr) -> io::Result<SocketAddr> {
    let _ = (socket, addr);
    todo!("bind the socket and read back its address")
}
// ANCHOR_END: exercise
