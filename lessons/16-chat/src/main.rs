//! Lesson 16: a chat server.
//!
//! The notes list chat among the uses of sockets; this lesson builds one. Every client is a
//! task (lesson 13). What is new is that the tasks talk to each other: each line a client
//! sends goes through one `tokio::sync::broadcast` channel, and every other client's task
//! takes it from there and writes it to its own socket. No task ever writes to another
//! client's socket, so a client that is slow, or gone without a word, holds up nobody.
//!
//! The protocol, byte by byte (every line ends with `\n`; a `\r` before it is dropped):
//!
//! - client → server, first line: the nickname, 1 to 16 ASCII letters, digits, `_` or `-`.
//!   Server → client: `* welcome NICK\n`; to every other client: `* NICK joined\n` (while the
//!   room has at most 100 members: a big room does not announce joins and leaves).
//!   A bad nickname gets `error: invalid nickname (1-16 letters, digits, _ or -)\n`, a taken
//!   one `error: nickname NICK is taken\n`; then the server closes.
//! - every later line `TEXT\n` reaches every OTHER client as `NICK: TEXT\n` (empty lines are
//!   dropped; bytes that are not UTF-8 become U+FFFD, the replacement character `\xef\xbf\xbd`).
//! - a client that closes (even in the middle of a line: the half line is dropped) is gone:
//!   the others get `* NICK left\n`.
//! - a line longer than 1024 bytes gets `error: line longer than 1024 bytes\n`, and the
//!   client is closed; so does a line not complete within --line-wait ms of its first byte
//!   (`error: no whole line within N ms\n`). One that falls more than 256 messages behind
//!   (--queue; on top of one message for each of the --members the room is made for) gets
//!   `error: too slow, N messages lost\n` and is closed; one that has not taken a message
//!   within --write-limit ms is closed. The others get `* NICK left\n`.

use std::collections::HashSet;
use std::future::Future;
use std::io::{self, ErrorKind::InvalidData, ErrorKind::TimedOut, ErrorKind::UnexpectedEof};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::lines::{read_line, LineClient};
use common::{show_bytes, Flag, Lesson, LessonError, Narrated, Narrator, Options, Result};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::broadcast;
use tokio::task::{JoinError, JoinHandle, JoinSet};
use tokio::time::timeout;

use lesson_16_chat::{chat, Ending, Lines, Member, Message, Writer, MAX_LINE};

static LESSON: Lesson = Lesson {
    package: "lesson-16-chat",
    title: "a chat server: nicknames, broadcast, and clients that are slow or vanish",
    port: 7016,
    about: "A line protocol. The first line is your nickname (1-16 letters, digits, _ or -):\n\
            b\"alice\\n\" -> b\"* welcome alice\\n\", and the others get b\"* alice joined\\n\".\n\
            Every later line b\"hi\\n\" reaches every OTHER client as b\"alice: hi\\n\".\n\
            Closing (even mid-line) tells the others b\"* alice left\\n\".\n\
            Errors, then the server closes: b\"error: invalid nickname (1-16 letters, digits, _ or -)\\n\",\n\
            b\"error: nickname alice is taken\\n\", b\"error: line longer than 1024 bytes\\n\",\n\
            b\"error: too slow, N messages lost\\n\" (more than 256 messages behind, beyond --members),\n\
            b\"error: no whole line within N ms\\n\" (--line-wait). A client that takes no message\n\
            for --write-limit ms is closed.\n\
            Bytes that are not UTF-8 are passed on as U+FFFD (b\"\\xef\\xbf\\xbd\").\n\
            The server runs until stopped (Ctrl-C), or until --clients N have come and gone.\n\
            The client sends --nick, then each line you type, and prints what arrives.\n\
            Try it with two or three terminals: nc 127.0.0.1 7016   (type your nickname first)",
    flags: &[
        Flag {
            name: "--clients",
            value: Some("N"),
            help: "server: accept N clients, then exit when they have all left",
        },
        Flag {
            name: "--line-wait",
            value: Some("MS"),
            help: "server: the time a line may take from its first byte to its newline (default 10000)",
        },
        Flag {
            name: "--write-limit",
            value: Some("MS"),
            help: "server: drop a client that has not taken a message within MS (default 5000)",
        },
        Flag {
            name: "--queue",
            value: Some("N"),
            help: "server: how many messages a client may fall behind (default 256)",
        },
        Flag {
            name: "--members",
            value: Some("N"),
            help: "server: the room size the channel is made for: N more messages of room (default 10000)",
        },
        Flag {
            name: "--rude",
            value: None,
            help: "demo: clients that misbehave (a reset before the welcome, a trickled line)",
        },
        Flag {
            name: "--nick",
            value: Some("NAME"),
            help: "client: your nickname (default guest)",
        },
    ],
};

