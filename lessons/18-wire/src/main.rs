//! Lesson 18: what TCP puts on the wire.
//!
//! Every call of the earlier chapters has a life below it: segments the kernel sends and
//! receives. This lesson runs short exchanges, each showing one thing, with the wire view on
//! (`common::wire`): the segments appear in the timeline right after the call that caused them.
//!
//! - `connection` (the demo): the handshake and its options, data and its ACK, FIN both ways;
//! - `nagle`: two small sends in a row, with the receiver delaying its ACKs, then TCP_NODELAY;
//! - `window`: a receiver that stops reading; the window shrinks to zero, the sender probes;
//! - `half-close`: shutdown(SHUT_WR) sends FIN, and the other direction still carries data;
//! - `reset`: close() with unread data sends RST; the peer's recv() fails;
//! - `refused`: a connect() to a port where nothing listens is answered by RST;
//! - `udp`: datagrams, with no handshake and no ACK; one to a closed port brings back ICMP.
//!
//! Server and client run in ONE thread, call after call, so the order of the output is the
//! order of the calls. The kernel does the rest (handshakes, ACKs) on its own.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use common::narrate::family;
use common::talk::close;
use common::{show_bytes, Flag, Lesson, Narrator, Options, Result};
use socket2::{Domain, SockAddr, Socket, Type};

use lesson_18_wire::decode_tcp_header;

static LESSON: Lesson = Lesson {
    package: "lesson-18-wire",
    title: "What TCP puts on the wire: the segments behind each call",
    port: 7018,
    about: "The demo runs in a private network namespace (Linux) and shows every segment the\n\
            exchange puts on the wire, right after the call that caused it.\n\
            --scenario picks the exchange: connection (default), nagle, window, half-close,\n\
            reset, refused, udp. --pcap FILE also saves the segments for tcpdump -r FILE.\n\
            --decode HEX decodes one TCP header (the bytes as tcpdump -x prints them) with\n\
            the exercise's decoder. The server (`-- server`) answers one line with the same\n\
            line in capitals and closes: watch it with sudo tcpdump -i lo -n port 7018.",
    flags: &[
        Flag {
            name: "--scenario",
            value: Some("NAME"),
            help: "demo: connection, nagle, window, half-close, reset, refused or udp",
        },
        Flag {
            name: "--decode",
            value: Some("HEX"),
            help: "decode one TCP header, e.g. \"9bc8 b69b 22ee 40eb ...\"",
        },
    ],
};

fn main() -> ExitCode {
    // This chapter is about the wire: its demo shows the segments without being asked.
    common::wire::show_by_default();
    common::cli::main(&LESSON, demo, server, client)
}

fn demo(opts: &Options) -> Result<()> {
    if let Some(hex) = opts
        .value::<String>("--decode", String::new())
        .ok()
        .filter(|h| !h.is_empty())
    {
        return decode(&hex);
    }
    let scenario: String = opts.value("--scenario", "connection".to_string())?;
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    match scenario.as_str() {
        "connection" => connection(opts, &server, &client),
        "nagle" => nagle(opts, &server, &client),
        "window" => window(opts, &server, &client),
        "half-close" => half_close(opts, &server, &client),
        "reset" => reset(opts, &server, &client),
        "refused" => refused(opts, &server, &client),
        "udp" => udp(opts, &server, &client),
        other => Err(common::LessonError::protocol(
            "command line",
            format!(
                "--scenario {other}: not a scenario; pick connection, nagle, window, \
                 half-close, reset, refused or udp"
            ),
        )),
    }
}

// ANCHOR: connection
/// The whole life of one connection: handshake, one request and its answer, FIN both ways.
fn connection(opts: &Options, server: &Narrator, client: &Narrator) -> Result<()> {
    let listener = listen(opts, server)?;
    let addr = opts_addr(&listener)?;
    let conn = connect(addr, client)?; // SYN, SYN-ACK, ACK: the kernels do it all
    let served = accept(&listener, server)?; // nothing on the wire: it was all done
    send(&conn, b"hello\n", client)?; // data, PSH; the server's kernel ACKs it
    recv(&served, 64, server)?; // nothing on the wire: the bytes were already here
    send(&served, b"HELLO\n", server)?;
    recv(&conn, 64, client)?;
    close(conn, "client socket", client); // FIN
    recv(&served, 64, server)?; // 0 bytes: the FIN, read as end of stream
    close(served, "connection", server); // FIN, and the client's kernel ACKs it
    close(listener, "listener", server);
    Ok(())
}
// ANCHOR_END: connection

