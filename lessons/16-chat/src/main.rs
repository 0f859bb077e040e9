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
//!   Server → client: `* welcome NICK\n`; to every other client: `* NICK joined\n`.
//!   A bad nickname gets `error: invalid nickname (1-16 letters, digits, _ or -)\n`, a taken
//!   one `error: nickname NICK is taken\n`; then the server closes.
//! - every later line `TEXT\n` reaches every OTHER client as `NICK: TEXT\n` (empty lines are
//!   dropped; bytes that are not UTF-8 become U+FFFD, the replacement character `\xef\xbf\xbd`).
//! - a client that closes (even in the middle of a line: the half line is dropped) is gone:
//!   the others get `* NICK left\n`.
//! - a line longer than 1024 bytes gets `error: line longer than 1024 bytes\n`, and the
//!   client is closed; so does a line not complete within --line-wait ms of its first byte
//!   (`error: no whole line within N ms\n`). One that falls more than 256 messages behind gets
//!   `error: too slow, N messages lost\n` and is closed; one that has not taken a message
//!   within --write-limit ms is closed. The others get `* NICK left\n`.

use std::collections::HashSet;
use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::lines::{read_line, LineClient};
use common::{show_bytes, Flag, Lesson, Narrator, Options, Result};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::task::JoinSet;
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
            b\"error: too slow, N messages lost\\n\" (a client more than 256 messages behind),\n\
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

/// How many messages a client may fall behind before it is dropped.
pub const QUEUE: usize = 256;
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

    /// Tell the room we are here.
    fn announce(&mut self) {
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
        say.next("accept()", "wait for the next client");
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            // accept(2): most errors concern one connection (ECONNABORTED) or a shortage that
            // passes (EMFILE: no descriptor left; ENOBUFS, ENOMEM). Say so, wait, go on.
            Err(e) if e.kind() != io::ErrorKind::InvalidInput => {
                say.fail(e);
                say.note(format!("trying again in {} ms", pause.as_millis()));
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(1));
                continue;
            }
            Err(e) => return Err(say.fail(e)),
        };
        pause = Duration::from_millis(10);
        accepted += 1;
        say.done(format!("ok, conn{accepted} from {peer}"));
        members.spawn(member(stream, accepted, room.clone()));
        // Forget the tasks that have already finished.
        while members.try_join_next().is_some() {}
    }
    say.next("close(listener)", "that was the last client we take");
    drop(listener);
    say.done("ok");
    say.next("wait for every client to leave", "join their tasks");
    while members.join_next().await.is_some() {}
    say.done("ok, the room is empty");
    Ok(())
}

