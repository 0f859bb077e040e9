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
//!   client is closed; one that falls more than 256 messages behind gets
//!   `error: too slow, N messages lost\n` and is closed. The others get `* NICK left\n`.

use std::collections::HashSet;
use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::lines::LineClient;
use common::{show_bytes, Flag, Lesson, Narrator, Options, Result};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::task::JoinSet;
use tokio::time::timeout;

// The function this lesson is about lives in its own file, so that you can write it yourself:
// src/exercise.rs is yours (`cargo exercise lesson-16-chat` checks it), src/solution.rs is ours.
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(all(feature = "wrong", not(feature = "exercise")), path = "wrong.rs")]
#[cfg_attr(
    not(any(feature = "exercise", feature = "wrong")),
    path = "solution.rs"
)]
mod task;
use task::{chat, Ending};

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
            b\"error: too slow, N messages lost\\n\" (a client more than 256 messages behind).\n\
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
            name: "--nick",
            value: Some("NAME"),
            help: "client: your nickname (default guest)",
        },
    ],
};

/// How many messages a client may fall behind before it is dropped.
pub const QUEUE: usize = 256;
/// How long a new client may take to send its nickname.
const NICK_WAIT: Duration = Duration::from_secs(30);
/// How long the demo's clients wait for a line before they give up.
const CLIENT_WAIT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: message
/// One line for the room: who sent it (so that it is not sent back to them) and the bytes
/// every other client gets.
#[derive(Clone, Debug)]
pub struct Message {
    /// The sender's connection number.
    pub from: usize,
    /// The whole line as it goes out, e.g. `b"alice: hi\n"`.
    pub text: Arc<[u8]>,
}

/// A client who has joined: its connection number and its nickname.
pub struct Member {
    pub id: usize,
    pub nick: String,
}

impl Message {
    fn new(from: usize, text: String) -> Message {
        Message {
            from,
            text: text.into_bytes().into(),
        }
    }

    /// What `member` said: `NICK: TEXT\n`, or `None` for an empty line. Bytes that are not
    /// UTF-8 become U+FFFD, so every client gets valid text.
    pub fn said(member: &Member, line: &[u8]) -> Option<Message> {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end_matches(['\n', '\r']);
        if text.is_empty() {
            return None;
        }
        Some(Message::new(
            member.id,
            format!("{}: {text}\n", member.nick),
        ))
    }
}

/// What every client's task shares: the channel, and the nicknames in use.
#[derive(Clone)]
struct Room {
    messages: broadcast::Sender<Message>,
    nicks: Arc<Mutex<HashSet<String>>>,
}
// ANCHOR_END: message

// ANCHOR: read_line
/// The longest line the server takes, newline included.
pub const MAX_LINE: usize = 1024;

