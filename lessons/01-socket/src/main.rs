//! Lesson 01: `socket()`, the first call.
//!
//! A socket is the kernel's object for one end of a conversation. `socket()` makes one and
//! hands back a handle to it; nothing goes on the network yet. This lesson creates sockets of
//! different kinds, then runs one whole TCP exchange — socket, bind, listen, connect, accept,
//! send, recv, close — so that you have seen every call once before the next lessons take them
//! one at a time.
//!
//! The exchange: the client sends `hello\n`, the server answers `HELLO\n`, both close.

use std::net::SocketAddr;
use std::process::ExitCode;

use common::narrate::family;
use common::talk::{getsockname, give_up_after, local_addr, recv_line, reuse_address, send_all};
use common::{Flag, Lesson, Narrator, Options, Result};
use lesson_01_socket::socket_for;
use socket2::{SockAddr, Socket};

/// The longest line the lesson reads.
const MAX_LINE: usize = 1024;

static LESSON: Lesson = Lesson {
    package: "lesson-01-socket",
    title: "socket(): the first call, and a whole TCP exchange at a glance",
    port: 7001,
    about:
        "The demo creates TCP sockets for IPv4 and IPv6 and a UDP socket, then runs one exchange:\n\
            the client sends b\"hello\\n\", the server answers b\"HELLO\\n\", both close.\n\
            The server serves one client, then exits. Try it with: nc 127.0.0.1 7001",
    flags: &[Flag {
        name: "--limit-ms",
        value: Some("MS"),
        help: "server: give up on a client that has not finished within MS ms (default 30000)",
    }],
};

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: kinds
/// Make one socket of each kind the lesson talks about, and drop it again.
fn show_kinds(say: &Narrator) -> Result<()> {
    for (spec, call) in [
        (
            "tcp://127.0.0.1:0",
            "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)",
        ),
        (
            "tcp://[::1]:0",
            "socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP)",
        ),
        (
            "udp://127.0.0.1:0",
            "socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP)",
        ),
    ] {
        let why = "ask the kernel for a new, unconnected socket";
        let made = || socket_for(spec).map(|(socket, _)| socket);
        let socket = say.call_then(call, why, made, type_of)?;
        say.kernel(&socket);
        // Dropping a socket closes it: the kernel forgets it at once, nothing was sent.
        drop(socket);
    }
    Ok(())
}

/// `ok, a SOCK_STREAM socket`: the type the kernel reports for the socket (SO_TYPE).
fn type_of(socket: &Socket) -> String {
    match socket.r#type() {
        Ok(kind) => format!("ok, a {kind:?} socket"),
        Err(_) => "ok".to_string(),
    }
}
// ANCHOR_END: kinds

// ANCHOR: listen_on
/// The server's first three calls: socket, bind, listen. (Plus one option, so that you can
/// start the server again at once: chapter 2 explains it.)
fn listen_on(opts: &Options, say: &Narrator) -> Result<Socket> {
    let addr = opts.addr;
    let socket = format!("socket({}, SOCK_STREAM)", family(&addr));
    let listener = say.call(socket, "make the socket that will listen", || {
        socket_for(&format!("tcp://{addr}")).map(|(socket, _)| socket)
    })?;
    reuse_address(&listener, say)?;
    // bind(), then getsockname(): with port 0, only the socket knows which port it got.
    let bind = || {
        listener
            .bind(&SockAddr::from(addr))
            .and_then(|()| getsockname(&listener))
    };
    let bound = say.call_then(
        format!("bind({addr})"),
        "give the socket its address",
        bind,
        |b| format!("ok, bound to {b}"),
    )?;
    let why = "let the kernel accept connections for us";
    say.call_with(
        &listener,
        "listen(backlog=128)",
        why,
        || listener.listen(128),
        |_| "ok".into(),
    )?;
    opts.ready(bound);
    Ok(listener)
}
// ANCHOR_END: listen_on

// ANCHOR: connect_to
/// The client's first two calls: socket, connect.
fn connect_to(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    let call = format!("socket({}, SOCK_STREAM)", family(&addr));
    let socket = say.call(call, "make the client's socket", || {
        socket_for(&format!("tcp://{addr}")).map(|(socket, _)| socket)
    })?;
    let why = "open a TCP connection to the server";
    let connect = || socket.connect(&SockAddr::from(addr));
    say.call_with(&socket, format!("connect({addr})"), why, connect, |_| {
        "ok".into()
    })?;
    Ok(socket)
}
// ANCHOR_END: connect_to

// ANCHOR: accept
/// Take the next connection from the listening socket's queue.
fn accept_one(listener: &Socket, say: &Narrator) -> Result<Socket> {
    let why = "take the first connection from the accept queue";
    let (conn, _) = say.call_then(
        "accept()",
        why,
        || listener.accept(),
        |(_, peer)| {
            let peer = peer.as_socket().map_or("?".to_string(), |a| a.to_string());
            format!("ok, a new socket for the client at {peer}")
        },
    )?;
    say.kernel(&conn);
    Ok(conn)
}
// ANCHOR_END: accept

// ANCHOR: close
/// Close a socket. In Rust that is `drop`: the handle goes away, and for a connection the
/// kernel sends FIN. The kernel may keep the connection a while longer (lesson 08).
fn close(socket: Socket, name: &str, say: &Narrator) {
    let local = socket.local_addr().ok().and_then(|a| a.as_socket());
    let peer = socket.peer_addr().ok().and_then(|a| a.as_socket());
    common::talk::close(socket, name, say);
    if let Some(local) = local {
        say.kernel_at(local, peer);
    }
}
// ANCHOR_END: close

// ANCHOR: demo
/// Both sides in one process, one call at a time. Nothing here needs a second thread: the
/// kernel completes the handshake and holds bytes until the other side asks for them.
fn demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let client = opts.narrator("client");

    show_kinds(&opts.narrator("kinds"))?;
    let listener = listen_on(opts, &server)?;
    let addr = local_addr(&listener, &server)?;
    let to_server = connect_to(addr, &client)?;
    // The connection is complete before the server accepts it: it waits in the accept queue.
    server.kernel(&listener);
    let to_client = accept_one(&listener, &server)?;

    send_all(&to_server, b"hello\n", &client)?;
    let request = recv_line(&to_client, MAX_LINE, &server)?;
    send_all(&to_client, &request.to_ascii_uppercase(), &server)?;
    recv_line(&to_server, MAX_LINE, &client)?;

    close(to_server, "client socket", &client);
    // The client's FIN has arrived: the server's side waits for its own close().
    server.kernel(&to_client);
    close(to_client, "connection", &server);
    close(listener, "listener", &server);
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: server
/// Serve one client: read its line, answer it in upper case, close. A client that never
/// finishes its line is given up on after `--limit-ms`.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let listener = listen_on(opts, &say)?;
    let conn = accept_one(&listener, &say)?;
    give_up_after(opts.millis("--limit-ms", 30_000)?, &say);
    let request = recv_line(&conn, MAX_LINE, &say)?;
    send_all(&conn, &request.to_ascii_uppercase(), &say)?;
    close(conn, "connection", &say);
    close(listener, "listener", &say);
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
/// Send `hello\n`, read the answer, close.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let conn = connect_to(opts.addr, &say)?;
    send_all(&conn, b"hello\n", &say)?;
    let answer = recv_line(&conn, MAX_LINE, &say)?;
    println!("answer: {}", String::from_utf8_lossy(&answer).trim_end());
    close(conn, "client socket", &say);
    Ok(())
}
// ANCHOR_END: client