/// The room: one channel for all messages, and the set of nicknames in use.
fn room(queue: usize, line_wait: Duration, write_limit: Duration) -> Room {
    // Every message goes through here. Each client reads it at its own pace, up to `queue`
    // messages behind; the sender never waits for anyone.
    let (messages, _) = broadcast::channel(queue);
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
    let (read_half, write_half) = stream.into_split();
    let mut lines = Lines::new(read_half, room.line_wait);
    let mut writer = Writer::new(write_half, room.write_limit);

    say.next("read_line()", "the first line is the nickname");
    // The nickname has the same time limit, counted from the connection.
    let first = match timeout(room.line_wait, lines.next()).await {
        Err(_elapsed) => Err(say.fail(io::ErrorKind::TimedOut.into())),
        Ok(Err(e)) => Err(say.fail(e)),
        Ok(Ok(None)) => Err(say.protocol_error("end of stream before a nickname")),
        Ok(Ok(Some(bytes))) => Ok(bytes),
    };
    // Nothing to say to a client that sent no nickname: just close.
    let first = first?;
    say.done(show_bytes(&first));
    let seat = match nickname(&first) {
        None => Err("error: invalid nickname (1-16 letters, digits, _ or -)\n".to_string()),
        Some(nick) => Seat::claim(&room, id, &nick)
            .ok_or_else(|| format!("error: nickname {nick} is taken\n")),
    };
    let mut seat = match seat {
        Ok(seat) => seat,
        Err(refusal) => {
            say.next(
                format!("write_all({})", show_bytes(refusal.as_bytes())),
                "say why",
            );
            writer
                .send(refusal.as_bytes())
                .await
                .map_err(|e| say.fail(e))?;
            say.done("ok");
            say.next("shutdown()", "send FIN: goodbye");
            writer.half.shutdown().await.map_err(|e| say.fail(e))?;
            say.done("ok");
            return Ok(());
        }
    };
    let me = Member {
        id,
        nick: seat.nick.clone(),
    };

    // Subscribe before anything is announced, so that no message can slip past.
    let mut inbox = room.messages.subscribe();
    let welcome = format!("* welcome {}\n", me.nick);
    say.next(
        format!("write_all({})", show_bytes(welcome.as_bytes())),
        "greet",
    );
    // If this fails (the client has gone already), `?` returns, and dropping `seat` frees
    // the name: that is what the seat is for.
    writer
        .send(welcome.as_bytes())
        .await
        .map_err(|e| say.fail(e))?;
    say.done("ok");
    // Our own notice comes back to our inbox too; chat() skips it, as it skips all we say.
    seat.announce();
    say.note(format!(
        "{} joined; {} in the room",
        me.nick,
        room.messages.receiver_count()
    ));

    say.next(
        "chat()",
        "relay: the client's lines to the room, the room's lines to the client",
    );
    let ended = chat(&me, &mut lines, &mut writer, &room.messages, &mut inbox).await;
    // Last words for the client, if any.
    let last_words = match ended {
        Ok(Ending::Left) => {
            say.done("end of stream: the client has left");
            None
        }
        Ok(Ending::TooSlow(lost)) => {
            say.done(format!("fell behind: {lost} messages lost"));
            Some(format!("error: too slow, {lost} messages lost\n"))
        }
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            say.done("end of stream in the middle of a line: the half line is dropped");
            None
        }
        // A line too long, a line too slow, a write not taken in time: say why, and close.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidData | io::ErrorKind::TimedOut
            ) =>
        {
            let words = format!("error: {e}\n");
            say.fail(e);
            Some(words)
        }
        Err(e) => {
            say.fail(e);
            None
        }
    };

    // Leave the room first: the others should not wait for our goodbye to a slow client.
    drop(inbox);
    drop(seat);

    if let Some(words) = &last_words {
        say.next(
            format!("write_all({})", show_bytes(words.as_bytes())),
            "say why",
        );
        // A client that does not read could make this wait: give it a moment only.
        match timeout(
            Duration::from_secs(2),
            writer.half.write_all(words.as_bytes()),
        )
        .await
        {
            Ok(Ok(())) => say.done("ok"),
            Ok(Err(e)) => return Err(say.fail(e)),
            Err(_) => return Err(say.fail(io::ErrorKind::TimedOut.into())),
        }
    }
    say.next("shutdown()", "send FIN: goodbye");
    // The client may have gone already: then there is nobody to say goodbye to.
    let _ = writer.half.shutdown().await;
    say.done("ok");
    if last_words.is_some() {
        // The client may still be sending, and closing with unread bytes would send RST: the
        // client could lose our error line. Read and drop what it still sends, for a moment.
        let _ = timeout(
            Duration::from_secs(2),
            tokio::io::copy(&mut lines.reader, &mut tokio::io::sink()),
        )
        .await;
    }
    Ok(())
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
        let listener = bind(opts.addr, &server).await?;
        let addr = listener.local_addr().map_err(|e| server.fail(e))?;
        opts.ready(addr);
        // Four clients, then the server waits for them to leave and ends.
        let serving = tokio::spawn(serve(
            listener,
            Some(4),
            room(QUEUE, LINE_WAIT, WRITE_LIMIT),
        ));

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
        serving
            .await
            .map_err(|e| server.fail(io::Error::other(e)))?
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
        let listener = bind(opts.addr, &server).await?;
        let addr = listener.local_addr().map_err(|e| server.fail(e))?;
        opts.ready(addr);
        let room = room(QUEUE, Duration::from_millis(300), WRITE_LIMIT);

        // oscar: "alice\n", then close with SO_LINGER 0, which sends RST at once.
        let mut oscar = connect(addr, opts.narrator("oscar")).await?;
        oscar.send(b"alice\n").await?;
        oscar
            .say
            .next("close() with SO_LINGER 0", "reset: RST, not FIN");
        let reset = oscar.writer.as_ref().set_zero_linger();
        reset.map_err(|e| oscar.say.fail(e))?;
        drop((oscar.reader, oscar.writer));
        oscar.say.done("ok, RST sent");
        // The server's side of oscar, run here to its end, so that what follows comes after.
        server.next("accept()", "oscar's connection");
        let (stream, peer) = listener.accept().await.map_err(|e| server.fail(e))?;
        server.done(format!("ok, conn0 from {peer}"));
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
        serving
            .await
            .map_err(|e| server.fail(io::Error::other(e)))?
    })
}
// ANCHOR_END: rude

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

/// The listening socket: socket + bind + listen.
async fn bind(addr: SocketAddr, say: &Narrator) -> Result<TcpListener> {
    say.next(
        format!("TcpListener::bind({addr})"),
        "socket + bind + listen in one call",
    );
    let listener = TcpListener::bind(addr).await.map_err(|e| say.fail(e))?;
    let bound = listener.local_addr().map_err(|e| say.fail(e))?;
    say.done(format!("ok, listening on {bound}"));
    say.kernel_at(bound, None);
    Ok(listener)
}

// ANCHOR: server
/// Serve until stopped (Ctrl-C), or until --clients N have come and gone.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let limit = match opts.value("--clients", 0usize)? {
        0 => None,
        n => Some(n),
    };
    let line_wait = Duration::from_millis(opts.value("--line-wait", 10_000)?);
    let write_limit = Duration::from_millis(opts.value("--write-limit", 5_000)?);
    let queue = opts.value("--queue", QUEUE)?.max(1);
    let rt = runtime(&say)?;
    rt.block_on(async {
        let listener = bind(opts.addr, &say).await?;
        opts.ready(listener.local_addr().map_err(|e| say.fail(e))?);
        serve(listener, limit, room(queue, line_wait, write_limit)).await
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
                    Ok(Some(bytes)) => {
                        let sent = conn.writer.write_all(&bytes).await;
                        sent.map_err(|e| conn.say.fail(e))?;
                    }
                    // A line too long to send, or standard input failed: say so and stop.
                    Err(e) => return Err(conn.say.fail(e)),
                    Ok(None) => {
                        typing = false;
                        conn.say.next("shutdown()", "end of input: send FIN, keep reading");
                        conn.writer.shutdown().await.map_err(|e| conn.say.fail(e))?;
                        conn.say.done("ok");
                    }
                },
                received = read_line(&mut conn.reader, &mut line, MAX_LINE) => match received {
                    Ok(Some(bytes)) => println!("{}", String::from_utf8_lossy(&bytes).trim_end()),
                    Ok(None) => break,
                    Err(e) => return Err(conn.say.fail(e)),
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
