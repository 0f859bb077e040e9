//! Lesson 10: UDP — datagrams.
//!
//! A UDP socket sends and receives *datagrams*: separate messages, each with its own
//! destination. There is no connection, so there is no `listen()`, no `accept()` and no
//! handshake; the server's one socket hears from everyone, and `recv_from` says who wrote.
//! The kernel keeps each datagram whole (three `send_to` calls are three `recv_from` results,
//! never merged), cuts one that does not fit the buffer, and promises nothing about delivery:
//! a datagram can be lost, duplicated or overtaken. This lesson shows each of these, and how a
//! client copes: sequence numbers, a read timeout, and retries.
//!
//! The protocol: a request is one datagram `<seq> <text>` (e.g. `1 one`); the server answers
//! with one datagram `<seq> <TEXT>` (`1 ONE`) to the address the request came from. The text
//! `bye` stops the server.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::error::describe;
use common::narrate::family;
use common::trace::Kind;
use common::{show_bytes, Flag, Lesson, LessonError, Narrator, Options, Result};
use lesson_10_udp::{is_timeout, message, parse, request, Datagrams, MAX_MESSAGE};
use socket2::{Domain, Protocol, SockAddr, SockRef, Socket, Type};

static LESSON: Lesson = Lesson {
    package: "lesson-10-udp",
    title: "UDP: datagrams, with no connection, kept whole, and sometimes lost",
    port: 7010,
    about: "A request is one datagram b\"<seq> <text>\" (e.g. b\"1 one\"); the server answers with one\n\
            datagram b\"<seq> <TEXT>\" (b\"1 ONE\") to the address the request came from. Datagrams\n\
            that are not `<number> <text>`, or longer than 64 bytes, are ignored (the server says so\n\
            and keeps serving). The text `bye` stops the server.\n\
            The client sends requests 1 one, 2 two, 3 three, 4 bye; each waits --timeout ms for its\n\
            answer (stray datagrams do not restart the wait) and is sent again up to --retries times,\n\
            each time waiting twice as long as the time before. --drop N makes the client lose its Nth\n\
            datagram on purpose, to watch the retry. The demo with --burst N sends N datagrams at a\n\
            socket that does not read, and shows how many loopback drops (Linux: RcvbufErrors).\n\
            Try it with: nc -u 127.0.0.1 7010   then type: 1 hello",
    flags: &[
        Flag {
            name: "--drop",
            value: Some("N"),
            help: "client: lose the Nth datagram it sends (simulated loss)",
        },
        Flag {
            name: "--timeout",
            value: Some("MS"),
            help: "client: how long to wait for the first answer (default 300; doubled at each retry)",
        },
        Flag {
            name: "--burst",
            value: Some("N"),
            help: "demo: send N datagrams at a socket that does not read, and count the losses",
        },
        Flag {
            name: "--retries",
            value: Some("N"),
            help: "client: how many times to send a request again (default 2)",
        },
    ],
};

/// How long the demo's client waits for an answer before it sends the request again.
const DEMO_TIMEOUT: Duration = Duration::from_millis(300);

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: open
/// `socket(SOCK_DGRAM)`: a UDP socket. Nothing more is needed to send; to be found by
/// others, a server also binds a known address.
fn new_socket(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    let call = format!("socket({}, SOCK_DGRAM)", family(&addr));
    say.call(call, "make a datagram socket", || {
        Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))
    })
}

/// The server's two calls: socket, bind. That is all: no listen(), no accept().
fn open_server(addr: SocketAddr, say: &Narrator) -> Result<(UdpSocket, SocketAddr)> {
    let socket = new_socket(addr, say)?;
    let bind = || {
        socket.bind(&SockAddr::from(addr))?;
        let local = socket.local_addr()?.as_socket();
        local.ok_or_else(|| io::Error::other("not an IP address"))
    };
    let why = "give the socket the address clients send to";
    let bound = say.call_then(format!("bind({addr})"), why, bind, |b| {
        format!("ok, bound to {b}")
    })?;
    common::wire::name_port(bound.port(), say.who());
    // std's UdpSocket is the same kernel socket, with send_to/recv_from on plain byte slices.
    Ok((UdpSocket::from(socket), bound))
}

