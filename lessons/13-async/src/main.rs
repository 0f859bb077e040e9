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
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use common::lines::LineClient;
use common::{show_bytes, Flag, Lesson, Narrator, Options, Result};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};

use lesson_13_async::{next_event, Event, MAX_LINE};

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
            idle: Duration::from_secs(opts.value("--idle", 30)?),
            write: Duration::from_secs(opts.value("--write-timeout", 10)?),
            grace: Duration::from_secs(opts.value("--grace", 5)?),
        })
    }
}

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

/// One runtime on the current thread: every task of this lesson runs on this one thread.
fn runtime(say: &Narrator) -> Result<tokio::runtime::Runtime> {
    say.next(
        "Runtime::new_current_thread()",
        "start tokio: one thread, an epoll loop and a timer",
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| say.fail(e))?;
    say.done("ok");
    Ok(rt)
}

// ANCHOR: bind
/// The server's sockets: a TCP listener, and a UDP socket on the same port number.
async fn bind(addr: SocketAddr, say: &Narrator) -> Result<(TcpListener, UdpSocket)> {
    say.next(
        format!("TcpListener::bind({addr})"),
        "socket + bind + listen in one call, like asyncio.start_server",
    );
    let listener = TcpListener::bind(addr).await.map_err(|e| say.fail(e))?;
    let bound = listener.local_addr().map_err(|e| say.fail(e))?;
    say.done(format!("ok, listening on {bound}"));
    say.kernel_at(bound, None);

    say.next(
        format!("UdpSocket::bind({bound})"),
        "UDP ports are separate from TCP ports: take the same number",
    );
    let udp = UdpSocket::bind(bound).await.map_err(|e| say.fail(e))?;
    say.done("ok");
    Ok((listener, udp))
}
// ANCHOR_END: bind

// ANCHOR: serve
/// The longest datagram the server takes.
pub const MAX_DATAGRAM: usize = 1500;

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
    // One byte more than we take: a datagram that fills it was longer (and was cut).
    let mut datagram = [0u8; MAX_DATAGRAM + 1];
    let mut count = 0;
    // After an error, wait before trying again: 10 ms, doubling up to 1 s (see below).
    let mut pause = PAUSE_FIRST;
    loop {
        // Forget the tasks that have already finished (their narration said how).
        while connections.try_join_next().is_some() {}
        say.next(
            "select!",
            "wait for whichever comes first: a connection, a datagram, the shutdown signal",
        );
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    pause = PAUSE_FIRST;
                    count += 1;
                    say.done(format!("accept() -> conn{count}, from {peer}"));
                    if let Ok(local) = stream.local_addr() {
                        say.kernel_at(local, Some(peer));
                    }
                    // A new task for this connection; the loop goes straight back to accepting.
                    let task = handle(stream, count, shutdown.subscribe(), stop.clone(), limits);
                    connections.spawn(task);
                }
                // Never the server's end: passing it up with `?` would drop `connections`,
                // and with it every connection in progress.
                Err(e) => {
                    say.done(format!("accept() -> error: {e}"));
                    pause = after_error(&e, pause, &say).await;
                }
            },
            received = udp.recv_from(&mut datagram) => match received {
                Ok((n, from)) => {
                    answer_datagram(&udp, &datagram[..n], from, &say).await;
                    pause = PAUSE_FIRST;
                }
                Err(e) => {
                    say.done(format!("recv_from() -> error: {e}"));
                    pause = after_error(&e, pause, &say).await;
                }
            },
            _ = asked(&mut stop_asked, Stop::Gracefully) => {
                say.done("asked to stop");
                break;
            }
        }
    }
    say.next("close(listener)", "accept no more connections");
    let local = listener.local_addr().map_err(|e| say.fail(e))?;
    drop(listener);
    say.done("ok");
    say.kernel_at(local, None);

    say.next(
        "shutdown.send(())",
        "tell every connection's task that the server is shutting down",
    );
    // An error only means that no connection is open: nobody to tell.
    let told = shutdown.send(()).unwrap_or(0);
    say.done(format!("ok, {told} open connection(s) told"));

    say.next(
        format!(
            "join every connection's task (at most {} s)",
            limits.grace.as_secs()
        ),
        "let the connections in flight finish, but not for ever",
    );
    // Whichever comes first: every task done, the grace period over, or a second Ctrl-C.
    let why = tokio::select! {
        _ = async { while connections.join_next().await.is_some() {} } => "",
        _ = sleep(limits.grace) => "the grace period is over",
        _ = asked(&mut stop_asked, Stop::Now) => "asked again: stop now",
    };
    if connections.is_empty() {
        say.done("ok, every connection is closed");
    } else {
        say.done(format!(
            "{why}: {} connection(s) still open",
            connections.len()
        ));
        say.next(
            "abort the rest",
            "cancel their tasks: their sockets are closed",
        );
        connections.shutdown().await;
        say.done("ok");
    }
    Ok(())
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
    let n = bytes.len();
    let answer = if n > MAX_DATAGRAM {
        // The buffer is full: the datagram was longer, and the kernel dropped the rest
        // (recv(2): "excess bytes may be discarded"). Say so, rather than answer half of it.
        say.done(format!(
            "recv_from() -> a datagram from {from} longer than {MAX_DATAGRAM} bytes: cut"
        ));
        format!("error: datagram longer than {MAX_DATAGRAM} bytes\n").into_bytes()
    } else {
        let shown = show_bytes(bytes);
        say.done(format!("recv_from() -> {n} bytes from {from}: {shown}"));
        bytes.to_ascii_uppercase()
    };
    let call = format!("send_to({}, {from})", show_bytes(&answer));
    say.next(call, "answer the datagram");
    match udp.send_to(&answer, from).await {
        Ok(sent) => say.done(format!("{sent} bytes")),
        Err(e) => say.done(format!("error: {e} (this answer is lost; going on)")),
    }
}
// ANCHOR_END: answer_datagram

