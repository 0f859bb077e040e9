//! Lesson 13: async with tokio — one thread, many connections.
//!
//! The server of lesson 11 gave each client a thread. This one gives each client a *task*: a
//! small state machine that tokio runs on one thread, switching to another task whenever the
//! current one would wait for the network. The calls underneath are the same (accept, recv,
//! send); what changes is who waits: not the thread, but the task.
//!
//! The exchange: each line a client sends is answered with its number and the line in upper
//! case (`hello\n` → `1: HELLO\n`). The line `shutdown` stops the whole server gracefully:
//! it stops accepting, says `bye` to every connected client, and waits for them all — for a
//! few seconds at most (a second Ctrl-C: not at all). The same port answers UDP datagrams too
//! (`ping\n` → `PING\n`).

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use common::lines::{within, LineClient};
use common::trace::Kind;
use common::{show_bytes, Flag, Lesson, LessonError, Narrator, Options, Result};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpSocket, TcpStream, UdpSocket};
use tokio::sync::{broadcast, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::sleep;

use lesson_13_async::{Event, LineWaiter, MAX_LINE};

/// Has the server been asked to stop, and how? (Ordered: a request never lowers another.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stop {
    /// Serve.
    No,
    /// Stop accepting, say bye to everybody, wait for them (at most `--grace` seconds).
    Gracefully,
    /// Cut every connection off now (a second Ctrl-C).
    Now,
}

static LESSON: Lesson = Lesson {
    package: "lesson-13-async",
    title: "async with tokio: one thread, many connections",
    port: 7013,
    about: "The server answers every line with its number and the line in upper case:\n\
            b\"hello\\n\" -> b\"1: HELLO\\n\", b\"again\\n\" -> b\"2: AGAIN\\n\". It serves any number of\n\
            clients at once, each in its own task, all on one thread.\n\
            The line b\"shutdown\\n\" (answered b\"bye: shutting down\\n\") stops it gracefully: no more\n\
            connections are accepted, every other connected client gets\n\
            b\"bye: the server is shutting down\\n\" and end of stream, and the server exits once\n\
            all of them are done, or after --grace seconds, cutting off the rest. Ctrl-C does the\n\
            same; a second Ctrl-C cuts everybody off at once.\n\
            Limits: each line must arrive whole (at most 1024 bytes, newline included) within\n\
            --idle seconds of the previous answer, or the client gets b\"bye: no whole line in N s\\n\"\n\
            or b\"error: line longer than 1024 bytes\\n\" and is closed; an answer the client does\n\
            not take within --write-timeout seconds ends its connection. accept() errors (out of\n\
            descriptors, say) are reported, and accepting resumes after a pause (10 ms, doubling\n\
            up to 1 s): the connections in progress go on.\n\
            The same port answers UDP: each datagram of up to 1500 bytes comes back in upper case;\n\
            a longer one gets b\"error: datagram longer than 1500 bytes\\n\" (on Windows it is only\n\
            reported on the server).\n\
            Try it with: nc 127.0.0.1 7013   (several at once), and: nc -u 127.0.0.1 7013",
    flags: &[
        Flag {
            name: "--idle",
            value: Some("SECONDS"),
            help: "server: each line must arrive whole this long after the last answer (default 30)",
        },
        Flag {
            name: "--write-timeout",
            value: Some("SECONDS"),
            help: "server: an answer the client does not take this long ends it (default 10)",
        },
        Flag {
            name: "--grace",
            value: Some("SECONDS"),
            help: "server: at shutdown, wait this long for the connections, then cut them off (default 5)",
        },
        Flag {
            name: "--misbehave",
            value: None,
            help: "demo: rude clients instead (a flood, a trickle) while bob is served",
        },
        Flag {
            name: "--shutdown",
            value: None,
            help: "client: end by sending b\"shutdown\\n\", which stops the server",
        },
        Flag {
            name: "--udp",
            value: None,
            help: "client: send one UDP datagram instead of using TCP",
        },
    ],
};

/// How long a client may wait for an answer before it gives up.
const CLIENT_WAIT: Duration = Duration::from_secs(10);

/// The server's time limits (from the command line).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// For each whole line, from the previous answer (or the connection's start).
    pub idle: Duration,
    /// For each answer, until the kernel has taken every byte.
    pub write: Duration,
    /// At shutdown, for the connections still open.
    pub grace: Duration,
}