/// The client's socket: socket(), and a read timeout so that no receive waits forever.
/// No bind(): the kernel picks an address at the first send.
fn open_client(server: SocketAddr, timeout: Duration, say: &Narrator) -> Result<UdpSocket> {
    let socket = UdpSocket::from(new_socket(server, say)?);
    let call = format!("setsockopt(SO_RCVTIMEO, {} ms)", timeout.as_millis());
    let why = "give up waiting for a datagram after this long";
    say.call(call, why, || socket.set_read_timeout(Some(timeout)))?;
    Ok(socket)
}
// ANCHOR_END: open

// ANCHOR: calls
/// `sendto()`: one datagram to one address. It either goes whole or not at all; there is no
/// partial send to loop over as with TCP (lesson 06).
fn send_to(
    socket: &UdpSocket,
    datagram: &[u8],
    to: SocketAddr,
    say: &Narrator,
) -> io::Result<usize> {
    let call = format!("send_to({to}, {})", show_bytes(datagram));
    let send = || {
        let n = socket.send_to(datagram, to)?;
        // The first send gave the socket its port: name it before the line shows the packet.
        name_port(socket, say);
        Ok(n)
    };
    let n = say
        .call_then(call, "send one datagram", send, |n| format!("{n} bytes"))
        .map_err(into_io)?;
    // A datagram is not a stream: the trace records each one, as it went.
    say.moved(Kind::Send, "send_to", &datagram[..n]);
    Ok(n)
}

/// `recvfrom()`: the next datagram, whole (or cut to the buffer), and who sent it.
fn recv_from(
    socket: &UdpSocket,
    buf: &mut [u8],
    say: &Narrator,
) -> io::Result<(usize, SocketAddr)> {
    let why = "wait for the next datagram (up to the read timeout)";
    let recv = || {
        socket
            .recv_from(buf)
            .map(|(n, from)| (buf[..n].to_vec(), from))
    };
    let (datagram, from) = say
        .call_then("recv_from()", why, recv, datagram_from)
        .map_err(into_io)?;
    say.moved(Kind::Recv, "recv_from", &datagram);
    Ok((datagram.len(), from))
}

/// How a received datagram is shown: `5 bytes from 127.0.0.1:40002: b"1 ONE"`.
fn datagram_from((datagram, from): &(Vec<u8>, SocketAddr)) -> String {
    let n = datagram.len();
    format!("{n} bytes from {from}: {}", show_bytes(datagram))
}

/// The `io::Error` inside a narrated call's error (the narrator has reported it).
fn into_io(err: LessonError) -> io::Error {
    err.source.unwrap_or_else(|| io::Error::other(err.reason))
}
// ANCHOR_END: calls

/// With `--wire`, the lines of the datagrams name this socket's port after its owner
/// (`client:40002`). A socket without bind() has its port from its first send (or connect).
fn name_port(socket: &UdpSocket, say: &Narrator) {
    if let Ok(local) = socket.local_addr() {
        common::wire::name_port(local.port(), say.who());
    }
}

/// What the server did with one datagram.
#[derive(Debug, PartialEq, Eq)]
enum Served {
    Answered,
    Ignored,
    Bye,
}

// ANCHOR: serve
/// Receive one datagram, from anyone, and answer it. Bad datagrams are ignored: anyone can
/// send anything to a UDP port, and one stranger's garbage must not stop the server.
fn serve_one(socket: &UdpSocket, say: &Narrator) -> Result<Served> {
    // One byte more than the longest message: a datagram that fills the buffer was longer,
    // and the kernel has thrown the rest of it away.
    let mut buf = [0u8; MAX_MESSAGE + 1];
    let call = format!("recv_from({}-byte buffer)", buf.len());
    let why = "wait for the next datagram, from anyone";
    let recv = || recv_or_ignore(socket, &mut buf);
    let Ok((datagram, from)) = say.call_then(call, why, recv, received_or_ignored)? else {
        return Ok(Served::Ignored);
    };
    say.moved(Kind::Recv, "recv_from", &datagram);
    let n = datagram.len();
    let datagram = datagram.as_slice();
    if n == MAX_MESSAGE + 1 {
        say.note(format!(
            "ignored: longer than {MAX_MESSAGE} bytes, so it was cut to the buffer (the rest is gone)"
        ));
        return Ok(Served::Ignored);
    }
    let Some((seq, text)) = parse(datagram) else {
        say.note("ignored: not `<number> <text>`; serving on");
        return Ok(Served::Ignored);
    };
    let answer = message(seq, &text.to_ascii_uppercase());
    // No connection to answer on: the answer goes to the address the request came from.
    send_to(socket, &answer, from, say).map_err(|e| call_error("send_to", e))?;
    Ok(if text.trim_ascii() == b"bye" {
        Served::Bye
    } else {
        Served::Answered
    })
}
// ANCHOR_END: serve