// (MAX_LINE and read_line, the line reader `next_event` uses, are in src/lib.rs.)

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
    let mut line = Vec::new();
    let mut answered = 0;
    let mut failure = None;
    loop {
        say.next(
            "read_line()",
            "wait for a whole line (in time), or the shutdown signal (select!)",
        );
        let idle = limits.idle;
        // What to write back, and whether the connection ends after it.
        let (reply, last) = match next_event(&mut reader, &mut line, &mut shutdown, idle).await {
            Ok(Event::Line(bytes)) if bytes.trim_ascii_end() == b"shutdown" => {
                say.done(show_bytes(&bytes));
                // Ask the accept loop to stop; it tells every connection, this one included.
                // (max: if a stop Now was asked already, it stays asked.)
                stop.send_modify(|asked| *asked = (*asked).max(Stop::Gracefully));
                say.note("asked the server to stop");
                (b"bye: shutting down\n".to_vec(), true)
            }
            Ok(Event::Line(bytes)) => {
                say.done(show_bytes(&bytes));
                answered += 1;
                let upper = bytes.trim_ascii_end().to_ascii_uppercase();
                (
                    [format!("{answered}: ").into_bytes(), upper, b"\n".to_vec()].concat(),
                    false,
                )
            }
            Ok(Event::Closed) => {
                say.done("end of stream: the client has closed");
                (Vec::new(), true)
            }
            Ok(Event::TimedOut) => {
                say.done(format!("no whole line in {} s: timed out", idle.as_secs()));
                (
                    format!("bye: no whole line in {} s\n", idle.as_secs()).into_bytes(),
                    true,
                )
            }
            Ok(Event::Shutdown) => {
                say.done("the shutdown signal");
                (b"bye: the server is shutting down\n".to_vec(), true)
            }
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                // Too long: tell the client why, then close.
                let reply = format!("error: {e}\n").into_bytes();
                failure = Some(say.fail(e));
                (reply, true)
            }
            Err(e) => return Err(say.fail(e)),
        };
        if !reply.is_empty() {
            say.next(
                format!("write_all({})", show_bytes(&reply)),
                "hand every byte to the kernel (no drain() needed), in time",
            );
            // A client that does not read fills the kernel's buffers, and write_all waits.
            // Not for ever: after `limits.write` the task ends, and with it the connection.
            match timeout(limits.write, writer.write_all(&reply)).await {
                Ok(written) => written.map_err(|e| say.fail(e))?,
                Err(_elapsed) => return Err(say.fail(io::ErrorKind::TimedOut.into())),
            }
            say.done("ok");
        }
        if last {
            break;
        }
    }
    // shutdown(SHUT_WR) never waits: it queues a FIN behind the bytes already written.
    say.next("shutdown()", "send FIN after the last bytes: we are done");
    writer.shutdown().await.map_err(|e| say.fail(e))?;
    say.done("ok");
    // The halves are dropped here, and with them the socket: close().
    failure.map_or(Ok(()), Err)
}