/// One line of at most `MAX_LINE` bytes, cancel-safe (the helper crate's `read_line`,
/// explained in chapter 13).
pub async fn read_line(
    reader: &mut BufReader<OwnedReadHalf>,
    line: &mut Vec<u8>,
) -> io::Result<Option<Vec<u8>>> {
    common::lines::read_line(reader, line, MAX_LINE).await
}
// ANCHOR_END: read_line

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
async fn serve(listener: TcpListener, limit: Option<usize>) -> Result<()> {
    let say = Narrator::new("server", LESSON.package);
    // Every message goes through here. Each client reads it at its own pace, up to QUEUE
    // messages behind; the sender never waits for anyone.
    let (messages, _) = broadcast::channel(QUEUE);
    let room = Room {
        messages,
        nicks: Arc::new(Mutex::new(HashSet::new())),
    };
    let mut members = JoinSet::new();
    let mut accepted = 0;
    while limit.is_none_or(|limit| accepted < limit) {
        say.next("accept()", "wait for the next client");
        let (stream, peer) = listener.accept().await.map_err(|e| say.fail(e))?;
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
// ANCHOR_END: serve

// ANCHOR: member
/// One client, in its own task: nickname, welcome, chat, goodbye.
async fn member(stream: TcpStream, id: usize, room: Room) -> Result<()> {
    let say = Narrator::new(format!("conn{id}"), LESSON.package);
    let (read_half, mut writer) = stream.into_split();
    let mut reader = BufReader::new(read_half);

    say.next("read_line()", "the first line is the nickname");
    let mut line = Vec::new();
    let first = timeout(NICK_WAIT, read_line(&mut reader, &mut line)).await;
    let first = match first {
        Err(_elapsed) => Err(say.fail(io::ErrorKind::TimedOut.into())),
        Ok(Err(e)) => Err(say.fail(e)),
        Ok(Ok(None)) => Err(say.protocol_error("end of stream before a nickname")),
        Ok(Ok(Some(bytes))) => Ok(bytes),
    };
    let Ok(first) = first else {
        // Nothing to say to a client that sent no nickname: just close.
        return first.map(drop);
    };
    say.done(show_bytes(&first));
    // Check the nickname and claim it, in one step under the lock: two clients asking for
    // the same name at the same moment cannot both get it.
    let refusal = match nickname(&first) {
        None => Some("error: invalid nickname (1-16 letters, digits, _ or -)\n".to_string()),
        Some(nick) if !room.nicks.lock().unwrap().insert(nick.clone()) => {
            Some(format!("error: nickname {nick} is taken\n"))
        }
        Some(_) => None,
    };
    if let Some(refusal) = refusal {
        say.next(
            format!("write_all({})", show_bytes(refusal.as_bytes())),
            "say why",
        );
        writer
            .write_all(refusal.as_bytes())
            .await
            .map_err(|e| say.fail(e))?;
        say.done("ok");
        say.next("shutdown()", "send FIN: goodbye");
        writer.shutdown().await.map_err(|e| say.fail(e))?;
        say.done("ok");
        return Ok(());
    }
    let me = Member {
        id,
        nick: nickname(&first).unwrap_or_default(),
    };

    // Subscribe before anything is announced, so that no message can slip past.
    let mut inbox = room.messages.subscribe();
    let welcome = format!("* welcome {}\n", me.nick);
    say.next(
        format!("write_all({})", show_bytes(welcome.as_bytes())),
        "greet",
    );
    writer
        .write_all(welcome.as_bytes())
        .await
        .map_err(|e| say.fail(e))?;
    say.done("ok");
    // Our own notice comes back to our inbox too; chat() skips it, as it skips all we say.
    let _ = room
        .messages
        .send(Message::new(id, format!("* {} joined\n", me.nick)));
    say.note(format!(
        "{} joined; {} in the room",
        me.nick,
        room.messages.receiver_count()
    ));

    say.next(
        "chat()",
        "relay: the client's lines to the room, the room's lines to the client",
    );
    let ended = chat(&me, &mut reader, &mut writer, &room.messages, &mut inbox).await;
    // Last words for the client, if any, and whether it may still be sending.
    let (last_words, still_sending) = match ended {
        Ok(Ending::Left) => {
            say.done("end of stream: the client has left");
            (None, false)
        }
        Ok(Ending::TooSlow(lost)) => {
            say.done(format!("fell behind: {lost} messages lost"));
            (
                Some(format!("error: too slow, {lost} messages lost\n")),
                false,
            )
        }
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            say.done("end of stream in the middle of a line: the half line is dropped");
            (None, false)
        }
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            let words = format!("error: {e}\n");
            say.fail(e);
            (Some(words), true)
        }
        Err(e) => {
            say.fail(e);
            (None, false)
        }
    };

    // Leave the room first: the others should not wait for our goodbye to a slow client.
    drop(inbox);
    room.nicks.lock().unwrap().remove(&me.nick);
    let _ = room
        .messages
        .send(Message::new(id, format!("* {} left\n", me.nick)));
    say.note(format!("{} left", me.nick));

    if let Some(words) = last_words {
        say.next(
            format!("write_all({})", show_bytes(words.as_bytes())),
            "say why",
        );
        // A client that does not read could make this wait for ever: give it a moment only.
        match timeout(Duration::from_secs(2), writer.write_all(words.as_bytes())).await {
            Ok(Ok(())) => say.done("ok"),
            Ok(Err(e)) => return Err(say.fail(e)),
            Err(_) => return Err(say.fail(io::ErrorKind::TimedOut.into())),
        }
    }
    say.next("shutdown()", "send FIN: goodbye");
    // The client may have gone already: then there is nobody to say goodbye to.
    let _ = writer.shutdown().await;
    say.done("ok");
    if still_sending {
        // Closing with unread bytes would send RST, and the client could lose our error
        // line. Read and drop what it still sends, for a moment, before we close.
        let _ = timeout(
            Duration::from_secs(2),
            tokio::io::copy(&mut reader, &mut tokio::io::sink()),
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
    let server = opts.narrator("server");
    let rt = runtime(&server)?;
    rt.block_on(async {
        let listener = bind(opts.addr, &server).await?;
        let addr = listener.local_addr().map_err(|e| server.fail(e))?;
        opts.ready(addr);
        // Four clients, then the server waits for them to leave and ends.
        let serving = tokio::spawn(serve(listener, Some(4)));

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
    let rt = runtime(&say)?;
    rt.block_on(async {
        let listener = bind(opts.addr, &say).await?;
        opts.ready(listener.local_addr().map_err(|e| say.fail(e))?);
        serve(listener, limit).await
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
        let mut typed = BufReader::new(tokio::io::stdin()).lines();
        let mut typing = true;
        let mut line = Vec::new();
        loop {
            tokio::select! {
                // Both branches are cancel-safe: nothing is lost when the other one wins.
                text = typed.next_line(), if typing => match text {
                    Ok(Some(text)) => {
                        let bytes = format!("{text}\n");
                        let sent = conn.writer.write_all(bytes.as_bytes()).await;
                        sent.map_err(|e| conn.say.fail(e))?;
                    }
                    _ => {
                        typing = false;
                        conn.say.next("shutdown()", "end of input: send FIN, keep reading");
                        conn.writer.shutdown().await.map_err(|e| conn.say.fail(e))?;
                        conn.say.done("ok");
                    }
                },
                received = read_line(&mut conn.reader, &mut line) => match received {
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
