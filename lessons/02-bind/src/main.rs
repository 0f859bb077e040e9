//! Lesson 02: `bind()`, an address for the socket.
//!
//! A new socket has no address. `bind()` gives it one: an IP address (which of the machine's
//! addresses it answers on) and a port. This lesson binds a server to port 0 and reads back the
//! port the kernel chose, shows a second socket being refused the same address, lets a client
//! get its address implicitly at connect(), and restarts the server on its old port while the
//! last connection is still in TIME_WAIT: refused without SO_REUSEADDR, allowed with it.
//! Last, two media servers each take a pair of ports, an even one for RTP and the next for
//! RTCP, from the same range, while another program holds one port of it, each search starting
//! where it is told and going round the range (`bind_pair`, the exercise; `--ports LO-HI`, from
//! a random start).
//!
//! The exchange: the client sends `hello\n`; the server answers with the address it sees the
//! client at, `you are 127.0.0.1:PORT\n`, and closes first; then the client closes.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::process::ExitCode;
use std::str::FromStr;

use common::narrate::family;
use common::talk::{getsockname, give_up_after, recv_line, send_all};
use common::{Flag, Lesson, LessonError, Narrator, Options, Result};
use lesson_02_bind::{bind_pair, free_ports};
use socket2::{Domain, SockAddr, Socket, Type};

static LESSON: Lesson = Lesson {
    package: "lesson-02-bind",
    title: "bind(): an address for the socket",
    port: 7002,
    about: "The demo binds a server to 127.0.0.1 port 0 and reads back the port the kernel chose,\n\
            shows a second socket refused the same address (address already in use), connects a\n\
            client (which gets its own address implicitly, at connect), and restarts the server on\n\
            its old port while the finished connection is in TIME_WAIT. Last, two media servers take\n\
            an RTP/RTCP pair of ports (an even one and the next) from the same range, while another\n\
            program holds one of its ports.\n\n\
            The exchange: the client sends b\"hello\\n\" (any line of up to 1024 bytes will do); the\n\
            server answers b\"you are 127.0.0.1:PORT\\n\" (the client's address as the server sees\n\
            it), closes the connection first, and exits. Try it with:\n    \
            printf 'hello\\n' | nc 127.0.0.1 7002\n\
            Start a second server on the same address to see \"address already in use\".",
    flags: &[
        Flag {
            name: "--limit-ms",
            value: Some("MS"),
            help: "server: give up on a client that has not finished within MS ms (default 30000)",
        },
        Flag {
            name: "--no-reuseaddr",
            value: None,
            help: "server: do not set SO_REUSEADDR (a restart then fails while the last connection is in TIME_WAIT)",
        },
        Flag {
            name: "--ports",
            value: Some("LO-HI"),
            help: "server: take a free pair of ports from LO to HI (an even one and the next), the search starting at a random port of the range and wrapping round it, on --addr's IP address (its port is then unused); serve on the even one",
        },
    ],
};

/// The longest line the server reads: a client that never sends a newline cannot make it
/// buffer without end.
const MAX_LINE: usize = 1024;

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: socket
/// socket(): a TCP socket of the address's family, with no address yet.
fn new_socket(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    let call = format!("socket({}, SOCK_STREAM)", family(&addr));
    say.call(call, "make a socket; it has no address yet", || {
        Socket::new(Domain::for_address(addr), Type::STREAM, None)
    })
}

/// setsockopt(SO_REUSEADDR): allow bind() while an old connection on the port is in TIME_WAIT.
/// It does NOT let two sockets listen on the same address. std's `TcpListener::bind` sets it
/// on Unix, and so does this lesson. On Windows the same name means something else (another
/// program could take over the port), so std leaves it off there, and so do we.
fn reuse_address(socket: &Socket, say: &Narrator) -> Result<()> {
    if cfg!(unix) {
        let why = "allow a restart on a port whose last connection is in TIME_WAIT";
        say.call("setsockopt(SO_REUSEADDR, 1)", why, || {
            socket.set_reuse_address(true)
        })?;
    }
    Ok(())
}
// ANCHOR_END: socket