/// How many messages a client may fall behind before it is dropped (beyond MEMBERS).
pub const QUEUE: usize = 256;
/// The room size the channel is made for. Every member's join, leave or line is a message in
/// every other member's inbox, so a burst in which N members join at once puts N messages in
/// each inbox before their tasks get a turn: the ring holds MEMBERS on top of QUEUE, so that
/// nobody is dropped because others joined, left or spoke at once.
const MEMBERS: usize = 10_000;
/// The most `--queue` and `--members` may each say (the ring holds their sum).
const RING_MOST: usize = 1_000_000;
/// Joins and leaves are announced only in a room of at most this many members. In a room of
/// N, N members arriving make N x N / 2 notices, each one a write: 500,000 writes for a
/// thousand arrivals, and every line said meanwhile waits behind them. Big chat rooms stop
/// announcing presence for that reason; this one stops at 100.
const ANNOUNCE: usize = 100;
/// How long a line may take, from its first byte to its newline (the nickname: from the
/// connection). A client that trickles a line byte by byte, or stops half-way, is dropped.
const LINE_WAIT: Duration = Duration::from_secs(10);
/// How long one write to a client may wait for room in its socket's send buffer. A client
/// that has taken nothing for this long has stopped reading: it is dropped.
const WRITE_LIMIT: Duration = Duration::from_secs(5);
/// How long the demo's clients wait for a line before they give up.
const CLIENT_WAIT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: room
/// What every client's task shares: the channel, the nicknames in use, and the time limits.
#[derive(Clone)]
struct Room {
    messages: broadcast::Sender<Message>,
    nicks: Arc<Mutex<HashSet<String>>>,
    /// The longest a line may take from its first byte (LINE_WAIT, or --line-wait).
    line_wait: Duration,
    /// The longest one write to a client may wait (WRITE_LIMIT, or --write-limit).
    write_limit: Duration,
}
// ANCHOR_END: room

// ANCHOR: seat
/// A claimed nickname: a seat in the room. Dropping it gives the name back and, if the others
/// were told the member joined, tells them it left. Whichever way a member's task ends (a
/// `?` that returns early, a write that fails, even a panic), Rust drops the seat on the way
/// out: no name is taken for ever, no departure goes unannounced.
struct Seat {
    room: Room,
    id: usize,
    nick: String,
    announced: bool,
    say: Narrator,
}

impl Seat {
    /// Claim `nick`: check that it is free and take it in one step under the lock, so that
    /// two clients asking for the same name at the same moment cannot both get it.
    fn claim(room: &Room, id: usize, nick: &str) -> Option<Seat> {
        let mut nicks = room
            .nicks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !nicks.insert(nick.to_string()) {
            return None;
        }
        Some(Seat {
            room: room.clone(),
            id,
            nick: nick.to_string(),
            announced: false,
            say: Narrator::new(format!("conn{id}"), LESSON.package),
        })
    }

    /// Tell the room we are here, if it is small enough for that (see ANNOUNCE).
    fn announce(&mut self) {
        if self.room.messages.receiver_count() > ANNOUNCE {
            return;
        }
        let joined = format!("* {} joined\n", self.nick);
        let _ = self.room.messages.send(Message::new(self.id, joined));
        self.announced = true;
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut nicks = self
            .room
            .nicks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        nicks.remove(&self.nick);
        if self.announced {
            let left = format!("* {} left\n", self.nick);
            let _ = self.room.messages.send(Message::new(self.id, left));
        }
        self.say
            .note(format!("{} left; the name is free", self.nick));
    }
}
// ANCHOR_END: seat