// ANCHOR_END: handle

// ANCHOR: client
/// The demo's clients: the helper crate's narrated line client (see below), with this
/// lesson's limits. `TcpStream::connect` + `into_split` is asyncio's `open_connection`.
async fn connect(addr: SocketAddr, say: Narrator) -> Result<LineClient> {
    LineClient::connect(addr, say, CLIENT_WAIT, MAX_LINE).await
}
// ANCHOR_END: client

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
        let (listener, udp) = bind(opts.addr, &server).await?;
        let addr = listener.local_addr().map_err(|e| server.fail(e))?;
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
        serving
            .await
            .map_err(|e| server.fail(io::Error::other(e)))?
    })
}
// ANCHOR_END: demo

// ANCHOR: udp
/// One datagram there and back with tokio's UdpSocket: send_to, recv_from.
async fn udp_ping(addr: SocketAddr, say: Narrator) -> Result<()> {
    say.next(
        "UdpSocket::bind(127.0.0.1:0)",
        "a UDP socket on any free port",
    );
    let local: SocketAddr = if addr.is_ipv4() {
        "127.0.0.1:0"
    } else {
        "[::1]:0"
    }
    .parse()
    .unwrap();
    let socket = UdpSocket::bind(local).await.map_err(|e| say.fail(e))?;
    say.done("ok");
    say.next(
        format!("send_to(b\"ping\\n\", {addr})"),
        "one datagram to the server",
    );
    let n = socket
        .send_to(b"ping\n", addr)
        .await
        .map_err(|e| say.fail(e))?;
    say.done(format!("{n} bytes"));
    say.next(
        "recv_from()",
        "wait for the answer (UDP may lose it: give up after a while)",
    );
    let mut buf = [0u8; 1500];
    let (n, from) = timeout(CLIENT_WAIT, socket.recv_from(&mut buf))
        .await
        .map_err(|_| say.fail(io::ErrorKind::TimedOut.into()))?
        .map_err(|e| say.fail(e))?;
    say.done(format!("{n} bytes from {from}: {}", show_bytes(&buf[..n])));
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
        let (listener, udp) = bind(opts.addr, &say).await?;
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
        opts.ready(listener.local_addr().map_err(|e| say.fail(e))?);
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
            conn.say
                .next("shutdown()", "send FIN: we have nothing more to say");
            conn.writer.shutdown().await.map_err(|e| conn.say.fail(e))?;
            conn.say.done("ok");
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
        let (listener, udp) = bind(opts.addr, &server).await?;
        let addr = listener.local_addr().map_err(|e| server.fail(e))?;
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
        serving
            .await
            .map_err(|e| server.fail(io::Error::other(e)))?
    })
}
// ANCHOR_END: misbehave
