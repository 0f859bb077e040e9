//! The exercise's checks: your `bind_to` binds real sockets here, in the test. They check the
//! address it returns against the one the socket really has, whether clients can reach it, and
//! what it does when the address is taken; never what anything prints.
//! (`cargo exercise lesson-02-bind` runs them on src/exercise.rs.)

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpListener};

use lesson_02_bind::bind_to;
use socket2::{Domain, Socket, Type};
use testkit::{fail, yours, Conn};

/// A new TCP socket for addresses like `addr`, not bound yet.
fn unbound(addr: SocketAddr) -> Socket {
    Socket::new(Domain::for_address(addr), Type::STREAM, None).expect("socket()")
}

/// The address the socket really has (getsockname), as the kernel says.
fn own_address(socket: &Socket) -> Option<SocketAddr> {
    socket.local_addr().ok().and_then(|a| a.as_socket())
}

/// Your `bind_to(socket, addr)`, which must succeed here.
#[track_caller]
fn bound(socket: &Socket, addr: SocketAddr) -> SocketAddr {
    match yours(|| bind_to(socket, addr)) {
        Ok(returned) => returned,
        Err(e) => fail(
            &format!("bind_to(socket, {addr}) returned an error for a free address."),
            "Ok(the address the socket got)",
            &format!("Err({e})"),
        ),
    }
}

/// What `bind_to` returned must be the socket's own address, now.
#[track_caller]
fn is_the_sockets_own(socket: &Socket, asked: SocketAddr, returned: SocketAddr) {
    let own = own_address(socket);
    if own != Some(returned) {
        let own = own.map_or("no address".to_string(), |a| a.to_string());
        fail(
            &format!(
                "bind_to(socket, {asked}) returned an address the socket does not have \
                 (the kernel says the socket is at {own})."
            ),
            &own,
            &returned.to_string(),
        );
    }
}

#[test]
fn port_0_gets_a_real_port_and_returns_it() {
    let asked: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let socket = unbound(asked);
    let returned = bound(&socket, asked);
    if returned.ip() != asked.ip() {
        fail(
            "bind_to(socket, 127.0.0.1:0) bound (or returned) another IP address than the one \
             it was given.",
            "127.0.0.1:PORT",
            &returned.to_string(),
        );
    }
    if returned.port() == 0 {
        fail(
            "With port 0 the kernel chooses a free port: return the address with THAT port.",
            "127.0.0.1:PORT, PORT the one the kernel chose (not 0)",
            &returned.to_string(),
        );
    }
    is_the_sockets_own(&socket, asked, returned);
    // Clients find the server at the address returned.
    socket.listen(8).expect("listen()");
    Conn::open(returned);
}

#[test]
fn the_socket_is_bound_to_the_ip_it_was_given() {
    for asked in ["127.0.0.1:0", "0.0.0.0:0"] {
        let asked: SocketAddr = asked.parse().unwrap();
        let socket = unbound(asked);
        let returned = bound(&socket, asked);
        let own = own_address(&socket);
        if own.map(|a| a.ip()) != Some(asked.ip()) {
            fail(
                &format!("bind_to(socket, {asked}) bound the socket to another IP address."),
                &format!("{}:PORT", asked.ip()),
                &own.map_or("no address".to_string(), |a| a.to_string()),
            );
        }
        is_the_sockets_own(&socket, asked, returned);
    }
}

#[test]
fn an_ipv6_address_is_bound_too() {
    if TcpListener::bind("[::1]:0").is_err() {
        println!("note: this machine has no IPv6 loopback; skipping the IPv6 check");
        return;
    }
    let asked: SocketAddr = "[::1]:0".parse().unwrap();
    let socket = unbound(asked);
    let returned = bound(&socket, asked);
    is_the_sockets_own(&socket, asked, returned);
}

#[test]
fn a_port_that_is_taken_is_an_error_address_in_use() {
    // Another socket listens on a port; binding the same address must be refused.
    let holder = TcpListener::bind("127.0.0.1:0").expect("a listener that holds a port");
    let taken = holder.local_addr().unwrap();
    let socket = unbound(taken);
    let result: io::Result<SocketAddr> = yours(|| bind_to(&socket, taken));
    match result {
        Err(e) if e.kind() == ErrorKind::AddrInUse => {}
        Err(e) => fail(
            &format!("bind_to(socket, {taken}) on a taken address returned another error."),
            "Err(address already in use)  (ErrorKind::AddrInUse)",
            &format!("Err({e})  (ErrorKind::{:?})", e.kind()),
        ),
        Ok(returned) => fail(
            &format!(
                "bind_to(socket, {taken}) returned Ok, but another socket holds that address: \
                 the kernel refused the bind."
            ),
            "Err(address already in use)",
            &format!("Ok({returned})"),
        ),
    }
}
