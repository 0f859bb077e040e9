//! The exercise's checks: your `new_socket` makes sockets here, in the test, and they are put
//! to work: bound, listened on, connected to, sent through. The checks look at what the
//! sockets can do, never at what anything prints. (`cargo exercise lesson-01-socket` runs them
//! on src/exercise.rs.)

use std::io::Read;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use lesson_01_socket::{new_socket, Kind};
use socket2::{SockAddr, Socket, Type};
use testkit::{fail, yours, Conn};

/// Your `new_socket(addr, kind)`, which must give a socket.
#[track_caller]
fn made(addr: &str, kind: Kind) -> Socket {
    let addr: SocketAddr = addr.parse().unwrap();
    match yours(|| new_socket(addr, kind)) {
        Ok(socket) => {
            not_bound_yet(&socket, addr, kind);
            socket
        }
        Err(e) => fail(
            &format!("new_socket({addr}, Kind::{kind:?}) returned an error instead of a socket."),
            "a socket",
            &format!("error: {e}"),
        ),
    }
}

/// A new socket is bound to nothing yet: its own address still has port 0.
#[track_caller]
fn not_bound_yet(socket: &Socket, addr: SocketAddr, kind: Kind) {
    let own = socket.local_addr().ok().and_then(|a| a.as_socket());
    if let Some(own) = own.filter(|a| a.port() != 0) {
        fail(
            &format!("new_socket({addr}, Kind::{kind:?}) bound the socket already."),
            "an unbound socket (port 0)",
            &format!("bound to {own}"),
        );
    }
}

/// The socket's type must be `expected`.
#[track_caller]
fn is_of_type(socket: &Socket, kind: Kind, expected: Type) {
    let got = socket.r#type().expect("getsockopt(SO_TYPE)");
    if got != expected {
        fail(
            &format!("A socket for Kind::{kind:?} is of the wrong type."),
            &format!("{expected:?}"),
            &format!("{got:?}"),
        );
    }
}

/// The socket must bind `addr` (a loopback address of port 0); returns the address it got.
#[track_caller]
fn binds(socket: &Socket, made_for: &str, addr: &str) -> SocketAddr {
    let addr: SocketAddr = addr.parse().unwrap();
    if let Err(e) = socket.bind(&SockAddr::from(addr)) {
        fail(
            &format!(
                "The socket made for {made_for} cannot bind {addr}: a socket can only take \
                 addresses of its own family."
            ),
            &format!("bind({addr}) -> ok"),
            &format!("bind({addr}) -> error: {e}"),
        );
    }
    socket.local_addr().unwrap().as_socket().unwrap()
}

/// Is IPv6 loopback available here? (Some containers have none: those checks are skipped.)
fn ipv6_here() -> bool {
    let here = std::net::TcpListener::bind("[::1]:0").is_ok();
    if !here {
        println!("note: this machine has no IPv6 loopback; skipping the IPv6 check");
    }
    here
}

/// `call` on `socket`, which has nothing to do yet, must wait (in blocking mode, here until
/// SO_RCVTIMEO gives up), not return at once.
#[track_caller]
fn waits(socket: &Socket, name: &str, call: impl FnOnce() -> std::io::Result<()>) {
    let wait = Duration::from_millis(100);
    socket.set_read_timeout(Some(wait)).expect("SO_RCVTIMEO");
    let start = Instant::now();
    let early = call();
    if start.elapsed() < wait / 2 {
        fail(
            &format!(
                "Your socket's {name}, with nothing to take yet, returned at once instead of \
                 waiting: the socket is not in blocking mode."
            ),
            &format!("{name} waits (100 ms here, then gives up)"),
            &format!("{name} -> {early:?} after {:?}", start.elapsed()),
        );
    }
}

