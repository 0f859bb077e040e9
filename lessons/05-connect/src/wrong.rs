//! A plausible wrong answer to lesson 05's exercise, kept to prove the tests catch it:
//! it calls plain `connect()` and forgets the timeout, so a connection attempt that gets no
//! answer blocks for as long as the kernel keeps retrying (about two minutes on Linux).

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use common::narrate::family;
use common::{Narrator, Result};
use socket2::{Domain, SockAddr, Socket, Type};

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
    match socket.connect(&SockAddr::from(addr)) {
        Ok(()) => {
            say.done_with(&socket, "ok, the handshake is done");
            Ok(socket)
        }
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => Err(say.fail(e).with_hint(
            "is the server running? (start it with: cargo run -p lesson-05-connect -- server)",
        )),
        Err(e) => Err(say.fail(e)),
    }
}