// ANCHOR: nagle
/// Two small sends in a row. The server's kernel delays its ACKs (TCP_QUICKACK off, as a
/// kernel does by itself once a connection looks interactive); Nagle's algorithm holds the
/// second small send until the first is ACKed. Then the same with TCP_NODELAY.
fn nagle(opts: &Options, server: &Narrator, client: &Narrator) -> Result<()> {
    let listener = listen(opts, server)?;
    let addr = opts_addr(&listener)?;
    for nodelay in [false, true] {
        let conn = connect(addr, client)?;
        let served = accept(&listener, server)?;
        delay_acks(&served, server)?;
        if nodelay {
            client.next("setsockopt(TCP_NODELAY, 1)", "send small pieces at once");
            conn.set_tcp_nodelay(true).map_err(|e| client.fail(e))?;
            client.done("ok");
        }
        send(&conn, b"GET ", client)?; // goes at once: nothing is waiting for an ACK
        send(&conn, b"/\n", client)?; // Nagle: held until "GET " is ACKed (not with NODELAY)
        wait(Duration::from_millis(200), client);
        recv(&served, 64, server)?;
        close(conn, "client socket", client);
        close(served, "connection", server);
    }
    close(listener, "listener", server);
    Ok(())
}
// ANCHOR_END: nagle

// ANCHOR: window
/// A server that stops reading. The client sends until its kernel refuses more; the server's
/// window shrinks to 0, and the client's kernel probes it. Then the server reads, and the
/// window opens again.
fn window(opts: &Options, server: &Narrator, client: &Narrator) -> Result<()> {
    let listener = listen_with_small_buffer(opts, server)?;
    let addr = opts_addr(&listener)?;
    let conn = connect(addr, client)?;
    let served = accept(&listener, server)?;
    client.next(
        "setsockopt(SO_SNDBUF, 8192)",
        "a small send buffer: send() fills it soon",
    );
    conn.set_send_buffer_size(8192)
        .map_err(|e| client.fail(e))?;
    client.done("ok");
    client.next(
        "set_nonblocking(true)",
        "make send() say 'full' instead of waiting",
    );
    conn.set_nonblocking(true).map_err(|e| client.fail(e))?;
    client.done("ok");
    let chunk = vec![b'x'; 8192];
    let mut sent = 0;
    loop {
        client.next(
            format!("send({} bytes)", chunk.len()),
            "hand bytes to the kernel",
        );
        match conn.send(&chunk) {
            Ok(n) => {
                client.done(format!("{n} bytes"));
                sent += n;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                client.done("error: EAGAIN: both kernels' buffers are full");
                break;
            }
            Err(e) => return Err(client.fail(e)),
        }
    }
    wait(Duration::from_millis(600), client); // zero-window probes
    let mut read = 0;
    while read < sent {
        read += recv(&served, 65_536, server)?;
    }
    close(conn, "client socket", client);
    close(served, "connection", server);
    close(listener, "listener", server);
    Ok(())
}
// ANCHOR_END: window

// ANCHOR: half_close
/// The client says it has finished sending (shutdown(SHUT_WR): FIN) and still reads the
/// answer: a half-closed connection carries data the other way.
fn half_close(opts: &Options, server: &Narrator, client: &Narrator) -> Result<()> {
    let listener = listen(opts, server)?;
    let addr = opts_addr(&listener)?;
    let conn = connect(addr, client)?;
    let served = accept(&listener, server)?;
    send(&conn, b"hello\n", client)?;
    client.next("shutdown(SHUT_WR)", "tell the server: nothing more from me");
    conn.shutdown(std::net::Shutdown::Write)
        .map_err(|e| client.fail(e))?;
    client.done("ok"); // FIN
    recv(&served, 64, server)?;
    recv(&served, 64, server)?; // 0 bytes: end of the client's stream
    send(&served, b"bye\n", server)?; // the other direction still works
    recv(&conn, 64, client)?;
    close(served, "connection", server); // the server's FIN
    recv(&conn, 64, client)?; // 0 bytes
    close(conn, "client socket", client); // nothing more to send: both FINs are done
    close(listener, "listener", server);
    Ok(())
}
// ANCHOR_END: half_close