/// One recv_from() on the server, where the errors that are not the server's (below) are an
/// outcome, `Err(why it is ignored)`, and not a failure.
fn recv_or_ignore(
    socket: &UdpSocket,
    buf: &mut [u8],
) -> io::Result<std::result::Result<(Vec<u8>, SocketAddr), &'static str>> {
    match socket.recv_from(buf) {
        Ok((n, from)) => Ok(Ok((buf[..n].to_vec(), from))),
        // Windows reports a cut datagram as an error (WSAEMSGSIZE) instead of cutting quietly,
        // and an earlier answer's "port unreachable" as a reset. Neither stops the server.
        Err(e) if e.raw_os_error() == Some(10040) && cfg!(windows) => {
            Ok(Err("the datagram was longer than the buffer: ignored"))
        }
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
            Ok(Err("an earlier answer was not delivered: ignored"))
        }
        Err(e) => Err(e),
    }
}

fn received_or_ignored(got: &std::result::Result<(Vec<u8>, SocketAddr), &'static str>) -> String {
    match got {
        Ok(datagram) => datagram_from(datagram),
        Err(why) => format!("error: {why}"),
    }
}

// ANCHOR: link
/// The client's socket, with a network you can break on purpose. Loopback never loses,
/// duplicates or reorders a datagram, so to see how a client copes, `Link` pretends: it can
/// lose the Nth datagram it is asked to send (it never sends it), or hold one back and send it
/// after the next one, late. Everything else is the real `sendto`/`recvfrom`.
pub struct Link<'a> {
    socket: UdpSocket,
    say: Narrator,
    /// Which datagram to lose: 1 is the first this link sends.
    lose: Option<usize>,
    /// Which datagram to deliver late, after the next one.
    late: Option<usize>,
    /// How many datagrams this link was asked to send so far.
    sent: usize,
    /// A datagram held back to be delivered late, with its destination.
    held: Option<(Vec<u8>, SocketAddr)>,
    /// The sequence number of the last request sent: the narration marks older answers.
    last_seq: Option<u32>,
    /// How long the first try of a request waits for its answer.
    first_wait: Duration,
    /// How long the current try waits (for the narration).
    try_wait: Duration,
    /// In the demo, server and client share one thread: the server takes its turn each time a
    /// datagram reaches it. (In two processes the server simply runs on its own.)
    server_turn: Option<Box<dyn FnMut() -> Result<()> + 'a>>,
}

impl<'a> Link<'a> {
    /// A link that loses the datagrams numbered `lose`, and delivers `late` late. A request's
    /// first try waits `first_wait` for its answer.
    pub fn new(
        socket: UdpSocket,
        say: Narrator,
        first_wait: Duration,
        lose: Option<usize>,
        late: Option<usize>,
    ) -> Self {
        Link {
            socket,
            say,
            lose,
            late,
            sent: 0,
            held: None,
            last_seq: None,
            first_wait,
            try_wait: first_wait,
            server_turn: None,
        }
    }

    fn server_turn(&mut self) -> io::Result<()> {
        match self.server_turn.as_mut() {
            Some(turn) => turn().map_err(|e| io::Error::other(e.to_string())),
            None => Ok(()),
        }
    }
}