impl Limits {
    fn from(opts: &Options) -> Result<Limits> {
        Ok(Limits {
            idle: opts.seconds("--idle", 30)?,
            write: opts.seconds("--write-timeout", 10)?,
            grace: opts.seconds("--grace", 5)?,
        })
    }
}

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

/// One runtime on the current thread: every task of this lesson runs on this one thread.
fn runtime(say: &Narrator) -> Result<tokio::runtime::Runtime> {
    let start = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    let why = "start tokio: one thread, an epoll loop and a timer";
    say.call_then("Runtime::new_current_thread()", why, start, |_| "ok".into())
}

// ANCHOR: bind
/// How many finished handshakes the kernel may queue for us (listen(2)'s backlog). tokio's
/// `TcpListener::bind` asks for 128, as std does; a storm of a thousand clients arriving at
/// once overflows that, and every SYN past it waits a second for its retry. Linux caps the
/// number at `net.core.somaxconn` (4096 since Linux 5.4).
const BACKLOG: u32 = 4096;

/// The server's sockets: a TCP listener, and a UDP socket on the same port number; and the
/// address they are bound to.
async fn bind(addr: SocketAddr, say: &Narrator) -> Result<(TcpListener, UdpSocket, SocketAddr)> {
    let socket = || {
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        // As TcpListener::bind does (chapter 2): a restart need not wait for TIME_WAIT.
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        Ok(socket)
    };
    let call = format!("TcpSocket::new() + bind({addr})");
    let why = "socket + SO_REUSEADDR + bind, as TcpListener::bind does them";
    let socket = say.call_then(call, why, socket, |_| "ok".into())?;
    let listening = || {
        let listener = socket.listen(BACKLOG)?;
        let bound = listener.local_addr()?;
        Ok((listener, bound))
    };
    let call = format!("listen(backlog={BACKLOG})");
    let why = "a queue big enough for a storm of connects (TcpListener::bind asks for 128)";
    let shown = |(_, bound): &(TcpListener, SocketAddr)| format!("ok, listening on {bound}");
    let (listener, bound) = say.call_then(call, why, listening, shown)?;
    say.kernel_at(bound, None);

    let call = format!("UdpSocket::bind({bound})");
    let why = "UDP ports are separate from TCP ports: take the same number";
    let udp = say
        .call_async_then(call, why, UdpSocket::bind(bound), |_| "ok".into())
        .await?;
    Ok((listener, udp, bound))
}
// ANCHOR_END: bind

// ANCHOR: serve
/// The longest datagram the server takes.
pub const MAX_DATAGRAM: usize = 1500;

/// What woke the accept loop: the branch of its `select!` that finished first.
enum Woke {
    /// accept() returned: a new connection and its peer, or an error.
    Accepted(io::Result<(TcpStream, SocketAddr)>),
    /// recv_from() returned: a datagram (as much as the buffer took) and its sender, or an error.
    Datagram(io::Result<(Vec<u8>, SocketAddr)>),
    /// Someone asked the server to stop.
    AskedToStop,
}

/// The accept loop: one task per connection, until someone asks to stop (`stop`: a client's
/// `shutdown` line, or Ctrl-C). Then stop accepting, tell every connection (`shutdown`), and
/// wait until each connection's task has finished — for `grace` at most.
async fn serve(
    listener: TcpListener,
    udp: UdpSocket,
    stop: watch::Sender<Stop>,
    limits: Limits,
) -> Result<()> {
    let say = Narrator::new("server", LESSON.package);
    let mut stop_asked = stop.subscribe();
    // One sender here, one receiver per connection: the accept loop tells them all at once.
    let (shutdown, _) = broadcast::channel::<()>(1);
    let mut connections = JoinSet::new();
    let mut count = 0;
    // After an error, wait before trying again: 10 ms, doubling up to 1 s (see below).
    let mut pause = PAUSE_FIRST;
    loop {
        // Forget the tasks that have already finished (their narration said how).
        while connections.try_join_next().is_some() {}
        let waking = wake(&listener, &udp, &mut stop_asked);
        let why = "wait for whichever comes first: a connection, a datagram, the shutdown signal";
        let next = count + 1;
        let woke = say.call_async_then("select!", why, waking, |w| w.shown(next));
        match woke.await? {
            Woke::Accepted(Ok((stream, peer))) => {
                pause = PAUSE_FIRST;
                count += 1;
                if let Ok(local) = stream.local_addr() {
                    say.kernel_at(local, Some(peer));
                }
                // A new task for this connection; the loop goes straight back to accepting.
                let connection = handle(stream, count, shutdown.subscribe(), stop.clone(), limits);
                connections.spawn(connection);
            }
            Woke::Datagram(Ok((bytes, from))) => {
                say.moved(Kind::Recv, "recv_from", &bytes);
                answer_datagram(&udp, &bytes, from, &say).await;
                pause = PAUSE_FIRST;
            }
            // Never the server's end: passing it up with `?` would drop `connections`, and
            // with it every connection in progress.
            Woke::Accepted(Err(e)) | Woke::Datagram(Err(e)) => {
                pause = after_error(&e, pause, &say).await;
            }
            Woke::AskedToStop => break,
        }
    }
    close_down(listener, shutdown, connections, stop_asked, limits, &say).await
}

