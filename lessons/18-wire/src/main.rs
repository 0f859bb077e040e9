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

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use common::narrate::{family, Endpoints};
use common::talk::{close, getsockname, give_up_after};
use common::trace::Kind;
use common::{show_bytes, Flag, Lesson, Narrated, Narrator, Options, Result};
use socket2::{Domain, SockAddr, Socket, Type};

use lesson_18_wire::{decode_tcp_header, scramble, Reassembler};

static LESSON: Lesson = Lesson {
    package: "lesson-18-wire",
    title: "What TCP puts on the wire: the segments behind each call",
    port: 7018,
    about: "The demo runs in a private network namespace (Linux) and shows every segment the\n\
            exchange puts on the wire, right after the call that caused it.\n\
            --scenario picks the exchange: connection (default), nagle, window, half-close,\n\
            reset, refused, udp. --pcap FILE also saves the segments for tcpdump -r FILE.\n\
            --decode HEX decodes one TCP header (the bytes as tcpdump -x prints them).\n\
            --reassemble SEED cuts a request into segments, shuffles and repeats some (SEED\n\
            picks how), and puts it back together with the exercise's Reassembler.\n\
            The server (`-- server`) answers one line with the same\n\
            line in capitals and closes: watch it with sudo tcpdump -i lo -n port 7018.",
    flags: &[
        Flag {
            name: "--limit-ms",
            value: Some("MS"),
            help: "server: give up on a client that has not finished within MS ms (default 30000)",
        },
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
        Flag {
            name: "--reassemble",
            value: Some("SEED"),
            help: "put a shuffled stream back together with the exercise's Reassembler",
        },
    ],
};

