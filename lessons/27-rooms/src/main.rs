//! Lesson 27, the challenge after part two: a chat with rooms, built from the spec in
//! book/27-rooms.md. Everything in it is from chapters 9 to 17: many clients at once (threads
//! or tasks), lines read whole with a limit and a deadline, and members that are slow or
//! vanish without holding up anybody else.
//!
//! The protocol: a client sends lines (`NICK name`, `JOIN #room`, `PART #room`,
//! `MSG #room text`, `LIST`, `QUIT`), each answered by one line (`OK …`, `ROOMS …`,
//! `ERR …`); the other members of a room get `JOIN #room nick`, `PART #room nick` and
//! `MSG #room nick text`. The learner's `serve` is the server; this file accepts the
//! connections for it, and narrates the clients.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::listener::{accept, listen_on, Backoff};
use common::{show_bytes, Flag, Lesson, Narrated, Narrator, Options, Result};
use lesson_27_rooms::{serve, Limits};

static LESSON: Lesson = Lesson {
    package: "lesson-27-rooms",
    title: "Challenge: a chat with rooms",
    port: 7027,
    about: "A chat server with rooms, one line per command: NICK name -> OK nick name,\n\
            JOIN #room -> OK join #room, PART #room -> OK part #room, MSG #room text ->\n\
            OK msg #room, LIST -> ROOMS #a #b, QUIT -> OK bye. The other members of a room\n\
            get JOIN #room nick, PART #room nick, MSG #room nick text. The demo has three\n\
            members in two rooms; the client sends the lines you type and prints what comes.\n\
            Try it with: nc 127.0.0.1 7027, then NICK you and JOIN #rust",
    flags: &[
        Flag {
            name: "--line-wait",
            value: Some("MS"),
            help: "longest time for one line, from its first byte (default 10000)",
        },
        Flag {
            name: "--queue",
            value: Some("N"),
            help: "lines that may wait for one member (default 64)",
        },
    ],
};

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

/// The limits, with --line-wait and --queue.
fn limits(opts: &Options) -> Result<Limits> {
    Ok(Limits {
        line_wait: opts.millis("--line-wait", 10_000)?,
        // A semaphore of this many permits is made for each member: tokio's holds at most
        // 2^61 - 1; a million is room enough.
        queue: opts.value_at_most("--queue", Limits::DEFAULT.queue, 1_000_000)?,
        ..Limits::DEFAULT
    })
}

// ANCHOR: accepting
/// The connections, accepted by the lesson one at a time, narrated, for your `serve`.
/// accept() rides out the errors that pass, with a pause that grows (chapter 4); only a
/// listener that is not listening ends the connections (`None`).
struct Accepting {
    listener: TcpListener,
    backoff: Backoff,
    say: Narrator,
    /// In the demo: accept() when the demo says so, and say when done, so that the lines
    /// come in one order.
    turns: Option<Turns>,
}

/// The demo's side of the turns: the go before each accept(), the news that it returned.
struct Turns {
    go: mpsc::Receiver<()>,
    done: mpsc::Sender<()>,
}

impl Iterator for Accepting {
    type Item = TcpStream;

    fn next(&mut self) -> Option<TcpStream> {
        if let Some(turns) = &self.turns {
            turns.go.recv().ok()?;
        }
        let (stream, _peer) = accept(&self.listener, &mut self.backoff, &self.say).ok()?;
        if let Some(turns) = &self.turns {
            let _ = turns.done.send(());
        }
        Some(stream)
    }
}
// ANCHOR_END: accepting

// ANCHOR: server
/// Listen, and hand the connections to your `serve`, for ever.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let limits = limits(opts)?;
    let listener = listen_on(opts, &say)?;
    let incoming = Accepting {
        listener,
        backoff: Backoff::new(),
        say: say.clone(),
        turns: None,
    };
    say.call("serve(connections)", "your server, from here on", || {
        serve(incoming, limits)
    })
}
// ANCHOR_END: server

// ANCHOR: member
/// One of the demo's clients: a connection, its lines read whole, each call narrated.
struct Member {
    say: Narrator,
    lines: BufReader<Narrated<TcpStream>>,
    conn: Narrated<TcpStream>,
}

impl Member {
    /// connect(), and the server's accept(); then a timeout on every read.
    fn join(addr: SocketAddr, say: Narrator, server: &Demo) -> Result<Member> {
        let conn = say.call(format!("connect({addr})"), "open a TCP connection", || {
            TcpStream::connect(addr)
        })?;
        let _ = server.go.send(());
        let _ = server.done.recv();
        let why = "give up on a silent server";
        say.call("setsockopt(SO_RCVTIMEO, 10 s)", why, || {
            conn.set_read_timeout(Some(Duration::from_secs(10)))
        })?;
        let reading = conn.try_clone().map_err(|e| say.failed("try_clone()", e))?;
        Ok(Member {
            lines: BufReader::new(Narrated::quiet(reading, say.clone())),
            conn: Narrated::quiet(conn, say.clone()),
            say,
        })
    }

    /// Send one command, `\n` included.
    fn send(&mut self, line: &[u8]) -> Result<()> {
        let call = format!("write_all({})", show_bytes(line));
        self.say
            .call(call, "one command", || self.conn.write_all(line))
    }