/// The accept loop's `select!`: whichever comes first, a connection, a datagram or a request
/// to stop. (Each branch is cancel-safe: the ones that lose lose nothing.)
async fn wake(
    listener: &TcpListener,
    udp: &UdpSocket,
    stop_asked: &mut watch::Receiver<Stop>,
) -> io::Result<Woke> {
    // One byte more than we take: a datagram that fills it was longer (and was cut).
    let mut datagram = [0u8; MAX_DATAGRAM + 1];
    Ok(tokio::select! {
        accepted = listener.accept() => Woke::Accepted(accepted),
        received = udp.recv_from(&mut datagram) => {
            Woke::Datagram(received.map(|(n, from)| (datagram[..n].to_vec(), from)))
        }
        _ = asked(stop_asked, Stop::Gracefully) => Woke::AskedToStop,
    })
}

impl Woke {
    /// The `select!`'s result: `accept() -> conn1, from 127.0.0.1:40002`, and so on.
    fn shown(&self, number: usize) -> String {
        match self {
            Woke::Accepted(Ok((_, peer))) => format!("accept() -> conn{number}, from {peer}"),
            Woke::Accepted(Err(e)) => format!("accept() -> error: {e}"),
            Woke::Datagram(Ok((bytes, from))) if bytes.len() > MAX_DATAGRAM => {
                format!(
                    "recv_from() -> a datagram from {from} longer than {MAX_DATAGRAM} bytes: cut"
                )
            }
            Woke::Datagram(Ok((bytes, from))) => {
                let n = bytes.len();
                format!(
                    "recv_from() -> {n} bytes from {from}: {}",
                    show_bytes(bytes)
                )
            }
            Woke::Datagram(Err(e)) => format!("recv_from() -> error: {e}"),
            Woke::AskedToStop => "asked to stop".to_string(),
        }
    }
}

/// The end of the accept loop: close the listener (nobody new gets in), tell every
/// connection's task, and wait for them all: `grace` at most, or until asked to stop now.
async fn close_down(
    listener: TcpListener,
    shutdown: broadcast::Sender<()>,
    mut connections: JoinSet<Result<()>>,
    mut stop_asked: watch::Receiver<Stop>,
    limits: Limits,
    say: &Narrator,
) -> Result<()> {
    let grace = limits.grace;
    let close = move || {
        let local = listener.local_addr()?;
        drop(listener);
        Ok(local)
    };
    let why = "accept no more connections";
    let local = say.call_then("close(listener)", why, close, |_| "ok".into())?;
    say.kernel_at(local, None);

    // An error only means that no connection is open: nobody to tell.
    let tell = || Ok(shutdown.send(()).unwrap_or(0));
    let why = "tell every connection's task that the server is shutting down";
    let told = |n: &usize| format!("ok, {n} open connection(s) told");
    say.call_then("shutdown.send(())", why, tell, told)?;

    let call = format!(
        "join every connection's task (at most {} s)",
        grace.as_secs()
    );
    let why = "let the connections in flight finish, but not for ever";
    // Whichever comes first: every task done, the grace period over, or a second Ctrl-C.
    let joined = async {
        let why = tokio::select! {
            _ = async { while connections.join_next().await.is_some() {} } => "",
            _ = sleep(grace) => "the grace period is over",
            _ = asked(&mut stop_asked, Stop::Now) => "asked again: stop now",
        };
        Ok((why, connections.len()))
    };
    let (_, open) = say.call_async_then(call, why, joined, still_open).await?;
    if open > 0 {
        let abort = async {
            connections.shutdown().await;
            Ok(())
        };
        let why = "cancel their tasks: their sockets are closed";
        say.call_async("abort the rest", why, abort).await?;
    }
    Ok(())
}

