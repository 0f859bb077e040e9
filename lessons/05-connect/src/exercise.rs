//! Lesson 05 exercise: connect, with a timeout and clear errors.
//!
//! Check your work with:   cargo exercise lesson-05-connect
//! Run your version with:  cargo run -p lesson-05-connect --features exercise

use std::net::SocketAddr;
use std::time::Duration;

#[allow(unused_imports)] // You will need these.
use common::narrate::family;
use common::{Narrator, Result};
#[allow(unused_imports)] // And these.
use socket2::{Domain, SockAddr, Socket, Type};

// ANCHOR: exercise
/// Open a TCP connection to `addr`, giving up after `timeout`. A failure names the call and
/// says what to try: a refusal and a timeout mean different things.
///
/// TODO:
///   - make the socket (`Socket::new`), narrated like every call: `say.next(...)` before,
///     `say.done(...)` after, errors through `.map_err(|e| say.fail(e))?`;
///   - narrate `connect_timeout(ADDR, MS ms)`, then call `socket.connect_timeout(...)`;
///   - on success: `say.done_with(&socket, "ok, ...")` and return the socket;
///   - on `ErrorKind::ConnectionRefused`: `say.fail(e).with_hint(...)` telling the learner to
///     start the server: `cargo run -p lesson-05-connect -- server`;
///   - on `ErrorKind::TimedOut`: a hint that says no answer came within MS ms.
pub fn connect_with_timeout(addr: SocketAddr, timeout: Duration, say: &Narrator) -> Result<Socket> {
    let _ = (addr, timeout, say);
    todo!("create a socket and connect it, with a timeout")
}
// ANCHOR_END: exercise
