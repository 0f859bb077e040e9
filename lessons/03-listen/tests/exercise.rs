//! The exercise's checks: your `start_listening` runs here, in the test, on real bound sockets.
//! They check what the socket does afterwards (clients connect, or are refused) and, on Linux,
//! the backlog the kernel was given, read from its socket table; never what anything prints.
//! (`cargo exercise lesson-03-listen` runs them on src/exercise.rs.)

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpStream};

use lesson_03_listen::start_listening;
use socket2::{Domain, SockAddr, Socket, Type};
use testkit::{fail, yours};

/// A TCP socket bound to a free loopback port, not listening yet.
fn bound() -> (Socket, SocketAddr) {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket()");
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    socket.bind(&SockAddr::from(any)).expect("bind()");
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    (socket, addr)
}

/// Your `start_listening(socket, backlog)`, which must succeed here.
#[track_caller]
fn listening(socket: &Socket, backlog: usize) {
    if let Err(e) = yours(|| start_listening(socket, backlog)) {
        fail(
            &format!("start_listening(socket, {backlog}) returned an error."),
            "Ok(())",
            &format!("Err({e})"),
        );
    }
}

/// The backlog the kernel holds for the listening socket at `addr` (Linux, through netlink),
/// or `None` where it cannot be read (the check is then skipped).
#[cfg(target_os = "linux")]
fn kernel_backlog(addr: SocketAddr) -> Option<u32> {
    match common::kernel::lookup(addr, None) {
        common::kernel::View::Found(entry) => entry.backlog,
        _ => None,
    }
}

#[test]
fn the_socket_listens_and_a_client_waits_for_accept() {
    let (socket, addr) = bound();
    listening(&socket, 8);
    // The kernel completes the handshake on its own: connect() returns before any accept().
    match TcpStream::connect_timeout(&addr, testkit::timeout()) {
        Ok(_) => {}
        Err(e) => fail(
            "After start_listening(socket, 8) a client cannot connect: the socket does not listen.",
            &format!("connect({addr}) -> ok"),
            &format!("connect({addr}) -> error: {e}"),
        ),
    }
    socket.accept().expect("accept() the waiting connection");
}

#[cfg(target_os = "linux")]
#[test]
fn the_kernel_is_given_the_backlog_asked_for() {
    for backlog in [5, 17] {
        let (socket, addr) = bound();
        listening(&socket, backlog);
        let Some(got) = kernel_backlog(addr) else {
            println!("note: the kernel's socket table cannot be read here; check skipped");
            return;
        };
        if got as usize != backlog {
            fail(
                &format!(
                    "start_listening(socket, {backlog}) gave the kernel another backlog than \
                     the one asked for."
                ),
                &format!("listen() with a backlog of {backlog}"),
                &format!("listen() with a backlog of {got}"),
            );
        }
    }
}

#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[test]
fn a_backlog_too_large_for_an_int_asks_for_the_most_not_a_wrapped_number() {
    let most: u32 = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4096);
    // 2^32 + 5: cast to an i32 it wraps around to 5.
    let huge = (1usize << 32) + 5;
    let (socket, addr) = bound();
    listening(&socket, huge);
    let Some(got) = kernel_backlog(addr) else {
        println!("note: the kernel's socket table cannot be read here; check skipped");
        return;
    };
    if got != most {
        let what = match got {
            5 => "a small backlog: the number wrapped around on its way to listen()'s int",
            _ => "another backlog than the one asked for (the most there is)",
        };
        fail(
            &format!("start_listening(socket, {huge}) gave the kernel {what}."),
            &format!("the most the kernel allows: {most} (net.core.somaxconn)"),
            &format!("a backlog of {got}"),
        );
    }
}

#[test]
fn a_backlog_of_0_is_refused_and_the_socket_does_not_listen() {
    let (socket, addr) = bound();
    match yours(|| start_listening(&socket, 0)) {
        Err(e) if e.kind() == ErrorKind::InvalidInput => {}
        Err(e) => fail(
            "start_listening(socket, 0) returned another kind of error.",
            "Err(…)  (ErrorKind::InvalidInput)",
            &format!("Err({e})  (ErrorKind::{:?})", e.kind()),
        ),
        Ok(()) => fail(
            "start_listening(socket, 0) returned Ok: a backlog of 0 must be refused.",
            "Err(…)  (ErrorKind::InvalidInput)",
            "Ok(())",
        ),
    }
    // Refused means refused: the socket must not listen (a client's SYN gets a reset).
    if let Ok(conn) = TcpStream::connect_timeout(&addr, testkit::timeout()) {
        drop(conn);
        fail(
            "start_listening(socket, 0) returned the error, but the socket listens anyway: \
             listen() was called before the backlog was checked.",
            &format!("connect({addr}) -> error: connection refused"),
            &format!("connect({addr}) -> ok"),
        );
    }
}

#[test]
fn an_error_from_the_kernel_is_returned_as_it_is() {
    // A UDP socket cannot listen: the kernel refuses (EOPNOTSUPP on Linux and macOS).
    let udp = || {
        let socket = Socket::new(Domain::IPV4, Type::DGRAM, None).expect("socket(UDP)");
        let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
        socket.bind(&SockAddr::from(any)).expect("bind()");
        socket
    };
    let Err(kernel) = udp().listen(8) else {
        println!("note: this system lets a UDP socket listen; check skipped");
        return;
    };
    let socket = udp();
    match yours(|| start_listening(&socket, 8)) {
        Err(e) if e.raw_os_error() == kernel.raw_os_error() => {}
        Err(e) => fail(
            "start_listening on a UDP socket returned an error, but not the kernel's: return \
             listen()'s error as it is, so that the caller can tell what went wrong.",
            &format!("Err({kernel})  (os error {:?})", kernel.raw_os_error()),
            &format!("Err({e})  (os error {:?})", e.raw_os_error()),
        ),
        Ok(()) => fail(
            "start_listening on a UDP socket returned Ok: listen() failed there, and its error \
             was lost.",
            &format!("Err({kernel})"),
            "Ok(())",
        ),
    }
}

#[test]
fn a_socket_that_was_never_bound_is_refused_and_left_unbound() {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket()");
    let port = |s: &Socket| {
        s.local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .map(|a| a.port())
    };
    let result = yours(|| start_listening(&socket, 8));
    let after = port(&socket);
    let listened = after.is_some_and(|p| p != 0);
    match result {
        Err(e) if e.kind() == ErrorKind::InvalidInput && !listened => {}
        Err(e) if e.kind() == ErrorKind::InvalidInput => fail(
            "start_listening refused the unbound socket, but only after listen(): the kernel \
             had already bound it to a port of its choosing, and it listens there.",
            "Err(…)  (ErrorKind::InvalidInput), the socket still unbound (port 0)",
            &format!("Err({e}), the socket bound to port {}", after.unwrap_or(0)),
        ),
        Err(e) => fail(
            "start_listening(unbound socket, 8) returned another kind of error.",
            "Err(…)  (ErrorKind::InvalidInput)",
            &format!("Err({e})  (ErrorKind::{:?})", e.kind()),
        ),
        Ok(()) => fail(
            &format!(
                "start_listening(socket, 8) on a socket that was never bound returned Ok: \
                 listen() bound it by itself, to port {} on every address, which no client \
                 knows.",
                after.unwrap_or(0)
            ),
            "Err(…)  (ErrorKind::InvalidInput), the socket still unbound (port 0)",
            "Ok(())",
        ),
    }
}