// ANCHOR: reset
/// The server closes with bytes it never read: its kernel answers with RST instead of FIN
/// (RFC 9293, 3.6.1; RFC 2525, 2.17), and the client's next recv() fails.
fn reset(opts: &Options, server: &Narrator, client: &Narrator) -> Result<()> {
    let listener = listen(opts, server)?;
    let addr = opts_addr(&listener)?;
    let conn = connect(addr, client)?;
    let served = accept(&listener, server)?;
    send(&conn, b"hello\n", client)?;
    close(served, "connection, with 6 bytes unread", server); // RST
    client.next("recv(64)", "read the answer");
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 64];
    match conn.recv(&mut buf) {
        Ok(n) => client.done(format!("{n} bytes")),
        Err(e) => {
            client.fail(e); // ECONNRESET
        }
    }
    close(conn, "client socket", client); // nothing sent: the connection is gone
    close(listener, "listener", server);
    Ok(())
}
// ANCHOR_END: reset

// ANCHOR: refused
/// A connect() to a port where nothing listens: the kernel there answers the SYN with RST.
fn refused(opts: &Options, server: &Narrator, client: &Narrator) -> Result<()> {
    server.next(
        format!(
            "socket({}, SOCK_STREAM) + bind({})",
            family(&opts.addr),
            opts.addr
        ),
        "take a port, and do not listen on it",
    );
    let bound = Socket::new(Domain::for_address(opts.addr), Type::STREAM, None)
        .and_then(|s| s.bind(&SockAddr::from(opts.addr)).map(|()| s))
        .map_err(|e| server.fail(e))?;
    let addr = opts_addr(&bound)?;
    server.done(format!("ok, {addr}, no listen()"));
    common::wire::name_port(addr.port(), "server");
    if let Err(e) = connect(addr, client) {
        client.note(format!("connect failed: {}", e.reason));
    }
    close(bound, "bound socket", server);
    Ok(())
}
// ANCHOR_END: refused

// ANCHOR: udp
/// UDP: each send_to() is one datagram; no handshake before, no ACK after. A datagram to a
/// port where nothing listens comes back as an ICMP error, which a connected UDP socket
/// reports at its next call (udp(7)).
fn udp(opts: &Options, server: &Narrator, client: &Narrator) -> Result<()> {
    let domain = Domain::for_address(opts.addr);
    server.next(
        format!(
            "socket({}, SOCK_DGRAM) + bind({})",
            family(&opts.addr),
            opts.addr
        ),
        "a UDP socket with an address",
    );
    let srv = Socket::new(domain, Type::DGRAM, None)
        .and_then(|s| s.bind(&SockAddr::from(opts.addr)).map(|()| s))
        .map_err(|e| server.fail(e))?;
    let addr = opts_addr(&srv)?;
    server.done(format!("ok, {addr}"));
    common::wire::name_port(addr.port(), "server");

    client.next(
        format!("socket({}, SOCK_DGRAM)", family(&addr)),
        "a UDP socket",
    );
    let cli = Socket::new(domain, Type::DGRAM, None).map_err(|e| client.fail(e))?;
    client.done("ok");
    client.next(
        format!("connect({addr})"),
        "remember the peer: nothing is sent",
    );
    cli.connect(&SockAddr::from(addr))
        .map_err(|e| client.fail(e))?;
    let me = opts_addr(&cli)?;
    common::wire::name_port(me.port(), "client");
    client.done(format!("ok, from {me}")); // nothing on the wire

    send(&cli, b"ping\n", client)?; // one datagram
    server.next("recv_from(64)", "take one datagram");
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 64];
    let (n, from) = srv.recv_from(&mut buf).map_err(|e| server.fail(e))?;
    let got: Vec<u8> = buf[..n]
        .iter()
        .map(|b| unsafe { b.assume_init() })
        .collect();
    let from = from
        .as_socket()
        .ok_or_else(|| server.protocol_error("not an IP address"))?;
    server.done(format!("{n} bytes from {from}: {}", show_bytes(&got)));
    server.next(format!("send_to(b\"pong\\n\", {from})"), "answer it");
    srv.send_to(b"pong\n", &SockAddr::from(from))
        .map_err(|e| server.fail(e))?;
    server.done("5 bytes"); // one datagram back
    recv(&cli, 64, client)?;

    close(srv, "server socket", server); // nothing on the wire: UDP has no connection
    send(&cli, b"anyone?\n", client)?; // the datagram goes; ICMP port unreachable comes back
    client.next("recv(64)", "read an answer");
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 64];
    if let Err(e) = cli.recv(&mut buf) {
        client.fail(e); // ECONNREFUSED: the ICMP error, reported to the connected socket
    }
    close(cli, "client socket", client);
    Ok(())
}
// ANCHOR_END: udp