// ANCHOR: nickname
/// A nickname is 1 to 16 ASCII letters, digits, `_` or `-`.
fn nickname(line: &[u8]) -> Option<String> {
    let name = line.strip_suffix(b"\n")?;
    let name = name.strip_suffix(b"\r").unwrap_or(name);
    let allowed = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-';
    if name.is_empty() || name.len() > 16 || !name.iter().all(allowed) {
        return None;
    }
    Some(String::from_utf8_lossy(name).into_owned())
}
// ANCHOR_END: nickname

// ANCHOR: serve
/// Accept clients (all of them, or `limit`), one task each; then wait until all have left.
async fn serve(listener: TcpListener, limit: Option<usize>, room: Room) -> Result<()> {
    let say = Narrator::new("server", LESSON.package);
    let mut members = JoinSet::new();
    let mut accepted = 0;
    // After an accept() error, wait 10 ms, doubling up to 1 s while they go on.
    let mut pause = Duration::from_millis(10);
    while limit.is_none_or(|limit| accepted < limit) {
        let id = accepted + 1;
        let show = |(_, peer): &(TcpStream, SocketAddr)| format!("ok, conn{id} from {peer}");
        let why = "wait for the next client";
        let stream = match say
            .call_async_then("accept()", why, listener.accept(), show)
            .await
        {
            Ok((stream, _peer)) => stream,
            // accept(2): most errors concern one connection (ECONNABORTED) or a shortage that
            // passes (EMFILE: no descriptor left; ENOBUFS, ENOMEM). Said; wait, go on.
            Err(e) if e.kind() != Some(io::ErrorKind::InvalidInput) => {
                say.note(format!("trying again in {} ms", pause.as_millis()));
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
                continue;
            }
            Err(e) => return Err(e),
        };
        pause = Duration::from_millis(10);
        accepted = id;
        members.spawn(member(stream, id, room.clone()));
        // Forget the tasks that have already finished.
        while members.try_join_next().is_some() {}
    }
    let close = || {
        drop(listener);
        Ok(())
    };
    say.call("close(listener)", "that was the last client we take", close)?;
    let all_gone = async {
        while members.join_next().await.is_some() {}
        Ok(())
    };
    let call = "wait for every client to leave";
    let empty = |_: &()| "ok, the room is empty".to_string();
    say.call_async_then(call, "join their tasks", all_gone, empty)
        .await
}

/// The room: one channel for all messages, and the set of nicknames in use.
fn room(queue: usize, members: usize, line_wait: Duration, write_limit: Duration) -> Room {
    // Every message goes through here. Each client reads it at its own pace, up to `queue`
    // messages behind, plus one message for each member the room is made for (a burst of
    // joins); the sender never waits for anyone. (tokio rounds the size up to a power of 2.)
    let (messages, _) = broadcast::channel(queue + members);
    Room {
        messages,
        nicks: Arc::new(Mutex::new(HashSet::new())),
        line_wait,
        write_limit,
    }
}
// ANCHOR_END: serve