// ANCHOR: bind
/// bind(): attach `addr` to the socket. With port 0, the kernel picks a free port.
fn bind(socket: &Socket, addr: SocketAddr, say: &Narrator) -> Result<SocketAddr> {
    let why = "give the socket its local address";
    let bind = || {
        socket.bind(&SockAddr::from(addr))?;
        // getsockname(): the address the socket really got. With port 0, only the socket
        // knows which port the kernel chose.
        getsockname(socket)
    };
    say.call_then(format!("bind({addr})"), why, bind, |bound| {
        match addr.port() {
            0 => format!("ok, the kernel chose a free port: {bound}"),
            _ => format!("ok, bound to {bound}"),
        }
    })
    .map_err(|e| in_use_hint(e, addr))
}

/// "Address already in use" deserves a better hint than the generic one.
fn in_use_hint(err: LessonError, addr: SocketAddr) -> LessonError {
    if err.kind() != Some(std::io::ErrorKind::AddrInUse) {
        return err;
    }
    let port = addr.port();
    let any_port = SocketAddr::new(addr.ip(), 0);
    err.with_hint(format!(
        "another socket already uses port {port} here: a server still running (see it with: \
         ss -tlnp 'sport = :{port}'), or a connection on that port that just ended and waits in \
         TIME_WAIT (then both the old and the new socket need SO_REUSEADDR); stop the other \
         server, or let the kernel choose a free port: --addr {any_port}"
    ))
}
// ANCHOR_END: bind

// ANCHOR: range
/// On Linux, say where port-0 ports come from: the ephemeral range, a setting of the kernel.
#[cfg(target_os = "linux")]
fn show_ephemeral_range(bound: SocketAddr, say: &Narrator) {
    const RANGE: &str = "/proc/sys/net/ipv4/ip_local_port_range";
    let Ok(text) = std::fs::read_to_string(RANGE) else {
        return;
    };
    let mut ends = text
        .split_whitespace()
        .filter_map(|p| p.parse::<u16>().ok());
    if let (Some(low), Some(high)) = (ends.next(), ends.next()) {
        let verdict = match (low..=high).contains(&bound.port()) {
            true => "the port it chose is one of them",
            false => "yet the port it chose is outside it",
        };
        say.note(format!(
            "kernel: ephemeral ports are {low}-{high} ({RANGE}); {verdict}"
        ));
    }
}

#[cfg(not(target_os = "linux"))]
fn show_ephemeral_range(_bound: SocketAddr, _say: &Narrator) {}
// ANCHOR_END: range

// ANCHOR: listen_on
/// The server: socket, SO_REUSEADDR (unless told not to), bind, listen.
fn listen_on(
    addr: SocketAddr,
    reuse: bool,
    opts: &Options,
    say: &Narrator,
) -> Result<(Socket, SocketAddr)> {
    let listener = new_socket(addr, say)?;
    if reuse {
        reuse_address(&listener, say)?;
    }
    let bound = bind(&listener, addr, say)?;
    // A socket that is bound but not listening is not in the kernel's TCP table yet.
    say.kernel(&listener);
    if addr.port() == 0 {
        show_ephemeral_range(bound, say);
    }
    listen(&listener, say)?;
    opts.ready(bound);
    Ok((listener, bound))
}

/// listen(): from now on, the kernel accepts connections on the socket's address.
fn listen(listener: &Socket, say: &Narrator) -> Result<()> {
    let why = "accept connections on this address";
    say.call_with(
        listener,
        "listen(backlog=128)",
        why,
        || listener.listen(128),
        ok,
    )
}
// ANCHOR_END: listen_on

// ANCHOR: attempt
/// One attempt of `bind_pair` (your exercise): a new socket, SO_REUSEADDR, bind(addr), each
/// call narrated. A refusal is an answer that bind_pair reads (it decides by the error's
/// kind), not the end of the lesson: hence an `io::Result`.
fn attempt(addr: SocketAddr, reuse: bool, say: &Narrator) -> io::Result<Socket> {
    let socket = new_socket(addr, say).map_err(into_io)?;
    if reuse {
        reuse_address(&socket, say).map_err(into_io)?;
    }
    // On failure the socket is dropped here, which closes it: no descriptor is left behind.
    bind(&socket, addr, say).map_err(into_io)?;
    Ok(socket)
}

/// The operating system's error inside a lesson's error: its kind is what counts.
fn into_io(err: LessonError) -> io::Error {
    err.source.unwrap_or_else(|| io::Error::other(err.reason))
}