/// How the wait for the connections ended: all closed, or why not and how many are left.
fn still_open((why, open): &(&str, usize)) -> String {
    match open {
        0 => "ok, every connection is closed".to_string(),
        n => format!("{why}: {n} connection(s) still open"),
    }
}

/// Wait until the server is asked to stop at least this firmly.
async fn asked(stop: &mut watch::Receiver<Stop>, level: Stop) {
    // (wait_for returns a borrow of the value, which holds a lock: let it go at once.)
    let _ = stop.wait_for(|asked| *asked >= level).await;
}
// ANCHOR_END: serve

// ANCHOR: after_error
/// The first pause after an error, and the longest.
const PAUSE_FIRST: Duration = Duration::from_millis(10);
const PAUSE_MOST: Duration = Duration::from_secs(1);

/// A socket call failed, but the server goes on: wait a little if waiting can help, and
/// return the pause for the next error (twice as long, up to a second).
///
/// accept(2): ECONNABORTED (a client reset while it waited in the queue) concerns one
/// connection only: take the next at once. EMFILE/ENFILE (no descriptor left), ENOBUFS/ENOMEM,
/// and the network errors Linux passes on are a moment to ride out. The connection stays in
/// the queue, and tokio keeps the listener "ready" until an accept says WouldBlock: without a
/// pause the loop would spin at full speed on a connection it cannot take.
/// UDP: on Windows, a datagram we sent to a closed port comes back as an ICMP "port
/// unreachable", and the NEXT recv_from fails with WSAECONNRESET (chapter 10): that is no
/// error of this socket either.
async fn after_error(e: &io::Error, pause: Duration, say: &Narrator) -> Duration {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    ) {
        say.note("one peer's trouble, not the server's: going on");
        return pause;
    }
    say.note(format!("going on in {} ms", pause.as_millis()));
    sleep(pause).await;
    (pause * 2).min(PAUSE_MOST)
}
// ANCHOR_END: after_error

// ANCHOR: answer_datagram
/// Answer one datagram (`bytes` is what recv_from put in the buffer). A failed send only
/// loses this answer, as UDP may lose any datagram.
async fn answer_datagram(udp: &UdpSocket, bytes: &[u8], from: SocketAddr, say: &Narrator) {
    let answer = if bytes.len() > MAX_DATAGRAM {
        // The buffer is full: the datagram was longer, and the kernel dropped the rest
        // (recv(2): "excess bytes may be discarded"). Say so, rather than answer half of it.
        format!("error: datagram longer than {MAX_DATAGRAM} bytes\n").into_bytes()
    } else {
        bytes.to_ascii_uppercase()
    };
    let call = format!("send_to({}, {from})", show_bytes(&answer));
    // A failed send_to is an outcome (`Ok(Err(e))`), not the server's failure.
    let sending = async { Ok(udp.send_to(&answer, from).await) };
    let sent = say.call_async_then(call, "answer the datagram", sending, sent_or_lost);
    if let Ok(Ok(n)) = sent.await {
        say.moved(Kind::Send, "send_to", &answer[..n]);
    }
}

/// `5 bytes`, or the error and that the server goes on without this answer.
fn sent_or_lost(sent: &io::Result<usize>) -> String {
    match sent {
        Ok(n) => format!("{n} bytes"),
        Err(e) => format!("error: {e} (this answer is lost; going on)"),
    }
}
// ANCHOR_END: answer_datagram

// (MAX_LINE and read_line, the line reader `LineWaiter` uses, are in src/lib.rs.)