impl Datagrams for Link<'_> {
    fn first_wait(&self) -> Duration {
        self.first_wait
    }

    /// The moment a try that waits `wait` ends: now + `wait`.
    fn deadline(&mut self, wait: Duration) -> Instant {
        self.try_wait = wait;
        Instant::now() + wait
    }

    /// Send one datagram — or pretend to, when the plan says it is lost or late.
    fn send_to(&mut self, datagram: &[u8], to: SocketAddr) -> io::Result<usize> {
        self.sent += 1;
        self.last_seq = parse(datagram).map(|(seq, _)| seq);
        if self.lose == Some(self.sent) {
            // No call: the datagram never leaves (and the trace records no bytes).
            let call = format!("send_to({to}, {})", show_bytes(datagram));
            let why = "send one datagram (this one will be lost)";
            let lost = |n: &usize| format!("{n} bytes — lost on the way (simulated)");
            return self
                .say
                .call_then(call, why, || Ok(datagram.len()), lost)
                .map_err(into_io);
        }
        if self.late == Some(self.sent) {
            // No call yet: the datagram is really sent after the next one.
            let call = format!("send_to({to}, {})", show_bytes(datagram));
            let why = "send one datagram (this one will be late)";
            let late = |n: &usize| {
                format!("{n} bytes — delayed on the way (simulated): it arrives after the next one")
            };
            self.held = Some((datagram.to_vec(), to));
            return self
                .say
                .call_then(call, why, || Ok(datagram.len()), late)
                .map_err(into_io);
        }
        let n = send_to(&self.socket, datagram, to, &self.say)?;
        self.server_turn()?;
        if let Some((late, to)) = self.held.take() {
            self.say
                .note("the delayed datagram arrives now, after the newer one");
            send_to(&self.socket, &late, to, &self.say)?;
            self.server_turn()?;
        }
        Ok(n)
    }

    /// Receive one datagram (the real call), waiting no later than `deadline`. The read
    /// timeout (SO_RCVTIMEO) limits one call, so before each call it is set to the time left:
    /// a datagram that is not the answer does not give the try more time. Past the deadline:
    /// `TimedOut`, without a call.
    fn recv_from(&mut self, buf: &mut [u8], deadline: Instant) -> io::Result<(usize, SocketAddr)> {
        let (n, from) = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let wait = self.try_wait.as_millis();
                self.say.note(format!("no answer within {wait} ms"));
                return Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"));
            }
            self.socket.set_read_timeout(Some(left))?;
            match recv_from(&self.socket, buf, &self.say) {
                Ok(got) => break got,
                // A stop and continue (Ctrl-Z, fg) ends a receive that has a timeout with
                // EINTR (signal(7)): nothing came; go on waiting until the deadline.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // The read timeout ran out: that was the time left, so the deadline is here.
                Err(e) if is_timeout(&e) => continue,
                Err(e) => return Err(e),
            }
        };
        if let (Some((seq, _)), Some(last)) = (parse(&buf[..n]), self.last_seq) {
            if seq != last {
                self.say.note(format!(
                    "that answers request {seq}, not the latest one ({last})"
                ));
            }
        }
        Ok((n, from))
    }
}
// ANCHOR_END: link

/// An `io::Error` from a call whose narration already printed it, as the lesson's error.
fn call_error(call: &str, err: io::Error) -> LessonError {
    LessonError::io(call, err, LESSON.package)
}

/// What a failed `request` means for the learner.
fn request_error(seq: u32, text: &str, err: io::Error) -> LessonError {
    let call = format!("request({seq}, {text:?})");
    if err.kind() == io::ErrorKind::TimedOut {
        LessonError::protocol(call, err.to_string()).with_hint(
            "UDP cannot tell a lost datagram from a missing server: is the server running? \
             (start it with: cargo run -p lesson-10-udp -- server)",
        )
    } else {
        call_error(&call, err)
    }
}

// ANCHOR: boundaries
/// Three `send_to` calls, then three `recv_from` calls: each returns exactly one datagram.
/// (Over TCP the same three sends could arrive as one read: lesson 07.)
fn boundaries(
    client: &UdpSocket,
    server: &UdpSocket,
    to: SocketAddr,
    opts: &Options,
) -> Result<()> {
    let (say, server_say) = (opts.narrator("client"), opts.narrator("server"));
    for (seq, text) in [(1, "one"), (2, "two"), (3, "three")] {
        send_to(client, &message(seq, text.as_bytes()), to, &say)
            .map_err(|e| call_error("send_to", e))?;
    }
    let local = client
        .local_addr()
        .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?;
    say.note(format!(
        "no bind() was needed: the first send_to bound the socket to {local} (any local address, a free port)"
    ));
    for _ in 0..3 {
        serve_one(server, &server_say)?;
    }
    let mut buf = [0u8; 1500];
    for _ in 0..3 {
        recv_from(client, &mut buf, &say).map_err(|e| call_error("recv_from", e))?;
    }
    Ok(())
}
// ANCHOR_END: boundaries

