//! Reference solution for lesson 05's exercise. (Yours goes in exercise.rs.)

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use common::narrate::family;
use common::{Narrator, Result};
use socket2::{Domain, SockAddr, Socket, Type};

// ANCHOR: solution
/// Open a TCP connection to `addr`, giving up after `timeout`. A failure names the call and
/// says what to try: a refusal and a timeout mean different things.
pub fn connect_with_timeout(addr: SocketAddr, timeout: Duration, say: &Narrator) -> Result<Socket> {
    say.next(
        format!("socket({}, SOCK_STREAM)", family(&addr)),
        "make the client's socket",
    );
    let socket =
        Socket::new(Domain::for_address(addr), Type::STREAM, None).map_err(|e| say.fail(e))?;
    say.done("ok");

    let ms = timeout.as_millis();
    say.next(
        format!("connect_timeout({addr}, {ms} ms)"),
        "send SYN and wait for SYN-ACK, but not longer than the timeout",
    );
    match socket.connect_timeout(&SockAddr::from(addr), timeout) {
        Ok(()) => {
            say.done_with(&socket, "ok, the handshake is done");
            Ok(socket)
        }
        // RST: the machine answered, but nobody listens on that port.
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => Err(say.fail(e).with_hint(
            "is the server running? (start it with: cargo run -p lesson-05-connect -- server)",
        )),
        // Silence: our SYN went unanswered (lost, dropped, or nobody at that address).
        Err(e) if e.kind() == ErrorKind::TimedOut => Err(say.fail(e).with_hint(format!(
            "no answer to our SYN within {ms} ms; is the address right, is the server \
             overloaded? (a longer --timeout waits more)"
        ))),
        Err(e) => Err(say.fail(e)),
    }
}
// ANCHOR_END: solution