// ANCHOR: member
/// One client, in its own task: nickname, welcome, chat, goodbye.
async fn member(stream: TcpStream, id: usize, room: Room) -> Result<()> {
    let say = Narrator::new(format!("conn{id}"), LESSON.package);
    // Each half records the bytes of every recv() and send() in the trace (at the edge).
    let (read_half, write_half) = stream.into_split();
    let mut lines = Lines::new(Narrated::quiet(read_half, say.clone()), room.line_wait);
    let mut writer = Writer::new(Narrated::quiet(write_half, say.clone()), room.write_limit);

    let Some(mut seat) = seat_for(&mut lines, &mut writer, &room, id, &say).await? else {
        return Ok(()); // told why, and closed
    };
    let me = Member {
        id,
        nick: seat.nick.clone(),
    };

    // Subscribe before anything is announced, so that no message can slip past.
    let mut inbox = room.messages.subscribe();
    let welcome = format!("* welcome {}\n", me.nick);
    let call = format!("write_all({})", show_bytes(welcome.as_bytes()));
    // If this fails (the client has gone already), `?` returns, and dropping `seat` frees
    // the name: that is what the seat is for.
    say.call_async(call, "greet", writer.send(welcome.as_bytes()))
        .await?;
    // Our own notice comes back to our inbox too; chat() skips it, as it skips all we say.
    seat.announce();
    let count = room.messages.receiver_count();
    say.note(format!("{} joined; {count} in the room", me.nick));

    let chatting = relay(&me, &mut lines, &mut writer, &room.messages, &mut inbox);
    let why = "relay: the client's lines to the room, the room's lines to the client";
    let ended = say
        .call_async_then("chat()", why, chatting, Gone::shown)
        .await;
    let last_words = match ended {
        Ok(Gone::TooSlow(lost)) => Some(format!("error: too slow, {lost} messages lost\n")),
        Ok(_) => None,
        // A line too long, a line too slow, a write not taken in time: say why, and close.
        Err(e) if matches!(e.kind(), Some(InvalidData | TimedOut)) => {
            e.source.map(|e| format!("error: {e}\n"))
        }
        Err(_) => None,
    };

    // Leave the room first: the others should not wait for our goodbye to a slow client.
    drop(inbox);
    drop(seat);
    goodbye(writer, lines, last_words, &say).await
}

/// Read the nickname and claim its seat. A client that cannot have one is told why and gets
/// FIN (`None`); one that sends no nickname gets nothing (an error: the connection is closed).
async fn seat_for(
    lines: &mut Lines,
    writer: &mut Writer,
    room: &Room,
    id: usize,
    say: &Narrator,
) -> Result<Option<Seat>> {
    // The nickname has the same time limit as any line, counted from the connection.
    let nick_line = nickname_line(lines, room.line_wait);
    let why = "the first line is the nickname";
    let first = say
        .call_async_then("read_line()", why, nick_line, |line| show_bytes(line))
        .await?;
    let refusal = match nickname(&first) {
        None => "error: invalid nickname (1-16 letters, digits, _ or -)\n".to_string(),
        Some(nick) => match Seat::claim(room, id, &nick) {
            Some(seat) => return Ok(Some(seat)),
            None => format!("error: nickname {nick} is taken\n"),
        },
    };
    let call = format!("write_all({})", show_bytes(refusal.as_bytes()));
    say.call_async(call, "say why", writer.send(refusal.as_bytes()))
        .await?;
    say.call_async("shutdown()", "send FIN: goodbye", writer.half.shutdown())
        .await?;
    Ok(None)
}

/// The first line, or an error: none within `wait`, or the end of the stream.
async fn nickname_line(lines: &mut Lines, wait: Duration) -> io::Result<Vec<u8>> {
    let no_nick = || io::Error::new(UnexpectedEof, "end of stream before a nickname");
    within(wait, lines.next()).await?.ok_or_else(no_nick)
}

/// How a member's chat ended. For chat(), a client gone in the middle of a line is an error
/// (`UnexpectedEof`); for the member, it is one more way of leaving.
enum Gone {
    Left,
    LeftMidLine,
    TooSlow(u64),
}

impl Gone {
    fn shown(&self) -> String {
        match self {
            Gone::Left => "end of stream: the client has left".to_string(),
            Gone::LeftMidLine => {
                "end of stream in the middle of a line: the half line is dropped".to_string()
            }
            Gone::TooSlow(lost) => format!("fell behind: {lost} messages lost"),
        }
    }
}