// ANCHOR: too_long
/// A datagram longer than the receiver's buffer is cut to fit, and the rest is thrown away:
/// the next recv_from returns the next datagram, never the rest of this one.
fn too_long(client: &UdpSocket, server: &UdpSocket, to: SocketAddr, opts: &Options) -> Result<()> {
    let (say, server_say) = (opts.narrator("client"), opts.narrator("server"));
    let long = message(4, &[b'x'; 100]);
    send_to(client, &long, to, &say).map_err(|e| call_error("send_to", e))?;
    serve_one(server, &server_say)?;
    Ok(())
}
// ANCHOR_END: too_long

// ANCHOR: connected
/// `connect()` on a UDP socket sends nothing. It sets the default destination (so plain
/// `send`/`recv` work) and filters: only datagrams from that peer are received.
fn connected(server: &UdpSocket, to: SocketAddr, timeout: Duration, opts: &Options) -> Result<()> {
    let (say, server_say) = (opts.narrator("client"), opts.narrator("server"));
    let socket = open_client(to, timeout, &say)?;
    let connect = || {
        socket.connect(to)?;
        name_port(&socket, &say);
        socket.local_addr()
    };
    let why = "set the default peer: nothing is sent";
    let no_packet = |local: &SocketAddr| format!("ok, no packet sent; our address is {local}");
    let local = say.call_then(format!("connect({to})"), why, connect, no_packet)?;

    // A stranger (another socket of ours) writes to the connected socket...
    say.note("a stranger's socket sends to the connected one:");
    let stranger = UdpSocket::from(new_socket(to, &say)?);
    send_to(&stranger, b"psst", local, &say).map_err(|e| call_error("send_to", e))?;

    let why = "send to the default peer: no address needed";
    let n = say.call("send(b\"8 eight\")", why, || socket.send(b"8 eight"))?;
    say.moved(Kind::Send, "send", &b"8 eight"[..n]);
    serve_one(server, &server_say)?;

    // ...but the connected socket only hears from its peer: b"psst" was dropped by the kernel.
    let mut buf = [0u8; 1500];
    let why = "the next datagram from the peer (others are filtered out)";
    let recv = || socket.recv(&mut buf).map(|n| buf[..n].to_vec());
    let shown = |d: &Vec<u8>| format!("{} bytes: {}", d.len(), show_bytes(d));
    let datagram = say.call_then("recv()", why, recv, shown)?;
    say.moved(Kind::Recv, "recv", &datagram);
    say.note("b\"psst\" never showed up: the kernel dropped it, as it came from someone else");
    Ok(())
}
// ANCHOR_END: connected

// ANCHOR: refused
/// Send to a port where no socket is bound. The kernel there answers with an ICMP "port
/// unreachable" message; a *connected* UDP socket hears about it at its next call (on Linux
/// as "connection refused"). An unconnected socket is not told: it would just time out.
fn refused(timeout: Duration, opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    // A port nobody uses: bind port 0 to get a free one, then close that socket again.
    let closed = UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map_err(|e| call_error("bind(127.0.0.1:0)", e))?;
    say.note(format!("nothing is bound to {closed}"));
    let socket = open_client(closed, timeout, &say)?;
    let connect = || {
        socket.connect(closed)?;
        name_port(&socket, &say);
        Ok(())
    };
    let nothing_yet = |_: &()| "ok: nothing is sent, so nothing can be refused yet".to_string();
    say.call_then(
        format!("connect({closed})"),
        "set the default peer",
        connect,
        nothing_yet,
    )?;
    let as_far_as_we_know = |n: &usize| format!("{n} bytes: sent, as far as the kernel knows");
    let why = "one datagram to the empty port";
    let n = say.call_then(
        "send(b\"anyone?\")",
        why,
        || socket.send(b"anyone?"),
        as_far_as_we_know,
    )?;
    say.moved(Kind::Send, "send", &b"anyone?"[..n]);
    // The error this part expects is an outcome to show, not a failure of the lesson.
    let recv = || Ok(socket.recv(&mut [0u8; 1500]));
    let shown = |got: &io::Result<usize>| match got {
        Ok(n) => format!("{n} bytes"),
        Err(e) => format!("error: {}", describe(e)),
    };
    let got = say.call_then("recv()", "wait for an answer that cannot come", recv, shown)?;
    if got.is_err_and(|e| e.kind() == io::ErrorKind::ConnectionRefused) {
        say.note("the ICMP \"port unreachable\" came back, and the connected socket reports it");
    }
    Ok(())
}
// ANCHOR_END: refused