/// `--decode HEX`: one TCP header through the exercise's decoder.
fn decode(hex: &str) -> Result<()> {
    let bytes = parse_hex(hex).map_err(|e| common::LessonError::protocol("--decode", e))?;
    let header = decode_tcp_header(&bytes)
        .map_err(|e| common::LessonError::protocol("decode_tcp_header", e))?;
    println!(
        "ports {} > {}  [{}]  seq {}  ack {}  win {}",
        header.source_port,
        header.destination_port,
        header.flags,
        header.seq,
        header.ack,
        header.window
    );
    println!(
        "options: {}",
        if header.options.is_empty() {
            "none".to_string()
        } else {
            header.options.join(", ")
        }
    );
    Ok(())
}

/// Hex digits, spaces allowed between them: `9bc8 b69b` or `9b c8 b6 9b`.
fn parse_hex(text: &str) -> std::result::Result<Vec<u8>, String> {
    let digits: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!("{} hex digits: a byte takes two", digits.len()));
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s: String = pair.iter().collect();
            u8::from_str_radix(&s, 16).map_err(|_| format!("{s:?} is not a hex byte"))
        })
        .collect()
}

/// The server's side when run alone (`-- server`): answer one line in capitals, then close.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let listener = listen(opts, &say)?;
    let conn = accept(&listener, &say)?;
    let line = common::talk::recv_line(&conn, 256, &say)?;
    send(&conn, &line.to_ascii_uppercase(), &say)?;
    close(conn, "connection", &say);
    close(listener, "listener", &say);
    Ok(())
}

/// The client's side when run alone (`-- client`): one line, its answer, close.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let conn = connect(opts.addr, &say)?;
    send(&conn, b"hello\n", &say)?;
    let answer = common::talk::recv_line(&conn, 256, &say)?;
    println!("answer: {}", String::from_utf8_lossy(&answer).trim_end());
    close(conn, "client socket", &say);
    Ok(())
}

// The narrated calls the scenarios share: one system call each.

/// socket, bind, listen (chapters 1–3).
fn listen(opts: &Options, say: &Narrator) -> Result<Socket> {
    let addr = opts.addr;
    say.next(
        format!("socket({}, SOCK_STREAM)", family(&addr)),
        "make the socket that will listen",
    );
    let listener =
        Socket::new(Domain::for_address(addr), Type::STREAM, None).map_err(|e| say.fail(e))?;
    say.done("ok");
    common::talk::reuse_address(&listener, say)?;
    finish_listen(listener, opts, say)
}

/// Like [`listen`], with a small receive buffer (inherited by each accepted connection),
/// so that a window fills up after a few segments instead of megabytes.
fn listen_with_small_buffer(opts: &Options, say: &Narrator) -> Result<Socket> {
    let addr = opts.addr;
    say.next(
        format!("socket({}, SOCK_STREAM)", family(&addr)),
        "make the socket that will listen",
    );
    let listener =
        Socket::new(Domain::for_address(addr), Type::STREAM, None).map_err(|e| say.fail(e))?;
    say.done("ok");
    say.next(
        "setsockopt(SO_RCVBUF, 8192)",
        "a small receive buffer: a small window",
    );
    listener
        .set_recv_buffer_size(8192)
        .map_err(|e| say.fail(e))?;
    say.done("ok");
    finish_listen(listener, opts, say)
}

fn finish_listen(listener: Socket, opts: &Options, say: &Narrator) -> Result<Socket> {
    let addr = opts.addr;
    say.next(format!("bind({addr})"), "give the socket its address");
    listener
        .bind(&SockAddr::from(addr))
        .map_err(|e| say.fail(e))?;
    let bound = opts_addr(&listener)?;
    say.done(format!("ok, bound to {bound}"));
    say.next("listen(backlog=128)", "let the kernel complete handshakes");
    listener.listen(128).map_err(|e| say.fail(e))?;
    say.done_with(&listener, "ok"); // names the port `server` in the wire view
    opts.ready(bound);
    Ok(listener)
}