/// A media server: a free pair of ports of a range (`--ports LO-HI`), the search beginning at
/// `start`, RTP on the even one and RTCP on the next, both listening. Also returns the RTP
/// socket's address.
fn listen_on_pair(
    ip: IpAddr,
    ports: RangeInclusive<u16>,
    start: u16,
    reuse: bool,
    say: &Narrator,
) -> Result<(Socket, Socket, SocketAddr)> {
    let asked = format!(
        "bind_pair({ip}, {}-{}, {start})",
        ports.start(),
        ports.end()
    );
    let found = bind_pair(ip, ports, start, |addr| attempt(addr, reuse, say));
    let (rtp, rtcp) = found.map_err(|e| LessonError::io(asked, e, LESSON.package))?;
    let bound =
        getsockname(&rtp).map_err(|e| LessonError::io("getsockname()", e, LESSON.package))?;
    listen(&rtp, say)?;
    listen(&rtcp, say)?;
    Ok((rtp, rtcp, bound))
}
// ANCHOR_END: attempt

// ANCHOR: rival
/// A second socket asks for an address a listening socket already holds. SO_REUSEADDR on
/// both does not help: it never lets a socket bind an address that another one listens on.
/// (Sharing a listening address takes SO_REUSEPORT, a different option, on both sockets.)
fn try_the_same_address(addr: SocketAddr, say: &Narrator) -> Result<()> {
    let rival = new_socket(addr, say)?;
    reuse_address(&rival, say)?;
    match bind(&rival, addr, say) {
        Err(err) if err.kind() == Some(std::io::ErrorKind::AddrInUse) => {
            say.note("as expected: the listening socket holds this address");
            Ok(())
        }
        Err(err) => Err(err),
        Ok(_) => Err(say.protocol_error("two sockets were given the same address")),
    }
}
// ANCHOR_END: rival

// ANCHOR: connect_to
/// The client: socket, then connect. It never calls bind(): connect() binds it implicitly,
/// to the local address of the route to the server and a free (ephemeral) port.
fn connect_to(addr: SocketAddr, say: &Narrator) -> Result<(Socket, Option<SocketAddr>)> {
    let socket = new_socket(addr, say)?;
    local_address(&socket, say)?;

    let why = "connect, and get an address on the way";
    let connect = || socket.connect(&SockAddr::from(addr));
    say.call_with(&socket, format!("connect({addr})"), why, connect, ok)?;

    let local = local_address(&socket, say)?;
    Ok((socket, local))
}

/// getsockname(): the socket's own address; 0.0.0.0:0 (or an error) means none yet.
fn local_address(socket: &Socket, say: &Narrator) -> Result<Option<SocketAddr>> {
    let why = "ask the socket for its local address";
    let ask = || Ok(getsockname(socket).ok().filter(|a| a.port() != 0));
    say.call_then("getsockname()", why, ask, |local| match local {
        Some(local) => format!("{local}, an ephemeral port chosen by the kernel"),
        None => "no address yet (port 0)".to_string(),
    })
}
// ANCHOR_END: connect_to

// ANCHOR: accept
/// Take the next connection from the listening socket's queue; also return the peer's address.
fn accept_one(listener: &Socket, say: &Narrator) -> Result<(Socket, SocketAddr)> {
    let why = "take the first connection from the accept queue";
    say.call_then(
        "accept()",
        why,
        || accepted(listener),
        |(_, peer)| format!("ok, the client is at {peer}"),
    )
}

/// accept(): the new connection, and its peer's IP address (socket2 gives any kind of address).
fn accepted(listener: &Socket) -> io::Result<(Socket, SocketAddr)> {
    let (conn, peer) = listener.accept()?;
    let peer = peer.as_socket().ok_or(io::ErrorKind::InvalidData)?;
    Ok((conn, peer))
}
// ANCHOR_END: accept

/// Close a socket (drop it). For a connection, show what the kernel still holds for it: a
/// closed connection can live on in the kernel for a while (lesson 08).
fn close(socket: Socket, name: &str, say: &Narrator) {
    let local = socket.local_addr().ok().and_then(|a| a.as_socket());
    let peer = socket.peer_addr().ok().and_then(|a| a.as_socket());
    common::talk::close(socket, name, say);
    if let (Some(local), Some(peer)) = (local, peer) {
        say.kernel_at(local, Some(peer));
    }
}

