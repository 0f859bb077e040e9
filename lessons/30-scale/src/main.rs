//! Lesson 30, the challenge after part four: a line-echo server for a thousand clients,
//! built from the spec in book/30-scale.md, and measured with lesson 29's load generator.
//! Each line a client sends comes back to it as it is (`ping\n` -> `ping\n`); a line longer
//! than `--max-line` gets `ERR line too long\n` and the end of the connection; a client that
//! keeps the server waiting longer than `--idle-ms` is closed. The learner's `serve` is the
//! server: this file makes the listening socket for it, narrates what it reports, and
//! narrates the demo's clients.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use common::listener::{allow_descriptors, listen_with_backlog};
use common::{show_bytes, Flag, Lesson, Narrated, Narrator, Options, Result};
use lesson_30_scale::{serve, Limits, Report};

static LESSON: Lesson = Lesson {
    package: "lesson-30-scale",
    title: "Challenge: a server for a thousand clients",
    port: 7030,
    about: "A line-echo server that a thousand clients may use at once: each line comes back\n\
            as it is (b\"ping\\n\" -> b\"ping\\n\"); a line past --max-line gets\n\
            b\"ERR line too long\\n\" and the end of the connection; a client that keeps the\n\
            server waiting past --idle-ms is closed. The demo: one client pipelines three\n\
            lines, one sends a line too long, one says nothing (the demo waits 1 s for it).\n\
            The client: one round trip. Measure the server with lesson 29 (two terminals):\n    \
            cargo run --release -p lesson-30-scale -- server\n    \
            cargo run --release -p lesson-29-load -- client --addr 127.0.0.1:7030 -c 1000",
    flags: &[
        Flag {
            name: "--max-line",
            value: Some("BYTES"),
            help: "the longest line, its \\n included (default 1024)",
        },
        Flag {
            name: "--idle-ms",
            value: Some("MS"),
            help: "the longest wait for a client's line or for room to answer (default 10000)",
        },
    ],
};

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

/// The limits, with --max-line and --idle-ms.
fn limits(opts: &Options) -> Result<Limits> {
    Ok(Limits {
        max_line: opts.value("--max-line", Limits::DEFAULT.max_line)?,
        idle: opts.millis("--idle-ms", 10_000)?,
    })
}

// ANCHOR: server
/// Room for many descriptors, the listening socket, then your `serve`, for ever. Only what
/// it reports is narrated from there on: a thousand clients are not narrated one by one.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let limits = limits(opts)?;
    allow_descriptors(4096, &say)?;
    // A thousand clients connecting at once: an accept queue that holds them (chapter 29).
    let listener = listen_with_backlog(opts, 4096, &say)?;
    let told = say.clone();
    let report = Report::new(move |e| {
        let _ = told.failed("accept()", clone_error(e));
    });
    say.call("serve(listener)", "your server, from here on", || {
        serve(listener, limits, report)
    })
}

/// An owned copy of an error (the narrator takes ownership of the errors it reports).
fn clone_error(e: &std::io::Error) -> std::io::Error {
    match e.raw_os_error() {
        Some(code) => std::io::Error::from_raw_os_error(code),
        None => std::io::Error::new(e.kind(), e.to_string()),
    }
}
// ANCHOR_END: server

// ANCHOR: demo
/// Your server on a thread of its own (a short idle limit, so that the demo need not wait
/// long), and three clients, one after another: a polite one that sends three lines in one
/// write, one whose line is too long, one that says nothing.
fn demo(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let listener = listen_with_backlog(opts, 4096, &say)?;
    let addr = listener
        .local_addr()
        .map_err(|e| say.failed("getsockname()", e))?;
    let limits = Limits {
        max_line: 16,
        idle: Duration::from_secs(1),
    };
    say.note("the demo's limits: lines of 16 bytes at most, 1 s of silence at most");
    let report = Report::new(|_| {});
    std::thread::spawn(move || serve(listener, limits, report));

    let mut polite = Client::open(addr, opts.narrator("polite"))?;
    polite.send(b"one\ntwo\nthree\n")?;
    for _ in 0..3 {
        polite.read_line()?;
    }
    let mut long = Client::open(addr, opts.narrator("long"))?;
    long.send(b"a line far longer than 16 bytes\n")?;
    long.read_line()?; // ERR line too long
    long.read_line()?; // end of stream
    let mut silent = Client::open(addr, opts.narrator("silent"))?;
    silent.read_line()?; // end of stream, after 1 s
    Ok(())
}
// ANCHOR_END: demo

/// One of the demo's clients: its calls narrated, its reads with a timeout.
struct Client {
    say: Narrator,
    lines: BufReader<Narrated<TcpStream>>,
}

impl Client {
    fn open(addr: SocketAddr, say: Narrator) -> Result<Client> {
        let conn = say.call(format!("connect({addr})"), "open a TCP connection", || {
            TcpStream::connect(addr)
        })?;
        let why = "give up on a silent server";
        say.call("setsockopt(SO_RCVTIMEO, 10 s)", why, || {
            conn.set_read_timeout(Some(Duration::from_secs(10)))
        })?;
        let lines = BufReader::new(Narrated::quiet(conn, say.clone()));
        Ok(Client { say, lines })
    }

    fn send(&mut self, bytes: &[u8]) -> Result<()> {
        let call = format!("write_all({})", show_bytes(bytes));
        let conn = self.lines.get_mut();
        self.say
            .call(call, "lines for the server", || conn.write_all(bytes))
    }

    /// The next line from the server (empty: it closed).
    fn read_line(&mut self) -> Result<Vec<u8>> {
        let lines = &mut self.lines;
        let read = || {
            let mut line = Vec::new();
            lines.read_until(b'\n', &mut line).map(|_| line)
        };
        let shown = |line: &Vec<u8>| match line.is_empty() {
            true => "end of stream".to_string(),
            false => show_bytes(line),
        };
        self.say
            .call_then("read_line()", "the next line from the server", read, shown)
    }
}

// ANCHOR: client
/// One round trip, narrated: `ping\n` and its echo. To load the server, use lesson 29.
fn client(opts: &Options) -> Result<()> {
    let mut client = Client::open(opts.addr, opts.narrator("client"))?;
    client.send(b"ping\n")?;
    let line = client.read_line()?;
    println!("{}", String::from_utf8_lossy(&line).trim_end());
    Ok(())
}
// ANCHOR_END: client