    /// The next line from the server (empty: it closed).
    fn read_line(&mut self) -> Result<Vec<u8>> {
        let lines = &mut self.lines;
        let why = "the next line from the server";
        let read = || {
            let mut line = Vec::new();
            lines.read_until(b'\n', &mut line).map(|_| line)
        };
        let shown = |line: &Vec<u8>| match line.is_empty() {
            true => "end of stream".to_string(),
            false => show_bytes(line),
        };
        self.say.call_then("read_line()", why, read, shown)
    }

    /// Send a command and read its reply.
    fn ask(&mut self, line: &[u8]) -> Result<Vec<u8>> {
        self.send(line)?;
        self.read_line()
    }

    fn close(self) -> Result<()> {
        self.say.call("close()", "leave without a word", || {
            drop(self.lines);
            drop(self.conn);
            Ok(())
        })
    }
}
// ANCHOR_END: member

/// The demo's side of the turns (see `Turns`).
struct Demo {
    go: mpsc::Sender<()>,
    done: mpsc::Receiver<()>,
}

// ANCHOR: demo
/// Three members, two rooms (their nicks in capitals, so that the diagram does not take a
/// nick in a command for the participant of that name): the server on a thread of its own, each client's call made one
/// at a time here, each reply read before the next call, so the lines come in one order.
fn demo(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let lesson = opts.narrator("lesson");
    let listener = listen_on(opts, &say)?;
    let addr = listener
        .local_addr()
        .map_err(|e| say.failed("getsockname()", e))?;
    let (go, go_ahead) = mpsc::channel();
    let (accepted, done) = mpsc::channel();
    let incoming = Accepting {
        listener,
        backoff: Backoff::new(),
        say,
        turns: Some(Turns {
            go: go_ahead,
            done: accepted,
        }),
    };
    let server = Demo { go, done };
    let limits = limits(opts)?;
    thread::spawn(move || serve(incoming, limits));

    let mut alice = Member::join(addr, opts.narrator("alice"), &server)?;
    alice.ask(b"NICK Alice\n")?;
    alice.ask(b"JOIN #rust\n")?;
    let mut bob = Member::join(addr, opts.narrator("bob"), &server)?;
    bob.ask(b"NICK Bob\n")?;
    bob.ask(b"JOIN #rust\n")?;
    alice.read_line()?; // JOIN #rust Bob
    let mut carol = Member::join(addr, opts.narrator("carol"), &server)?;
    carol.ask(b"NICK Bob\n")?; // taken
    carol.ask(b"NICK Carol\n")?;
    carol.ask(b"JOIN #games\n")?;

    lesson.note("alice speaks in #rust: bob hears it, carol (in #games) does not");
    alice.ask(b"MSG #rust hello Bob\n")?;
    bob.read_line()?;
    carol.ask(b"MSG #rust hi?\n")?; // not a member
    carol.ask(b"LIST\n")?;

    lesson.note("bob leaves without a word: the server tells #rust");
    bob.close()?;
    alice.read_line()?; // PART #rust Bob
    alice.ask(b"QUIT\n")?;
    alice.read_line()?; // end of stream
    carol.close()
}
// ANCHOR_END: demo

// ANCHOR: client
/// The lines you type go to the server (a thread of their own); what the server sends is
/// printed as it comes, until it closes.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let conn = say.call(
        format!("connect({})", opts.addr),
        "open a TCP connection",
        || TcpStream::connect(opts.addr),
    )?;
    let mut typed = Vec::new();
    if common::narrate::step_mode() {
        say.note("step mode reads Enter from standard input: sending three sample commands");
        typed.extend_from_slice(b"NICK step\nLIST\nQUIT\n");
    }
    let sending = conn.try_clone().map_err(|e| say.failed("try_clone()", e))?;
    let sender = say.clone();
    thread::spawn(move || type_lines(sending, typed, sender));
    let mut lines = BufReader::new(Narrated::quiet(conn, say.clone()));
    loop {
        let mut line = Vec::new();
        let n = say.call("read_line()", "what the server sends", || {
            lines.read_until(b'\n', &mut line)
        })?;
        if n == 0 {
            return Ok(());
        }
        println!("{}", String::from_utf8_lossy(&line).trim_end());
    }
}

/// Send `typed` (step mode) or each line of standard input; then shutdown(Write).
fn type_lines(conn: TcpStream, typed: Vec<u8>, say: Narrator) -> Result<()> {
    let mut socket = Narrated::quiet(&conn, say.clone());
    let why = "send what was typed";
    if !typed.is_empty() {
        say.call(format!("write_all({})", show_bytes(&typed)), why, || {
            socket.write_all(&typed)
        })?;
    } else {
        for line in std::io::stdin().lock().split(b'\n') {
            let mut line = line.map_err(|e| say.failed("read_line(stdin)", e))?;
            line.push(b'\n');
            say.call(format!("write_all({})", show_bytes(&line)), why, || {
                socket.write_all(&line)
            })?;
        }
    }
    let why = "no more commands: the server reads end of stream";
    say.call("shutdown(Write)", why, || conn.shutdown(Shutdown::Write))
}
// ANCHOR_END: client