/// The server's side of the exchange on an accepted connection: read a line, answer with the
/// client's address, close first.
fn answer(conn: Socket, peer: SocketAddr, say: &Narrator) -> Result<()> {
    recv_line(&conn, MAX_LINE, say)?;
    send_all(&conn, format!("you are {peer}\n").as_bytes(), say)?;
    // The server closes first, so its end of the connection will wait in TIME_WAIT.
    close(conn, "connection", say);
    Ok(())
}

/// The client's side: say hello, then read the answer.
fn hello(conn: &Socket, local: Option<SocketAddr>, say: &Narrator) -> Result<String> {
    send_all(conn, b"hello\n", say)?;
    read_answer(conn, local, say)
}

/// Read the server's answer and compare it with our own address.
fn read_answer(conn: &Socket, local: Option<SocketAddr>, say: &Narrator) -> Result<String> {
    let answer = recv_line(conn, MAX_LINE, say)?;
    let answer = String::from_utf8_lossy(&answer).trim_end().to_string();
    if local.is_some_and(|local| answer == format!("you are {local}")) {
        say.note("the server sees us at the address getsockname() gave us");
    }
    Ok(answer)
}

// ANCHOR: restart
/// Start again on the port we just used. Our end of the last connection is in TIME_WAIT and
/// still holds the port: a socket without SO_REUSEADDR is refused, one with it may bind.
fn restart(addr: SocketAddr, say: &Narrator) -> Result<()> {
    let first = new_socket(addr, say)?;
    match bind(&first, addr, say) {
        Err(err) if err.kind() == Some(std::io::ErrorKind::AddrInUse) => {
            say.note("without SO_REUSEADDR, the connection in TIME_WAIT still holds the port");
        }
        Err(err) => return Err(err),
        // Windows (where we do not set SO_REUSEADDR) lets this bind succeed.
        Ok(_) => say.note("this system lets a socket bind over TIME_WAIT without SO_REUSEADDR"),
    }
    drop(first);

    let second = new_socket(addr, say)?;
    reuse_address(&second, say)?;
    bind(&second, addr, say)?;
    listen(&second, say)?;
    close(second, "listener", say);
    Ok(())
}
// ANCHOR_END: restart

/// The result text of a call that returns nothing: `ok`.
fn ok(_: &()) -> String {
    "ok".to_string()
}

// ANCHOR: demo
/// Both sides in one process, one call at a time.
fn demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let client = opts.narrator("client");

    // The demo's address is 127.0.0.1:0: loopback, and a port the kernel chooses.
    let (listener, addr) = listen_on(opts.addr, true, opts, &server)?;

    try_the_same_address(addr, &opts.narrator("rival"))?;

    let (to_server, local) = connect_to(addr, &client)?;
    let (to_client, peer) = accept_one(&listener, &server)?;

    send_all(&to_server, b"hello\n", &client)?;
    answer(to_client, peer, &server)?;
    read_answer(&to_server, local, &client)?;
    close(to_server, "client socket", &client);
    close(listener, "listener", &server);
    // The listener is gone, but the port is not free: the server closed the connection
    // first, so its end of it waits in TIME_WAIT, on the server's port.
    server.note("the listener is closed; what the kernel still holds on its port:");
    server.kernel_at(addr, Some(peer));

    restart(addr, &opts.narrator("again"))?;

    media_servers(addr.ip(), opts)
}
// ANCHOR_END: demo

// ANCHOR: media
/// Two media servers, each told to take an RTP/RTCP pair from the same six ports (three pairs),
/// while another program listens on the fourth. Their starts are fixed here, so that the output
/// stays the same (a real server picks its own at random, as `--ports` does): the first starts
/// at the last pair and takes it; the second starts at the middle pair, whose odd port is
/// taken, finds the last pair the first one's, wraps round and takes the range's first pair.
fn media_servers(ip: IpAddr, opts: &Options) -> Result<()> {
    let looking = |e| LessonError::io("looking for six free ports in a row", e, LESSON.package);
    let stage = opts.narrator("probe");
    let first = free_ports(ip, 6, |addr| probe(addr, &stage)).map_err(looking)?;
    let ports = first..=first + 5;

    // Another program, already listening on an odd port of the range.
    let other = opts.narrator("other");
    let taken = SocketAddr::new(ip, first + 3);
    let held = attempt(taken, true, &other);
    let held = held.map_err(|e| LessonError::io(format!("bind({taken})"), e, LESSON.package))?;
    listen(&held, &other)?;

    let media1 = opts.narrator("media1");
    let (rtp1, rtcp1, _) = listen_on_pair(ip, ports.clone(), first + 4, true, &media1)?;
    let media2 = opts.narrator("media2");
    let (rtp2, rtcp2, bound) = listen_on_pair(ip, ports, first + 2, true, &media2)?;
    if bound.port() == first {
        media2.note(
            "the middle pair's odd port is other's, so media2 closed its even socket again; the \
             last pair is media1's; then the search wrapped round to the range's first pair",
        );
    }
    close(rtcp2, "rtcp", &media2);
    close(rtp2, "rtp", &media2);
    close(rtcp1, "rtcp", &media1);
    close(rtp1, "rtp", &media1);
    close(held, "listener", &other);
    Ok(())
}
// ANCHOR_END: media