/// The exercise's chat(), and how it ended.
async fn relay(
    me: &Member,
    lines: &mut Lines,
    writer: &mut Writer,
    room: &broadcast::Sender<Message>,
    inbox: &mut broadcast::Receiver<Message>,
) -> io::Result<Gone> {
    match chat(me, lines, writer, room, inbox).await {
        Ok(Ending::Left) => Ok(Gone::Left),
        Ok(Ending::TooSlow(lost)) => Ok(Gone::TooSlow(lost)),
        Err(e) if e.kind() == UnexpectedEof => Ok(Gone::LeftMidLine),
        Err(e) => Err(e),
    }
}

/// The last words, if any; then FIN. A client that does not read could make the words wait:
/// it gets 2 s. After last words, read and drop what the client still sends, for a moment:
/// closing with unread bytes would send RST, and the client could lose our words.
async fn goodbye(
    mut writer: Writer,
    mut lines: Lines,
    last_words: Option<String>,
    say: &Narrator,
) -> Result<()> {
    if let Some(words) = &last_words {
        let call = format!("write_all({})", show_bytes(words.as_bytes()));
        let write = within(
            Duration::from_secs(2),
            writer.half.write_all(words.as_bytes()),
        );
        say.call_async(call, "say why", write).await?;
    }
    // The client may have gone already: then there is nobody to say goodbye to, and the
    // error does not matter.
    let _ = say
        .call_async("shutdown()", "send FIN: goodbye", writer.half.shutdown())
        .await;
    if last_words.is_some() {
        let mut nowhere = tokio::io::sink();
        let rest = tokio::io::copy(&mut lines.reader, &mut nowhere);
        let _ = timeout(Duration::from_secs(2), rest).await;
    }
    Ok(())
}

/// `run`, or `TimedOut` once `limit` has passed.
async fn within<T>(limit: Duration, run: impl Future<Output = io::Result<T>>) -> io::Result<T> {
    match timeout(limit, run).await {
        Ok(result) => result,
        Err(_elapsed) => Err(TimedOut.into()),
    }
}
// ANCHOR_END: member

// ANCHOR: client
/// The demo's clients: chapter 13's line client (from the helper crate), with this lesson's
/// limits.
async fn connect(addr: SocketAddr, say: Narrator) -> Result<LineClient> {
    LineClient::connect(addr, say, CLIENT_WAIT, MAX_LINE).await
}

/// Connect and join as `nick`: send the nickname, expect the welcome.
async fn join(addr: SocketAddr, nick: &str, say: Narrator) -> Result<LineClient> {
    let mut client = connect(addr, say).await?;
    client.send(format!("{nick}\n").as_bytes()).await?;
    client
        .expect(format!("* welcome {nick}\n").as_bytes())
        .await?;
    Ok(client)
}
// ANCHOR_END: client

// ANCHOR: demo
/// alice, bob and carol chat; dave asks for a taken name. Each step waits until every
/// expected line has arrived, so what the demo prints is the same on every run.
fn demo(opts: &Options) -> Result<()> {
    if opts.has("--rude") {
        return rude(opts);
    }
    let server = opts.narrator("server");
    let rt = runtime(&server)?;
    rt.block_on(async {
        let (listener, addr) = bind(opts.addr, &server).await?;
        opts.ready(addr);
        // Four clients, then the server waits for them to leave and ends.
        let room = room(QUEUE, MEMBERS, LINE_WAIT, WRITE_LIMIT);
        let serving = tokio::spawn(serve(listener, Some(4), room));

        let mut alice = join(addr, "alice", opts.narrator("alice")).await?;
        let mut bob = join(addr, "bob", opts.narrator("bob")).await?;
        alice.expect(b"* bob joined\n").await?;
        let mut carol = join(addr, "carol", opts.narrator("carol")).await?;
        alice.expect(b"* carol joined\n").await?;
        bob.expect(b"* carol joined\n").await?;

        // A line goes to everyone else, with the sender's name in front.
        alice.send(b"hi all\n").await?;
        bob.expect(b"alice: hi all\n").await?;
        carol.expect(b"alice: hi all\n").await?;
        bob.send(b"hello alice\n").await?;
        alice.expect(b"bob: hello alice\n").await?;
        carol.expect(b"bob: hello alice\n").await?;
        // Not UTF-8 (Latin-1 for "café"): the others get the replacement character.
        carol.send(b"caf\xe9?\n").await?;
        alice.expect("carol: caf\u{fffd}?\n".as_bytes()).await?;
        bob.expect("carol: caf\u{fffd}?\n".as_bytes()).await?;

        // A second bob is refused.
        let mut dave = connect(addr, opts.narrator("dave")).await?;
        dave.send(b"bob\n").await?;
        dave.expect(b"error: nickname bob is taken\n").await?;
        dave.expect_eof().await?;
        dave.close();

        // carol leaves, then bob, then alice.
        carol.send(b"see you\n").await?;
        alice.expect(b"carol: see you\n").await?;
        bob.expect(b"carol: see you\n").await?;
        carol.close();
        alice.expect(b"* carol left\n").await?;
        bob.expect(b"* carol left\n").await?;
        bob.close();
        alice.expect(b"* bob left\n").await?;
        alice.close();
        finished(serving).await
    })
}
// ANCHOR_END: demo