// ANCHOR: handle
/// One connection, in its own task: answer its lines until it closes, sends no whole line in
/// time, sends `shutdown`, or the server shuts down. (The narrator stays inside the task: a
/// task that tokio::spawn may move between threads cannot borrow one from outside.)
async fn handle(
    stream: TcpStream,
    number: usize,
    mut shutdown: broadcast::Receiver<()>,
    stop: watch::Sender<Stop>,
    limits: Limits,
) -> Result<()> {
    let say = Narrator::new(format!("conn{number}"), LESSON.package);
    // Two owned halves, like asyncio's (reader, writer) pair: each can go its own way.
    let (read_half, mut writer) = stream.into_split();
    let mut reader = BufReader::new(read_half);
    // One waiter for the whole connection: whatever it keeps lasts from one wait to the next.
    let mut waiter = LineWaiter::new(limits.idle);
    let (mut answered, mut failure) = (0, None);
    loop {
        let why = "wait for a whole line (in time), or the shutdown signal";
        let waiting = waiter.next_event(&mut reader, &mut shutdown);
        let shown = |event: &Event| event_shown(event, limits.idle);
        let event = say.call_async_then("read_line()", why, waiting, shown);
        // What to write back, and whether the connection ends after it.
        let (reply, last) = match event.await {
            Ok(event) => {
                if let Event::Line(bytes) = &event {
                    say.moved(Kind::Recv, "read_line", bytes);
                }
                if is_shutdown(&event) {
                    ask_to_stop(&stop, &say);
                }
                reply_to(event, &mut answered, limits.idle)
            }
            // Too long (read_line's InvalidData): tell the client why, then close.
            Err(err) if err.kind() == Some(io::ErrorKind::InvalidData) => {
                say.moved(Kind::Recv, "read_line", waiter.unfinished());
                failure = Some(err);
                let reply = format!("error: line longer than {MAX_LINE} bytes\n");
                (reply.into_bytes(), true)
            }
            Err(err) => return Err(err),
        };
        if !reply.is_empty() {
            send_reply(&mut writer, &reply, limits.write, &say).await?;
        }
        if last {
            break;
        }
    }
    // shutdown(SHUT_WR) never waits: it queues a FIN behind the bytes already written.
    let why = "send FIN after the last bytes: we are done";
    say.call_async("shutdown()", why, writer.shutdown()).await?;
    // The halves are dropped here, and with them the socket: close().
    failure.map_or(Ok(()), Err)
}

/// Write all of `reply`, in time. A client that does not read fills the kernel's buffers, and
/// write_all waits. Not for ever: after `wait` the task ends, and with it the connection.
async fn send_reply(
    writer: &mut OwnedWriteHalf,
    reply: &[u8],
    wait: Duration,
    say: &Narrator,
) -> Result<()> {
    // (The call's name, with the reply's bytes, is made only when someone listens.)
    let call = || format!("write_all({})", show_bytes(reply));
    let why = "hand every byte to the kernel (no drain() needed), in time";
    say.call_async(call, why, within(wait, writer.write_all(reply)))
        .await?;
    say.moved(Kind::Send, "write_all", reply);
    Ok(())
}

/// Ask the accept loop to stop; it tells every connection, this one too. (max: if a stop Now
/// was asked already, it stays asked.)
fn ask_to_stop(stop: &watch::Sender<Stop>, say: &Narrator) {
    stop.send_modify(|asked| *asked = (*asked).max(Stop::Gracefully));
    say.note("asked the server to stop");
}

/// Is this the line that asks the server to stop?
fn is_shutdown(event: &Event) -> bool {
    matches!(event, Event::Line(bytes) if bytes.trim_ascii_end() == b"shutdown")
}

/// What to write back for an event, and whether the connection ends after it.
fn reply_to(event: Event, answered: &mut usize, idle: Duration) -> (Vec<u8>, bool) {
    let bye = |why: String| (format!("bye: {why}\n").into_bytes(), true);
    match event {
        _ if is_shutdown(&event) => bye("shutting down".into()),
        Event::Line(bytes) => {
            *answered += 1;
            // `2: `, the line in upper case (without its line end), `\n`: in one buffer.
            let mut answer = format!("{answered}: ").into_bytes();
            answer.extend(bytes.trim_ascii_end().iter().map(u8::to_ascii_uppercase));
            answer.push(b'\n');
            (answer, false)
        }
        Event::Closed => (Vec::new(), true),
        Event::TimedOut => bye(format!("no whole line in {} s", idle.as_secs())),
        Event::Shutdown => bye("the server is shutting down".into()),
    }
}