// ANCHOR: burst
/// Loopback loses datagrams too. A datagram that arrives when the receiving socket's buffer
/// is full is dropped by the kernel (udp(7)), and nobody is told: not the sender, whose
/// send_to succeeded, not the receiver. Linux counts each one as RcvbufErrors.
fn burst(opts: &Options, count: usize) -> Result<()> {
    let say = opts.narrator("server");
    let (receiver, addr) = open_server(opts.addr, &say)?;
    opts.ready(addr);
    let why = "how much the receive buffer holds";
    say.call("getsockopt(SO_RCVBUF)", why, || {
        SockRef::from(&receiver).recv_buffer_size()
    })?;
    say.note("this socket reads nothing until the burst is over");

    let client_say = opts.narrator("client");
    let client = UdpSocket::from(new_socket(addr, &client_say)?);
    let before = rcvbuf_errors(addr, &client_say);
    let call = format!("send_to({addr}, b\"<n> x\") for n = 1..={count}");
    let why = "a burst, as fast as the loop goes";
    let send_all = || {
        (1..=count).try_fold(0, |sent, n| {
            client
                .send_to(&message(n as u32, b"x"), addr)
                .map(|_| sent + 1)
        })
    };
    let not_one_error = |sent: &usize| format!("{sent} datagrams sent, and not one error");
    let sent = client_say.call_then(call, why, send_all, not_one_error)?;
    let after = rcvbuf_errors(addr, &client_say);

    // Now read everything the buffer holds, without waiting for more (non-blocking: the
    // first recv_from() with nothing waiting fails with EAGAIN instead of waiting).
    let call = "recv_from() until it would block";
    let drain = || {
        receiver.set_nonblocking(true)?;
        count_waiting(&receiver)
    };
    let arrived = say.call_then(call, "take what arrived", drain, |n| {
        format!("{n} datagrams")
    })?;
    say.note(format!(
        "sent {sent}, arrived {arrived}, lost {} — on loopback",
        sent - arrived
    ));
    if let (Some(before), Some(after)) = (before, after) {
        client_say.note(format!("the kernel's counter rose by {}", after - before));
    }
    Ok(())
}