fn main() -> ExitCode {
    // This chapter is about the wire: its demo shows the segments without being asked (but
    // not when all it does is decode a header or reassemble a made-up stream: no segment is sent).
    if !std::env::args().any(|arg| arg == "--decode" || arg == "--reassemble") {
        common::wire::show_by_default();
    }
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
    if let Some(seed) = opts
        .value::<String>("--reassemble", String::new())
        .ok()
        .filter(|s| !s.is_empty())
    {
        return reassemble(&seed);
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
            let why = "send small pieces at once";
            client.call("setsockopt(TCP_NODELAY, 1)", why, || {
                conn.set_tcp_nodelay(true)
            })?;
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
    let why = "a small send buffer: send() fills it soon";
    client.call("setsockopt(SO_SNDBUF, 8192)", why, || {
        conn.set_send_buffer_size(8192)
    })?;
    let why = "make send() say 'full' instead of waiting";
    client.call("set_nonblocking(true)", why, || conn.set_nonblocking(true))?;
    let chunk = vec![b'x'; 8192];
    let mut sent = 0;
    while let Some(n) = send_unless_full(&conn, &chunk, client)? {
        sent += n;
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
    let why = "tell the server: nothing more from me";
    client.call("shutdown(SHUT_WR)", why, || conn.shutdown(Shutdown::Write))?; // FIN
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
    // The server closes with bytes unread: RST. The client's recv() then fails with
    // ECONNRESET; that error is what this scenario shows, so it goes on to close.
    close(served, "connection, with 6 bytes unread", server);
    let _reset = recv(&conn, 64, client);
    close(conn, "client socket", client); // nothing sent: the connection is gone
    close(listener, "listener", server);
    Ok(())
}
// ANCHOR_END: reset

// ANCHOR: refused
/// A connect() to a port where nothing listens: the kernel there answers the SYN with RST.
fn refused(opts: &Options, server: &Narrator, client: &Narrator) -> Result<()> {
    let call = format!(
        "socket({}, SOCK_STREAM) + bind({})",
        family(&opts.addr),
        opts.addr
    );
    let why = "take a port, and do not listen on it";
    let open = || bound(opts.addr, Type::STREAM, "server");
    let (bound, addr) = server.call_then(call, why, open, |(_, addr)| {
        format!("ok, {addr}, no listen()")
    })?;
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
    let call = format!(
        "socket({}, SOCK_DGRAM) + bind({})",
        family(&opts.addr),
        opts.addr
    );
    let open = || bound(opts.addr, Type::DGRAM, "server");
    let why = "a UDP socket with an address";
    let (srv, addr) = server.call_then(call, why, open, |(_, addr)| format!("ok, {addr}"))?;

    let call = format!("socket({}, SOCK_DGRAM)", family(&addr));
    let cli = client.call(call, "a UDP socket", || {
        Socket::new(Domain::for_address(addr), Type::DGRAM, None)
    })?;
    let connect = || {
        cli.connect(&SockAddr::from(addr))?;
        let me = getsockname(&cli)?;
        common::wire::name_port(me.port(), "client");
        Ok(me)
    };
    let why = "remember the peer: nothing is sent";
    client.call_then(format!("connect({addr})"), why, connect, |me| {
        format!("ok, from {me}") // nothing on the wire
    })?;

    send(&cli, b"ping\n", client)?; // one datagram
    let take = || recv_from(&srv, 64);
    let (got, from) =
        server.call_then("recv_from(64)", "take one datagram", take, |(got, from)| {
            format!("{} bytes from {from}: {}", got.len(), show_bytes(got))
        })?;
    server.moved(Kind::Recv, "recv_from", &got);
    let to = SockAddr::from(from);
    let call = format!("send_to(b\"pong\\n\", {from})");
    // One datagram back.
    let n = server.call(call, "answer it", || srv.send_to(b"pong\n", &to))?;
    server.moved(Kind::Send, "send_to", &b"pong\n"[..n]);
    recv(&cli, 64, client)?;

    close(srv, "server socket", server); // nothing on the wire: UDP has no connection

    // The datagram goes, and ICMP "port unreachable" comes back: the connected socket's next
    // recv() fails with ECONNREFUSED. That error is what this shows, so it goes on to close.
    send(&cli, b"anyone?\n", client)?;
    let _refused = recv(&cli, 64, client);
    close(cli, "client socket", client);
    Ok(())
}
// ANCHOR_END: udp

/// `--decode HEX`: one TCP header through the lesson's decoder.
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

// ANCHOR: reassemble
/// `--reassemble SEED`: a request after a SYN numbered just below 2^32, cut, shuffled and
/// partly repeated (SEED picks how), through the exercise's [`Reassembler`], one segment at a
/// time, as a receiving kernel gets them.
fn reassemble(seed: &str) -> Result<()> {
    let seed: u64 = seed.parse().map_err(|_| {
        common::LessonError::protocol("--reassemble", format!("{seed:?} is not a number"))
    })?;
    let stream = b"GET /index.html HTTP/1.1\r\nHost: example.org\r\n\r\n";
    let isn = u32::MAX - 24; // the 25th byte after the SYN is numbered 0
    let window = 65_535;
    let segments = scramble(stream, isn, seed);
    println!(
        "{} bytes after a SYN numbered {isn}, as {} segments (seed {seed}), window {window}",
        stream.len(),
        segments.len()
    );
    let mut receiver = Reassembler::new(isn, window);
    let mut returned = Vec::new();
    for segment in &segments {
        let ready = receiver.push(segment.seq, &segment.payload, segment.fin);
        println!(
            "seq {:>10} (+{:>2})  len {:>2}{}  {:<14} -> {}",
            segment.seq,
            segment.seq.wrapping_sub(isn),
            segment.payload.len(),
            if segment.fin { " FIN" } else { "    " },
            show_bytes(&segment.payload),
            match ready.len() {
                0 => "nothing yet".to_string(),
                n => format!("{n} bytes: {}", show_bytes(&ready)),
            }
        );
        returned.extend_from_slice(&ready);
    }
    println!(
        "returned, in all: {} bytes{}, finished: {}",
        returned.len(),
        if returned == stream {
            ", the stream as sent"
        } else {
            ""
        },
        if receiver.is_finished() { "yes" } else { "no" }
    );
    if returned != stream || !receiver.is_finished() {
        let why = format!(
            "the bytes returned are not the stream sent: {}",
            show_bytes(&returned)
        );
        return Err(common::LessonError::protocol("Reassembler", why));
    }
    Ok(())
}
// ANCHOR_END: reassemble

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

/// The server's side when run alone (`-- server`): answer one line in capitals, then close
/// (giving up on a client that has not finished within `--limit-ms`).
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let listener = listen(opts, &say)?;
    let conn = accept(&listener, &say)?;
    give_up_after(opts.millis("--limit-ms", 30_000)?, &say);
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
    let listener = stream_socket(opts.addr, "make the socket that will listen", say)?;
    common::talk::reuse_address(&listener, say)?;
    finish_listen(listener, opts, say)
}

/// Like [`listen`], with a small receive buffer (inherited by each accepted connection),
/// so that a window fills up after a few segments instead of megabytes.
fn listen_with_small_buffer(opts: &Options, say: &Narrator) -> Result<Socket> {
    let listener = stream_socket(opts.addr, "make the socket that will listen", say)?;
    let why = "a small receive buffer: a small window";
    say.call("setsockopt(SO_RCVBUF, 8192)", why, || {
        listener.set_recv_buffer_size(8192)
    })?;
    finish_listen(listener, opts, say)
}

fn finish_listen(listener: Socket, opts: &Options, say: &Narrator) -> Result<Socket> {
    let addr = opts.addr;
    let bind = || {
        listener.bind(&SockAddr::from(addr))?;
        getsockname(&listener)
    };
    let why = "give the socket its address";
    let bound = say.call_then(format!("bind({addr})"), why, bind, |bound| {
        format!("ok, bound to {bound}")
    })?;
    // call_with: the kernel's view after the call, and the port named `server` in the wire view.
    let why = "let the kernel complete handshakes";
    let listen = || listener.listen(128);
    say.call_with(&listener, "listen(backlog=128)", why, listen, |_| {
        "ok".into()
    })?;
    opts.ready(bound);
    Ok(listener)
}

/// socket(SOCK_STREAM): a TCP socket, not connected to anything yet.
fn stream_socket(addr: SocketAddr, why: &str, say: &Narrator) -> Result<Socket> {
    let call = format!("socket({}, SOCK_STREAM)", family(&addr));
    say.call(call, why, || {
        Socket::new(Domain::for_address(addr), Type::STREAM, None)
    })
}

/// socket + bind, as one step (for the scenarios that do not listen): the socket and the
/// address it got, its port named after `who` in the wire view.
fn bound(addr: SocketAddr, kind: Type, who: &str) -> io::Result<(Socket, SocketAddr)> {
    let socket = Socket::new(Domain::for_address(addr), kind, None)?;
    socket.bind(&SockAddr::from(addr))?;
    let addr = getsockname(&socket)?;
    common::wire::name_port(addr.port(), who);
    Ok((socket, addr))
}

/// socket + connect: the client's kernel sends SYN and waits for SYN-ACK.
fn connect(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    let conn = stream_socket(addr, "make the client's socket", say)?;
    let connect = || {
        conn.connect_timeout(&SockAddr::from(addr), Duration::from_secs(3))?;
        getsockname(&conn)
    };
    let why = "the handshake: SYN, SYN-ACK, ACK";
    let call = format!("connect({addr})");
    say.call_with(&conn, call, why, connect, |me| format!("ok, from {me}"))?;
    Ok(conn)
}

/// accept: the handshake is already done; this takes the connection from the queue.
fn accept(listener: &Socket, say: &Narrator) -> Result<Socket> {
    let why = "take the connection from the accept queue";
    let accept = || listener.accept().map(|(conn, _)| conn);
    say.call_opening("accept()", why, accept, |conn| match conn.endpoints() {
        (_, Some(peer)) => format!("ok, peer {peer}"),
        (_, None) => "ok".to_string(),
    })
}

/// One send(): the kernel takes the bytes, and sends them when TCP allows.
fn send(conn: &Socket, bytes: &[u8], say: &Narrator) -> Result<usize> {
    // `Write::write` on a socket is the send() system call; the quiet adapter records the bytes.
    let mut conn = Narrated::quiet(conn, say.clone());
    let call = format!("send({})", show_bytes(bytes));
    say.call(call, "hand bytes to the kernel", || conn.write(bytes))
}

/// One send() on a non-blocking socket: `None` when the kernel takes nothing (EAGAIN, an
/// outcome here, not a failure): both kernels' buffers are full.
fn send_unless_full(conn: &Socket, bytes: &[u8], say: &Narrator) -> Result<Option<usize>> {
    let mut conn = Narrated::quiet(conn, say.clone());
    let send = || match conn.write(bytes) {
        Ok(n) => Ok(Some(n)),
        Err(e) if e.kind() == ErrorKind::WouldBlock => Ok(None),
        Err(e) => Err(e),
    };
    let shown = |sent: &Option<usize>| match sent {
        Some(n) => format!("{n} bytes"),
        None => "error: EAGAIN: both kernels' buffers are full".to_string(),
    };
    let call = format!("send({} bytes)", bytes.len());
    say.call_then(call, "hand bytes to the kernel", send, shown)
}

/// One recv(): whatever has arrived, up to `max` bytes (0: the peer's FIN).
fn recv(conn: &Socket, max: usize, say: &Narrator) -> Result<usize> {
    // `Read::read` on a socket is the recv() system call; the quiet adapter records the bytes.
    let mut conn = Narrated::quiet(conn, say.clone());
    let mut buf = vec![0u8; max];
    let recv = || conn.read(&mut buf).map(|n| buf[..n].to_vec());
    let got = say.call_then(
        format!("recv({max})"),
        "take what has arrived",
        recv,
        |got| match got.len() {
            0 => "0 bytes: end of stream (the peer's FIN)".to_string(),
            n if n <= 64 => format!("{n} bytes: {}", show_bytes(got)),
            n => format!("{n} bytes"),
        },
    )?;
    Ok(got.len())
}

/// recvfrom(): one datagram, up to `max` bytes, and who sent it.
fn recv_from(socket: &Socket, max: usize) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buf = vec![std::mem::MaybeUninit::<u8>::uninit(); max];
    let (n, from) = socket.recv_from(&mut buf)?;
    // SAFETY: recv_from initialised the first n bytes.
    let got = buf[..n]
        .iter()
        .map(|b| unsafe { b.assume_init() })
        .collect();
    let from = from
        .as_socket()
        .ok_or_else(|| io::Error::other("not an IP address"))?;
    Ok((got, from))
}