/// A TCP socket: it listens, a client connects, and bytes go through the connection.
#[track_caller]
fn carries_a_connection(socket: Socket) {
    if let Err(e) = socket.listen(16) {
        fail(
            "A Kind::Stream socket cannot listen(): it is not a TCP socket.",
            "listen(16) -> ok",
            &format!("listen(16) -> error: {e}"),
        );
    }
    // No client yet: an accept() in blocking mode waits. (Only Linux lets SO_RCVTIMEO
    // limit accept(), socket(7); elsewhere it would wait for ever.)
    #[cfg(target_os = "linux")]
    waits(&socket, "accept()", || socket.accept().map(drop));
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    let mut client = Conn::open(addr);
    let (conn, _) = socket
        .accept()
        .expect("accept() a connection that is waiting");
    conn.send(b"hello\n").expect("send()");
    client.expect(b"hello\n");
}

/// A UDP socket: a datagram sent to its address arrives whole.
#[track_caller]
fn receives_a_datagram(socket: Socket, addr: SocketAddr) {
    // Nothing has been sent yet: a recv() in blocking mode waits.
    waits(&socket, "recv()", || {
        (&socket).read(&mut [0u8; 64]).map(drop)
    });
    let sender = UdpSocket::bind(SocketAddr::new(addr.ip(), 0)).expect("a UDP sender");
    sender.send_to(b"ping", addr).expect("send_to()");
    socket
        .set_read_timeout(Some(testkit::timeout()))
        .expect("SO_RCVTIMEO");
    let mut buf = [0u8; 64];
    match (&socket).read(&mut buf) {
        Ok(n) if &buf[..n] == b"ping" => {}
        Ok(n) => fail(
            "A Kind::Datagram socket received something else than the datagram sent to it.",
            "b\"ping\"",
            &common::show_bytes(&buf[..n]),
        ),
        Err(e) => fail(
            "A Kind::Datagram socket did not receive the datagram sent to it.",
            "b\"ping\"",
            &format!("recv() -> error: {e}"),
        ),
    }
}

#[test]
fn a_stream_for_an_ipv4_address_is_a_tcp_socket_of_ipv4() {
    let socket = made("127.0.0.1:0", Kind::Stream);
    is_of_type(&socket, Kind::Stream, Type::STREAM);
    binds(&socket, "127.0.0.1:0", "127.0.0.1:0");
    carries_a_connection(socket);
}

#[test]
fn a_stream_for_an_ipv6_address_is_a_tcp_socket_of_ipv6() {
    if !ipv6_here() {
        return;
    }
    let socket = made("[::1]:0", Kind::Stream);
    is_of_type(&socket, Kind::Stream, Type::STREAM);
    binds(&socket, "[::1]:0", "[::1]:0");
    carries_a_connection(socket);
}

#[test]
fn a_datagram_socket_for_an_ipv4_address_is_a_udp_socket_of_ipv4() {
    let socket = made("127.0.0.1:0", Kind::Datagram);
    is_of_type(&socket, Kind::Datagram, Type::DGRAM);
    let addr = binds(&socket, "127.0.0.1:0", "127.0.0.1:0");
    receives_a_datagram(socket, addr);
}

#[test]
fn a_datagram_socket_for_an_ipv6_address_is_a_udp_socket_of_ipv6() {
    if !ipv6_here() {
        return;
    }
    let socket = made("[::1]:0", Kind::Datagram);
    is_of_type(&socket, Kind::Datagram, Type::DGRAM);
    let addr = binds(&socket, "[::1]:0", "[::1]:0");
    receives_a_datagram(socket, addr);
}

#[test]
fn only_the_family_of_the_address_counts_and_nothing_is_bound_yet() {
    // Any IPv4 address makes an IPv4 socket; the socket is not bound to it (port 0 still).
    for (addr, kind, loopback) in [
        ("0.0.0.0:7001", Kind::Stream, "127.0.0.1:0"),
        ("192.0.2.1:9", Kind::Datagram, "127.0.0.1:0"),
    ] {
        let socket = made(addr, kind); // checks it is not bound
        binds(&socket, addr, loopback);
    }
}