/// recv_from() until the queue is empty (the socket is non-blocking): how many were waiting.
fn count_waiting(receiver: &UdpSocket) -> io::Result<usize> {
    let mut buf = [0u8; MAX_MESSAGE + 1];
    let mut arrived = 0;
    loop {
        match receiver.recv_from(&mut buf) {
            Ok(_) => arrived += 1,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(arrived),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Linux's count of datagrams dropped because a receive buffer was full: the `RcvbufErrors`
/// column of the `Udp:` lines in /proc/net/snmp (`Udp6RcvbufErrors` in /proc/net/snmp6 for
/// IPv6). The same counters as `nstat -az UdpRcvbufErrors`. It counts for the whole network
/// namespace: every socket, every process.
fn rcvbuf_errors(addr: SocketAddr, say: &Narrator) -> Option<u64> {
    if !cfg!(target_os = "linux") {
        say.note("(the kernel's drop counter is Linux's; macOS: netstat -s -p udp, \"dropped due to full socket buffers\")");
        return None;
    }
    let (file, name) = match addr {
        SocketAddr::V4(_) => ("/proc/net/snmp", "RcvbufErrors"),
        SocketAddr::V6(_) => ("/proc/net/snmp6", "Udp6RcvbufErrors"),
    };
    let read = || counter(addr, name, &std::fs::read_to_string(file)?);
    let why = "the kernel's UDP counters";
    let shown = |value: &u64| format!("{name} {value}");
    say.call_then(format!("read {file}"), why, read, shown).ok()
}

/// The counter `name` in the text of /proc/net/snmp (IPv4) or /proc/net/snmp6 (IPv6).
fn counter(addr: SocketAddr, name: &str, text: &str) -> io::Result<u64> {
    let found = || -> Option<u64> {
        Some(match addr {
            // Two lines: `Udp: InDatagrams NoPorts ...` and `Udp: 5398 531 ...`.
            SocketAddr::V4(_) => {
                let mut lines = text.lines().filter(|l| l.starts_with("Udp: "));
                let (names, values) = (lines.next()?, lines.next()?);
                let column = names.split_whitespace().position(|w| w == name)?;
                values.split_whitespace().nth(column)?.parse().ok()?
            }
            // One line per counter: `Udp6RcvbufErrors 0`.
            SocketAddr::V6(_) => text
                .lines()
                .find_map(|l| l.strip_prefix(name))?
                .trim()
                .parse()
                .ok()?,
        })
    };
    found().ok_or_else(|| io::Error::other(format!("no {name} counter")))
}
// ANCHOR_END: burst

// ANCHOR: demo
/// Server and client in one thread, one call at a time. UDP makes this easy: a datagram
/// waits in the receiving socket's queue until someone calls recv_from.
fn demo(opts: &Options) -> Result<()> {
    let count: usize = opts.value("--burst", 0)?;
    if count > 0 {
        return burst(opts, count);
    }
    let server_say = opts.narrator("server");
    let (server, addr) = open_server(opts.addr, &server_say)?;
    opts.ready(addr);
    server_say.note("no listen(), no accept(): this one socket hears from everyone");

    let client = open_client(addr, DEMO_TIMEOUT, &opts.narrator("client"))?;
    boundaries(&client, &server, addr, opts)?;
    too_long(&client, &server, addr, opts)?;

    // From here the client talks through a Link that loses the first datagram it sends and
    // delays the third; the server answers each datagram as soon as it arrives.
    let mut link = Link::new(
        client,
        opts.narrator("client"),
        DEMO_TIMEOUT,
        Some(1),
        Some(3),
    );
    link.server_turn = Some(Box::new(|| serve_one(&server, &server_say).map(|_| ())));
    for (seq, text) in [(5, "five"), (6, "six"), (7, "seven")] {
        let answer = request(&mut link, addr, seq, text.as_bytes(), 2)
            .map_err(|e| request_error(seq, text, e))?;
        link.say
            .note(format!("request {seq} answered: {}", show_bytes(&answer)));
    }
    drop(link);

    connected(&server, addr, DEMO_TIMEOUT, opts)?;
    refused(DEMO_TIMEOUT, opts)?;
    opts.narrator("client")
        .note("closing a UDP socket sends nothing: there is no connection to end");
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: server
/// Answer datagrams, from anyone, until one says `bye`.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let (socket, addr) = open_server(opts.addr, &say)?;
    opts.ready(addr);
    while serve_one(&socket, &say)? != Served::Bye {}
    say.note("bye: stopping");
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
/// Four requests, each with a timeout and retries; the last one, `bye`, stops the server.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let timeout = opts.millis("--timeout", 300)?;
    let retries = opts.value("--retries", 2)?;
    let lose = Some(opts.value("--drop", 0)?).filter(|&n| n > 0);
    let socket = open_client(opts.addr, timeout, &say)?;
    let mut link = Link::new(socket, say, timeout, lose, None);
    for (seq, text) in [(1, "one"), (2, "two"), (3, "three"), (4, "bye")] {
        let answer = request(&mut link, opts.addr, seq, text.as_bytes(), retries)
            .map_err(|e| request_error(seq, text, e))?;
        println!("answer {seq}: {}", String::from_utf8_lossy(&answer));
    }
    Ok(())
}
// ANCHOR_END: client