/// Let the kernel's timers run (delayed ACK: 40 ms; zero-window probe: 200 ms and more).
fn wait(time: Duration, say: &Narrator) {
    std::thread::sleep(time);
    say.note(format!("{} ms later", time.as_millis()));
}

/// Ask the server's kernel to delay its ACKs (TCP_QUICKACK 0, tcp(7)): it waits up to
/// 40 ms for data to send with the ACK. Linux only; elsewhere ACKs come as the kernel likes.
fn delay_acks(conn: &Socket, say: &Narrator) -> Result<()> {
    let why = "delay ACKs, as a kernel does on an interactive connection";
    let off = || quickack_off(conn);
    say.call_then("setsockopt(TCP_QUICKACK, 0)", why, off, |set| match set {
        true => "ok".to_string(),
        false => "skipped: TCP_QUICKACK is Linux only".to_string(),
    })?;
    Ok(())
}

/// setsockopt(TCP_QUICKACK, 0) through libc (socket2 does not wrap it): `false` where there
/// is no such option.
#[cfg(target_os = "linux")]
fn quickack_off(conn: &Socket) -> io::Result<bool> {
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
    match rc {
        0 => Ok(true),
        _ => Err(io::Error::last_os_error()),
    }
}

#[cfg(not(target_os = "linux"))]
fn quickack_off(_conn: &Socket) -> io::Result<bool> {
    Ok(false)
}

/// The address the kernel gave a socket (getsockname).
fn opts_addr(socket: &Socket) -> Result<SocketAddr> {
    getsockname(socket).map_err(|e| common::LessonError::protocol("getsockname", e.to_string()))
}