/// What `read_line()` came to, as the narration shows it.
fn event_shown(event: &Event, idle: Duration) -> String {
    match event {
        Event::Line(bytes) => show_bytes(bytes),
        Event::Closed => "end of stream: the client has closed".to_string(),
        Event::TimedOut => format!("no whole line in {} s: timed out", idle.as_secs()),
        Event::Shutdown => "the shutdown signal".to_string(),
    }
}
// ANCHOR_END: handle

// ANCHOR: client
/// The demo's clients: the helper crate's narrated line client (see below), with this
/// lesson's limits. `TcpStream::connect` + `into_split` is asyncio's `open_connection`.
async fn connect(addr: SocketAddr, say: Narrator) -> Result<LineClient> {
    LineClient::connect(addr, say, CLIENT_WAIT, MAX_LINE).await
}
// ANCHOR_END: client

/// The end of the server's task: what `serve` returned (a panic is an error too).
async fn served(serving: JoinHandle<Result<()>>) -> Result<()> {
    let ended = |e| LessonError::io("the server's task", io::Error::other(e), LESSON.package);
    serving.await.map_err(ended)?
}

// ANCHOR: demo
/// Three clients and one server, all on one thread. The demo plays the clients one step at
/// a time and waits for each answer, so what it prints is the same on every run.
fn demo(opts: &Options) -> Result<()> {
    if opts.has("--misbehave") {
        return misbehave(opts);
    }
    let server = opts.narrator("server");
    let rt = runtime(&server)?;
    rt.block_on(async {
        let (listener, udp, addr) = bind(opts.addr, &server).await?;
        opts.ready(addr);
        let (stop, _) = watch::channel(Stop::No);
        // The server is a task too: it runs whenever the demo's clients wait.
        let serving = tokio::spawn(serve(listener, udp, stop, Limits::from(opts)?));

        let mut alice = connect(addr, opts.narrator("alice")).await?;
        alice.send(b"hello\n").await?;
        alice.expect(b"1: HELLO\n").await?;

        let mut bob = connect(addr, opts.narrator("bob")).await?;
        bob.send(b"hi\n").await?;
        bob.expect(b"1: HI\n").await?;

        // Half a line from alice: her task waits for the rest, and the server goes on with bob.
        alice.send(b"a slow li").await?;
        bob.send(b"still here\n").await?;
        bob.expect(b"2: STILL HERE\n").await?;
        alice.send(b"ne\n").await?;
        alice.expect(b"2: A SLOW LINE\n").await?;

        udp_ping(addr, opts.narrator("udp")).await?;

        // carol asks the server to shut down: every connection says bye and closes.
        let mut carol = connect(addr, opts.narrator("carol")).await?;
        carol.send(b"shutdown\n").await?;
        carol.expect(b"bye: shutting down\n").await?;
        carol.expect_eof().await?;
        alice.expect(b"bye: the server is shutting down\n").await?;
        alice.expect_eof().await?;
        bob.expect(b"bye: the server is shutting down\n").await?;
        bob.expect_eof().await?;
        for client in [alice, bob, carol] {
            client.close();
        }
        served(serving).await
    })
}
// ANCHOR_END: demo

// ANCHOR: udp
/// One datagram there and back with tokio's UdpSocket: send_to, recv_from.
async fn udp_ping(addr: SocketAddr, say: Narrator) -> Result<()> {
    let loopback: IpAddr = match addr {
        SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
        SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
    };
    let local = SocketAddr::new(loopback, 0);
    let binding = UdpSocket::bind(local);
    let why = "a UDP socket on any free port";
    let call = format!("UdpSocket::bind({local})");
    let socket = say
        .call_async_then(call, why, binding, |_| "ok".into())
        .await?;

    let ping = b"ping\n";
    let call = format!("send_to({}, {addr})", show_bytes(ping));
    let sending = socket.send_to(ping, addr);
    let n = say
        .call_async(call, "one datagram to the server", sending)
        .await?;
    say.moved(Kind::Send, "send_to", &ping[..n]);

    let mut buf = [0u8; 1500];
    let receiving = async {
        let (n, from) = within(CLIENT_WAIT, socket.recv_from(&mut buf)).await?;
        Ok((buf[..n].to_vec(), from))
    };
    let why = "wait for the answer (UDP may lose it: give up after a while)";
    let shown = |(answer, from): &(Vec<u8>, SocketAddr)| {
        format!("{} bytes from {from}: {}", answer.len(), show_bytes(answer))
    };
    let (answer, _) = say
        .call_async_then("recv_from()", why, receiving, shown)
        .await?;
    say.moved(Kind::Recv, "recv_from", &answer);
    Ok(())
}
// ANCHOR_END: udp