// ANCHOR: rude
/// Clients that misbehave. oscar sends a nickname and resets the connection before the
/// welcome can be written; the name must be free again at once. eve starts a line and never
/// finishes it; with a line wait of 300 ms here, she is told and dropped.
fn rude(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let rt = runtime(&server)?;
    rt.block_on(async {
        let (listener, addr) = bind(opts.addr, &server).await?;
        opts.ready(addr);
        let room = room(QUEUE, MEMBERS, Duration::from_millis(300), WRITE_LIMIT);

        // oscar: "alice\n", then close with SO_LINGER 0, which sends RST at once.
        let mut oscar = connect(addr, opts.narrator("oscar")).await?;
        oscar.send(b"alice\n").await?;
        let reset = || {
            oscar.writer.as_ref().set_zero_linger()?;
            drop((oscar.reader, oscar.writer));
            Ok(())
        };
        let why = "reset: RST, not FIN";
        let rst = |_: &()| "ok, RST sent".to_string();
        oscar
            .say
            .call_then("close() with SO_LINGER 0", why, reset, rst)?;
        // The server's side of oscar, run here to its end, so that what follows comes after.
        let conn0 = |(_, peer): &(TcpStream, SocketAddr)| format!("ok, conn0 from {peer}");
        let why = "oscar's connection";
        let accepted = server.call_async_then("accept()", why, listener.accept(), conn0);
        let (stream, _peer) = accepted.await?;
        let _ = member(stream, 0, room.clone()).await;

        // Then the usual server, for three more clients.
        let serving = tokio::spawn(serve(listener, Some(3), room));
        let mut alice = join(addr, "alice", opts.narrator("alice")).await?;
        let mut bob = join(addr, "bob", opts.narrator("bob")).await?;
        alice.expect(b"* bob joined\n").await?;

        // eve: a nickname, then half a line, then nothing.
        let mut eve = join(addr, "eve", opts.narrator("eve")).await?;
        alice.expect(b"* eve joined\n").await?;
        bob.expect(b"* eve joined\n").await?;
        eve.send(b"hel").await?;
        eve.expect(b"error: no whole line within 300 ms\n").await?;
        eve.expect_eof().await?;
        eve.close();
        alice.expect(b"* eve left\n").await?;
        bob.expect(b"* eve left\n").await?;
        bob.close();
        alice.expect(b"* bob left\n").await?;
        alice.close();
        finished(serving).await
    })
}
// ANCHOR_END: rude