/// socket + connect: the client's kernel sends SYN and waits for SYN-ACK.
fn connect(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    say.next(
        format!("socket({}, SOCK_STREAM)", family(&addr)),
        "make the client's socket",
    );
    let conn =
        Socket::new(Domain::for_address(addr), Type::STREAM, None).map_err(|e| say.fail(e))?;
    say.done("ok");
    say.next(
        format!("connect({addr})"),
        "the handshake: SYN, SYN-ACK, ACK",
    );
    conn.connect_timeout(&SockAddr::from(addr), Duration::from_secs(3))
        .map_err(|e| say.fail(e))?;
    let me = opts_addr(&conn)?;
    say.done_with(&conn, format!("ok, from {me}"));
    Ok(conn)
}

/// accept: the handshake is already done; this takes the connection from the queue.
fn accept(listener: &Socket, say: &Narrator) -> Result<Socket> {
    say.next("accept()", "take the connection from the accept queue");
    let (conn, peer) = listener.accept().map_err(|e| say.fail(e))?;
    let peer = peer
        .as_socket()
        .ok_or_else(|| say.protocol_error("not an IP address"))?;
    say.done_with(&conn, format!("ok, peer {peer}"));
    Ok(conn)
}

/// One send(): the kernel takes the bytes, and sends them when TCP allows.
fn send(conn: &Socket, bytes: &[u8], say: &Narrator) -> Result<usize> {
    say.next(
        format!("send({})", show_bytes(bytes)),
        "hand bytes to the kernel",
    );
    let n = conn.send(bytes).map_err(|e| say.fail(e))?;
    say.done(format!("{n} bytes"));
    Ok(n)
}

/// One recv(): whatever has arrived, up to `max` bytes (0: the peer's FIN).
fn recv(conn: &Socket, max: usize, say: &Narrator) -> Result<usize> {
    say.next(format!("recv({max})"), "take what has arrived");
    let mut buf = vec![std::mem::MaybeUninit::<u8>::uninit(); max];
    let n = conn.recv(&mut buf).map_err(|e| say.fail(e))?;
    // SAFETY: recv initialised the first n bytes.
    let got: Vec<u8> = buf[..n]
        .iter()
        .map(|b| unsafe { b.assume_init() })
        .collect();
    match n {
        0 => say.done("0 bytes: end of stream (the peer's FIN)"),
        n if n <= 64 => say.done(format!("{n} bytes: {}", show_bytes(&got))),
        n => say.done(format!("{n} bytes")),
    }
    Ok(n)
}

/// Let the kernel's timers run (delayed ACK: 40 ms; zero-window probe: 200 ms and more).
fn wait(time: Duration, say: &Narrator) {
    std::thread::sleep(time);
    say.note(format!("{} ms later", time.as_millis()));
}

/// Ask the server's kernel to delay its ACKs (TCP_QUICKACK 0, tcp(7)): it waits up to
/// 40 ms for data to send with the ACK. Linux only; elsewhere ACKs come as the kernel likes.
fn delay_acks(conn: &Socket, say: &Narrator) -> Result<()> {
    say.next(
        "setsockopt(TCP_QUICKACK, 0)",
        "delay ACKs, as a kernel does on an interactive connection",
    );
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let off: libc::c_int = 0;
        // SAFETY: the option value is a c_int we own, with its size.
        let rc = unsafe {
            libc::setsockopt(
                conn.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_QUICKACK,
                (&off as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(say.fail(std::io::Error::last_os_error()));
        }
        say.done("ok");
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = conn;
        say.done("skipped: TCP_QUICKACK is Linux only");
    }
    Ok(())
}

/// The address the kernel gave a socket (getsockname).
fn opts_addr(socket: &Socket) -> Result<SocketAddr> {
    let addr = socket
        .local_addr()
        .map_err(|e| common::LessonError::protocol("getsockname", e.to_string()))?;
    addr.as_socket()
        .ok_or_else(|| common::LessonError::protocol("getsockname", "not an IP address"))
}