// ANCHOR: probe
/// The demo's stage (`free_ports`): is `addr`'s port free? A socket with SO_REUSEADDR,
/// bound to it, then closed, each call narrated; a port another socket holds is `Ok(false)`.
fn probe(addr: SocketAddr, say: &Narrator) -> io::Result<bool> {
    let socket = new_socket(addr, say).map_err(into_io)?;
    if cfg!(unix) {
        // As the media servers will: a port that only a connection in TIME_WAIT holds is free
        // for them (an earlier run's, say), so it is free here too.
        let why = "ask as the servers will: TIME_WAIT alone does not take a port";
        say.call("setsockopt(SO_REUSEADDR, 1)", why, || {
            socket.set_reuse_address(true)
        })
        .map_err(into_io)?;
    }
    let why = "is this port free? (the servers will ask for it)";
    let bound = say.call_then(
        format!("bind({addr})"),
        why,
        || socket.bind(&SockAddr::from(addr)),
        |()| "ok, free".into(),
    );
    close(socket, "probe", say);
    match bound {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == Some(io::ErrorKind::AddrInUse) => Ok(false),
        Err(e) => Err(into_io(e)),
    }
}
// ANCHOR_END: probe

// ANCHOR: server
/// Serve one client: read its line, tell it its address, close first. A client that never
/// finishes its line is given up on after `--limit-ms`.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let reuse = !opts.has("--no-reuseaddr");
    let (listener, rtcp) = if opts.has("--ports") {
        let Ports(ports) = opts.value("--ports", Ports(7002..=7011))?;
        let start = random_start(&ports);
        let (rtp, rtcp, bound) = listen_on_pair(opts.addr.ip(), ports, start, reuse, &say)?;
        opts.ready(bound);
        (rtp, Some(rtcp))
    } else {
        (listen_on(opts.addr, reuse, opts, &say)?.0, None)
    };
    let (conn, peer) = accept_one(&listener, &say)?;
    give_up_after(opts.millis("--limit-ms", 30_000)?, &say);
    answer(conn, peer, &say)?;
    if let Some(rtcp) = rtcp {
        close(rtcp, "rtcp", &say);
    }
    close(listener, "listener", &say);
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
/// Connect (no bind: connect does it), say hello, print the answer, close.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let (conn, local) = connect_to(opts.addr, &say)?;
    let answer = hello(&conn, local, &say)?;
    println!("answer: {answer}");
    close(conn, "client socket", &say);
    Ok(())
}
// ANCHOR_END: client

/// Where a server's search for a pair begins: a port of `ports` chosen at random (RFC 6056,
/// section 3.3.1), so that servers started together do not all race for the range's first pair.
/// std's `RandomState` is seeded at random for each process: its hash of anything will do. (A
/// range without ports gets its first port, which bind_pair refuses with the range.)
fn random_start(ports: &RangeInclusive<u16>) -> u16 {
    let (first, last) = (u64::from(*ports.start()), u64::from(*ports.end()));
    if first > last {
        return *ports.start();
    }
    let random = RandomState::new().hash_one(std::process::id());
    (first + random % (last - first + 1)) as u16 // at most `last`, so it fits
}

/// `--ports LO-HI`: a range of ports, both ends included (`7002-7011`).
struct Ports(RangeInclusive<u16>);

impl FromStr for Ports {
    type Err = std::num::ParseIntError;

    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        let (low, high) = text.split_once('-').unwrap_or((text, text));
        Ok(Ports(low.trim().parse()?..=high.trim().parse()?))
    }
}