/// The serving task's own result. (If it panicked, the panic has been printed; the demo
/// ends with an error instead of a second panic.)
async fn finished(serving: JoinHandle<Result<()>>) -> Result<()> {
    let panicked = |e: JoinError| LessonError::protocol("the server's task", e.to_string());
    serving.await.map_err(panicked)?
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

/// How many finished handshakes the kernel may queue for us (listen(2)). A room that
/// fills at once is a storm of connects: tokio's `TcpListener::bind` asks for 128, as std
/// does, and past that each SYN waits a second for its retry. Linux caps the number at
/// `net.core.somaxconn` (4096 since Linux 5.4).
const BACKLOG: u32 = 4096;

/// The listening socket: socket + bind, then listen. Returns it, and its address.
async fn bind(addr: SocketAddr, say: &Narrator) -> Result<(TcpListener, SocketAddr)> {
    let socket = || {
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        Ok(socket)
    };
    let call = format!("TcpSocket::new() + bind({addr})");
    let why = "socket + SO_REUSEADDR + bind, as TcpListener::bind does them";
    let socket = say.call_then(call, why, socket, |_| "ok".into())?;
    let listen = || {
        let listener = socket.listen(BACKLOG)?;
        let bound = listener.local_addr()?;
        Ok((listener, bound))
    };
    let call = format!("listen(backlog={BACKLOG})");
    let why = "a queue big enough for a room that fills at once";
    let listening = |(_, bound): &(TcpListener, SocketAddr)| format!("ok, listening on {bound}");
    let (listener, bound) = say.call_then(call, why, listen, listening)?;
    say.kernel_at(bound, None);
    Ok((listener, bound))
}

// ANCHOR: server
/// Serve until stopped (Ctrl-C), or until --clients N have come and gone.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let limit = match opts.value("--clients", 0usize)? {
        0 => None,
        n => Some(n),
    };
    let line_wait = opts.millis("--line-wait", 10_000)?;
    let write_limit = opts.millis("--write-limit", 5_000)?;
    // Bounded: the ring is made whole at the start, a slot for every message it may hold.
    let queue = opts.value_at_most("--queue", QUEUE, RING_MOST)?.max(1);
    let members = opts.value_at_most("--members", MEMBERS, RING_MOST)?;
    // A member is a socket, a socket a descriptor: the usual soft limit of 1024 would turn
    // the 1,021st member away (accept() fails with EMFILE). Raise it for the room, and a few
    // more (the listener, standard streams, tokio's own).
    common::listener::allow_descriptors(members as u64 + 64, &say)?;
    let rt = runtime(&say)?;
    rt.block_on(async {
        let (listener, addr) = bind(opts.addr, &say).await?;
        opts.ready(addr);
        serve(
            listener,
            limit,
            room(queue, members, line_wait, write_limit),
        )
        .await
    })
}
// ANCHOR_END: server

// ANCHOR: chat_client
/// Join as --nick, send each line typed on standard input, print each line that arrives.
/// At the end of the input, send FIN and print what still comes until the server closes.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let nick: String = opts.value("--nick", "guest".to_string())?;
    let rt = runtime(&say)?;
    let result = rt.block_on(async {
        let mut conn = connect(opts.addr, say).await?;
        conn.send(format!("{nick}\n").as_bytes()).await?;
        let mut typed = BufReader::new(tokio::io::stdin());
        let mut typing = true;
        let (mut typed_line, mut line) = (Vec::new(), Vec::new());
        loop {
            tokio::select! {
                // Both branches are cancel-safe: each keeps its half line outside the loop.
                text = read_line(&mut typed, &mut typed_line, MAX_LINE), if typing => match text {
                    Ok(Some(bytes)) => conn.send(&bytes).await?,
                    // A line too long to send, or standard input failed: say so and stop.
                    Err(e) => return Err(conn.say.failed("read_line(stdin)", e)),
                    Ok(None) => {
                        typing = false;
                        let why = "end of input: send FIN, keep reading";
                        let fin = conn.writer.shutdown();
                        conn.say.call_async("shutdown()", why, fin).await?;
                    }
                },
                received = read_line(&mut conn.reader, &mut line, MAX_LINE) => match received {
                    Ok(Some(bytes)) => println!("{}", String::from_utf8_lossy(&bytes).trim_end()),
                    Ok(None) => break,
                    Err(e) => return Err(conn.say.failed("read_line()", e)),
                },
            }
        }
        conn.say.note("end of stream: the server has closed");
        conn.close();
        Ok(())
    });
    // Standard input is read on a helper thread that may still be waiting: do not wait for it.
    rt.shutdown_background();
    result
}
// ANCHOR_END: chat_client