// ANCHOR: server
/// Serve until a client sends `shutdown` or Ctrl-C is pressed (twice: at once).
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let limits = Limits::from(opts)?;
    let rt = runtime(&say)?;
    rt.block_on(async {
        let (listener, udp, addr) = bind(opts.addr, &say).await?;
        let (stop, _) = watch::channel(Stop::No);
        // Ctrl-C is one more way to ask. Once tokio listens for it, Ctrl-C no longer kills
        // the process: the first asks for a graceful stop, the second for a stop now.
        let on_ctrl_c = stop.clone();
        tokio::spawn(async move {
            for (asked, what) in [
                (Stop::Gracefully, "stop gracefully"),
                (Stop::Now, "stop now"),
            ] {
                if tokio::signal::ctrl_c().await.is_err() {
                    return; // no signal handling here: Ctrl-C keeps its default, exit at once
                }
                Narrator::new("server", LESSON.package).note(format!("Ctrl-C: {what}"));
                on_ctrl_c.send_modify(|stop| *stop = (*stop).max(asked));
            }
        });
        // Let that task start listening (its first ctrl_c() call) before we say we are ready.
        tokio::task::yield_now().await;
        opts.ready(addr);
        serve(listener, udp, stop, limits).await
    })
}
// ANCHOR_END: server

/// Send `hello` and `async` (and `shutdown` with --shutdown), print the answers, close.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let rt = runtime(&say)?;
    rt.block_on(async {
        if opts.has("--udp") {
            return udp_ping(opts.addr, say).await;
        }
        let mut conn = connect(opts.addr, say).await?;
        for line in [&b"hello\n"[..], b"async\n"] {
            conn.send(line).await?;
            let answer = conn.read_line().await?.unwrap_or_default();
            println!("answer: {}", String::from_utf8_lossy(&answer).trim_end());
        }
        if opts.has("--shutdown") {
            conn.send(b"shutdown\n").await?;
            conn.expect(b"bye: shutting down\n").await?;
        } else {
            // Our FIN: the server reads end of stream and closes its side too.
            let why = "send FIN: we have nothing more to say";
            let fin = conn.writer.shutdown();
            conn.say.call_async("shutdown()", why, fin).await?;
        }
        conn.expect_eof().await?;
        conn.close();
        Ok(())
    })
}

// ANCHOR: misbehave
/// `--misbehave`: two clients that break the rules, and bob, who is served while they are
/// there. `flood` sends 2000 bytes without a newline; `slow` sends half a line and no more.
fn misbehave(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let rt = runtime(&server)?;
    rt.block_on(async {
        let (listener, udp, addr) = bind(opts.addr, &server).await?;
        opts.ready(addr);
        let (stop, _) = watch::channel(Stop::No);
        let serving = tokio::spawn(serve(listener, udp, stop, Limits::from(opts)?));

        // A line with no end: refused at its byte 1025 (read_line's `take` stops there).
        let mut flood = connect(addr, opts.narrator("flood")).await?;
        flood.send(&[b'x'; 2000]).await?;
        flood
            .expect(b"error: line longer than 1024 bytes\n")
            .await?;
        flood.expect_eof().await?;

        // Half a line and silence: the deadline for the line runs; bob is served meanwhile.
        let mut slow = connect(addr, opts.narrator("slow")).await?;
        slow.send(b"hel").await?;
        let mut bob = connect(addr, opts.narrator("bob")).await?;
        bob.send(b"ping\n").await?;
        bob.expect(b"1: PING\n").await?;
        bob.close();
        slow.expect(b"bye: no whole line in 1 s\n").await?;
        slow.expect_eof().await?;

        let mut carol = connect(addr, opts.narrator("carol")).await?;
        carol.send(b"shutdown\n").await?;
        carol.expect(b"bye: shutting down\n").await?;
        carol.expect_eof().await?;
        for client in [flood, slow, carol] {
            client.close();
        }
        served(serving).await
    })
}
// ANCHOR_END: misbehave
