//! Lesson 11: many clients at once, one thread per connection.
//!
//! `accept()` gives a server one new socket per client, and `recv()` on that socket waits until
//! the client speaks. A server that serves its clients one after another is therefore only as
//! fast as its slowest client: while it waits for one, the others wait for it. The simplest
//! cure is a thread per connection, so that only that connection's thread waits.
//!
//! This lesson serves every line with its upper-case copy, a thread per connection, and keeps
//! one piece of shared state (a tally of lines and bytes) behind `Arc<Mutex<_>>`. Then it
//! replaces the unbounded threads with a fixed pool of workers (`--pool N`).
//!
//! The exchange, per connection: the client sends lines (`hi from carol\n`), the server
//! answers each with `HI FROM CAROL\n`, and closes when the client has closed its side.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use common::listener::{time_left, Backoff};
use common::{show_bytes, Flag, Lesson, LessonError, Narrator, Options, Result};

use lesson_11_threads::{handle, spawn_handler, Connection, Shared};

static LESSON: Lesson = Lesson {
    package: "lesson-11-threads",
    title: "many clients at once: a thread per connection, shared state, and a bounded pool",
    port: 7011,
    about: "Each connection may send any number of lines; the server answers each line with the\n\
            same line in upper case (b\"hi from carol\\n\" -> b\"HI FROM CAROL\\n\") and closes when\n\
            the client has closed its side. Lines longer than 1024 bytes are refused.\n\n\
            The demo connects alice, bob and carol; alice and bob stay silent while carol is\n\
            answered by her own thread. With --pool 2 only two workers serve, and carol waits.\n\n\
            Try it with several terminals, each running: nc 127.0.0.1 7011\n\
            or many at once: cargo run -p lesson-11-threads -- client --clients 100",
    flags: &[
        Flag {
            name: "--pool",
            value: Some("N"),
            help: "serve with N worker threads instead of one thread per connection",
        },
        Flag {
            name: "--clients",
            value: Some("N"),
            help: "server: stop after N connections (default: serve forever); client: open N",
        },
        Flag {
            name: "--hold",
            value: None,
            help: "client: keep every connection open until all N have been answered",
        },
        Flag {
            name: "--trickle",
            value: None,
            help: "demo: a client that trickles a line, cut at its deadline (1 s), while\n\
                   carol is served",
        },
        Flag {
            name: "--timeout",
            value: Some("SECS"),
            help: "server: each line must arrive whole, and each answer be taken, within SECS\n\
                   seconds, or the connection is dropped (default 30; demo 2)",
        },
    ],
};

fn main() -> std::process::ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

/// The longest line the server accepts; a longer one ends the connection.
pub const MAX_LINE: usize = 1024;

// ANCHOR: narrated_conn
/// A connection as its thread serves it, narrated as `conn3`: each recv and send, and the
/// close, are printed by the lesson here, so the exercise's `handle` prints nothing.
struct NarratedConn {
    conn: TcpStream,
    lines: Lines,
    say: Narrator,
}

impl NarratedConn {
    fn new(conn: TcpStream, number: usize) -> Self {
        NarratedConn {
            lines: Lines::new(&conn),
            conn,
            say: Narrator::new(format!("conn{number}"), LESSON.package),
        }
    }
}

impl Connection for NarratedConn {
    fn recv_line(&mut self) -> Result<Option<Vec<u8>>> {
        self.lines.next(&self.conn, &self.say)
    }

    fn send_all(&mut self, bytes: &[u8]) -> Result<()> {
        send_all(&self.conn, bytes, &self.say)
    }

    fn close(self) {
        close(self.conn, "connection", &self.say);
    }
}
// ANCHOR_END: narrated_conn

// ANCHOR: accept
/// Take the next connection (riding out accept()'s passing errors: see common::listener),
/// and give it its time limits, so that no client can hold its thread (or a pool's worker)
/// forever: `Lines` reads SO_RCVTIMEO back as the time a whole line may take, and every send
/// that cannot hand over a byte for SO_SNDTIMEO fails.
fn accept_one(
    listener: &TcpListener,
    limit: Duration,
    pause: &mut Backoff,
    say: &Narrator,
) -> Result<TcpStream> {
    loop {
        let (conn, _peer) = common::listener::accept(listener, pause, say)?;
        let secs = limit.as_secs();
        say.next(
            format!("setsockopt(SO_RCVTIMEO, {secs} s)"),
            "the time a whole line may take",
        );
        if let Err(e) = conn.set_read_timeout(Some(limit)) {
            say.fail(e); // That connection is closed (dropped); the server goes on.
            continue;
        }
        say.done("ok");
        say.next(
            format!("setsockopt(SO_SNDTIMEO, {secs} s)"),
            "a send that cannot hand over a byte for that long fails",
        );
        if let Err(e) = conn.set_write_timeout(Some(limit)) {
            say.fail(e);
            continue;
        }
        say.done("ok");
        return Ok(conn);
    }
}
// ANCHOR_END: accept

// ANCHOR: lines
/// Reads a connection one line at a time. One `recv` may bring part of a line or several
/// lines (lesson 07), so whatever follows the first newline waits here for the next call.
pub struct Lines {
    pending: Vec<u8>,
    /// How long one whole line may take to arrive: a deadline, not a limit per recv.
    per_line: Duration,
}

impl Lines {
    /// The time each line may take is the connection's receive timeout, as it was set when
    /// the connection was made (getsockopt(SO_RCVTIMEO); 30 s if none was set).
    pub fn new(conn: &TcpStream) -> Self {
        let per_line = conn.read_timeout().ok().flatten();
        Lines {
            pending: Vec::new(),
            per_line: per_line.unwrap_or(Duration::from_secs(30)),
        }
    }

    /// The next line with its newline, or `None` once the peer has closed its side.
    ///
    /// What it guarantees: it returns (a line, the end, or an error) within `per_line`, however
    /// the bytes trickle in, and never holds more than 2 x 1024 bytes for a line.
    pub fn next(&mut self, mut conn: &TcpStream, say: &Narrator) -> Result<Option<Vec<u8>>> {
        let deadline = Instant::now() + self.per_line;
        loop {
            // Only the first MAX_LINE + 1 bytes may hold the newline (a line of at most
            // MAX_LINE bytes before it); the limit is checked before every recv, so a
            // newline-less flood costs us at most this buffer and one more recv.
            let window = &self.pending[..self.pending.len().min(MAX_LINE + 1)];
            if let Some(end) = window.iter().position(|&b| b == b'\n') {
                return Ok(Some(self.pending.drain(..=end).collect()));
            }
            if self.pending.len() > MAX_LINE {
                return Err(
                    say.protocol_error(format!("a line longer than {MAX_LINE} bytes: refused"))
                );
            }
            let mut buf = [0u8; 1024];
            say.next("recv(1024)", "wait for bytes (only this thread waits)");
            // A deadline, not a timeout: SO_RCVTIMEO limits ONE recv, so give each recv only
            // the time left. Otherwise a byte every second would hold us forever.
            let Some(left) = time_left(deadline) else {
                return Err(say.fail(no_line_in_time(self.per_line)));
            };
            conn.set_read_timeout(Some(left)).map_err(|e| say.fail(e))?;
            // Blocks this thread, and only this thread, until the peer sends or closes.
            let result = conn.read(&mut buf);
            wait_for_turn();
            let n = match result {
                Ok(n) => n,
                // A signal interrupted the wait (kill -STOP, then -CONT, does that to a recv
                // with a timeout: signal(7)). Nothing is lost: wait again.
                Err(e) if e.kind() == ErrorKind::Interrupted => {
                    say.done("interrupted by a signal (EINTR): again");
                    continue;
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(say.fail(no_line_in_time(self.per_line)));
                }
                Err(e) => return Err(say.fail(e)),
            };
            if n == 0 {
                say.done("0 bytes: end of stream");
                return match self.pending.is_empty() {
                    true => Ok(None),
                    false => Err(say.protocol_error("the peer closed in the middle of a line")),
                };
            }
            say.done(format!("{n} bytes: {}", show_bytes(&buf[..n])));
            self.pending.extend_from_slice(&buf[..n]);
        }
    }
}

/// The error for a line that did not come whole in time (kind TimedOut).
fn no_line_in_time(limit: Duration) -> std::io::Error {
    let secs = limit.as_secs_f64();
    let text = format!("timed out: no whole line within {secs} s");
    std::io::Error::new(ErrorKind::TimedOut, text)
}
// ANCHOR_END: lines

// ANCHOR: send_all
/// Send all of `bytes`: `send` may take fewer than offered (lesson 06), so loop.
///
/// A send waits only when the kernel's buffers toward the peer are full, that is when the
/// peer does not read. SO_SNDTIMEO (set at accept) bounds that wait: a client that never
/// reads is dropped once its buffers are full and the limit has passed.
pub fn send_all(mut conn: &TcpStream, bytes: &[u8], say: &Narrator) -> Result<()> {
    let mut rest = bytes;
    while !rest.is_empty() {
        say.next(
            format!("send({})", show_bytes(rest)),
            "hand bytes to the kernel",
        );
        let n = match conn.write(rest) {
            Ok(n) => n,
            // A stop and continue (signal(7)) interrupts a send with a timeout: again.
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                let why = "timed out: the peer does not take our bytes (it does not read)";
                return Err(say.fail(std::io::Error::new(ErrorKind::TimedOut, why)));
            }
            Err(e) => return Err(say.fail(e)),
        };
        say.done(format!("{n} bytes"));
        rest = &rest[n..];
    }
    Ok(())
}
// ANCHOR_END: send_all

/// Close a socket (drop it): the kernel sends FIN to the peer.
pub fn close(conn: TcpStream, name: &str, say: &Narrator) {
    say.next(
        format!("close({name})"),
        "give the socket back to the kernel",
    );
    drop(conn);
    say.done("ok");
}

/// The demo's turn-taking. Threads print as they go, so two of them could print in either
/// order; to keep the demo's output the same on every run, the demo holds this lock while a
/// client sends and prints, and a connection's thread that has just received waits for it
/// before printing. Outside the demo nobody holds it, and the wait costs nothing.
static TURN: Mutex<()> = Mutex::new(());

fn wait_for_turn() {
    drop(TURN.lock().unwrap_or_else(|e| e.into_inner()));
}

// ANCHOR: pool
/// A fixed number of worker threads that take connections from one queue.
struct Pool {
    /// Where the acceptor puts connections. Dropping it tells the workers to stop.
    queue: Option<SyncSender<(TcpStream, usize)>>,
    /// Each worker reports here when it has finished a connection.
    finished: Receiver<(usize, Result<()>)>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    fn start(size: usize, tally: &Shared, say: &Narrator) -> Result<Pool> {
        // A bounded queue: when it is full, the acceptor waits in `send`, and new connections
        // wait in the kernel's accept queue instead of piling up in our memory.
        let (queue, jobs) = mpsc::sync_channel::<(TcpStream, usize)>(size);
        // A channel has one receiving end: the workers share it, one at a time, behind a Mutex.
        let jobs = Arc::new(Mutex::new(jobs));
        let (report, finished) = mpsc::channel();
        let mut workers = Vec::new();
        say.next(
            format!("thread::spawn() x {size}"),
            "start the pool's workers",
        );
        for worker in 1..=size {
            let (jobs, tally, report) = (Arc::clone(&jobs), Arc::clone(tally), report.clone());
            let spawned = thread::Builder::new()
                .name(format!("worker{worker}"))
                .spawn(move || loop {
                    // Hold the lock only while taking one connection: the guard is dropped
                    // at the end of this statement, before the connection is served.
                    let job = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((conn, number)) = job else {
                        return; // The queue was closed: the server is shutting down.
                    };
                    let result = handle(NarratedConn::new(conn, number), &tally);
                    let _ = report.send((number, result));
                });
            // At startup, a pool that cannot be made is the server's end (with a clear word).
            workers.push(spawned.map_err(|e| match e.kind() {
                ErrorKind::WouldBlock => say.fail(std::io::Error::new(
                    e.kind(),
                    "the system refused another thread (EAGAIN)",
                )),
                _ => say.fail(e),
            })?);
        }
        say.done(format!("ok, {size} workers wait for connections"));
        Ok(Pool {
            queue: Some(queue),
            finished,
            workers,
        })
    }

    /// Queue a connection for the next free worker (waits while the queue is full).
    fn give(&self, conn: TcpStream, number: usize, say: &Narrator) -> Result<()> {
        let queue = self.queue.as_ref().expect("the pool is running");
        queue
            .send((conn, number))
            .map_err(|_| say.protocol_error("every worker has stopped"))?;
        say.note(format!("conn{number} is in the pool's queue"));
        Ok(())
    }

    /// Close the queue, let the workers finish what they hold, and wait for them.
    fn stop(mut self, say: &Narrator) -> Vec<(usize, Result<()>)> {
        self.queue = None;
        for worker in self.workers {
            let _ = worker.join();
        }
        say.note("the queue is closed and every worker has ended");
        self.finished.try_iter().collect()
    }
}
// ANCHOR_END: pool

/// How this server serves its connections.
enum Workers {
    /// One thread per connection: the handles of the threads not yet joined.
    PerConnection(Vec<(usize, JoinHandle<Result<()>>)>),
    /// A fixed pool of workers.
    Pool(Pool),
}

// ANCHOR: workers
impl Workers {
    fn start(pool: Option<usize>, tally: &Shared, say: &Narrator) -> Result<Workers> {
        Ok(match pool {
            None => {
                say.note("one thread per connection");
                Workers::PerConnection(Vec::new())
            }
            Some(size) => Workers::Pool(Pool::start(size, tally, say)?),
        })
    }

    /// Hand a new connection over: to a new thread of its own, or to the pool's queue.
    fn give(
        &mut self,
        conn: TcpStream,
        number: usize,
        tally: &Shared,
        say: &Narrator,
    ) -> Result<()> {
        match self {
            Workers::PerConnection(threads) => {
                // If no thread can be made, the closure is dropped, and the connection in it
                // is closed. To tell the client why first, keep a second descriptor for the
                // same socket (dup(2)); the connection lives on until both are closed.
                let spare = conn.try_clone();
                say.next(
                    format!("thread::spawn(conn{number})"),
                    "start a thread that serves this connection",
                );
                match spawn_handler(NarratedConn::new(conn, number), Arc::clone(tally)) {
                    Ok(thread) => {
                        say.done(format!("ok, conn{number} has a thread of its own"));
                        threads.push((number, thread));
                    }
                    // EAGAIN (pthread_create(3)): no memory for another stack, or a limit on
                    // threads. That is this client's bad luck, not the server's end.
                    Err(e) => {
                        let why = "the system refused another thread (EAGAIN)";
                        match e.kind() {
                            ErrorKind::WouldBlock => say.fail(std::io::Error::new(e.kind(), why)),
                            _ => say.fail(e),
                        };
                        refuse(spare, number, say);
                    }
                }
                Ok(())
            }
            Workers::Pool(pool) => pool.give(conn, number, say),
        }
    }

    /// Join the threads that have finished, so that they do not pile up; report failures.
    fn reap(&mut self, say: &Narrator) {
        match self {
            Workers::PerConnection(threads) => {
                let (done, running) = threads.drain(..).partition(|(_, t)| t.is_finished());
                *threads = running;
                for (number, thread) in done {
                    report(number, thread.join(), say);
                }
            }
            Workers::Pool(pool) => {
                for (number, result) in pool.finished.try_iter() {
                    report(number, Ok(result), say);
                }
            }
        }
    }

    /// Wait until these connections have been served (the demo uses this to keep order).
    /// Nothing is printed until all of them are done: a worker that finished one may be
    /// serving the next, and its lines must not mix with ours.
    fn wait_for(&mut self, numbers: &[usize], say: &Narrator) -> Result<()> {
        match self {
            Workers::PerConnection(threads) => {
                for &number in numbers {
                    let at = threads.iter().position(|(n, _)| *n == number);
                    let (_, thread) = threads.remove(at.expect("a thread for every connection"));
                    say.next(format!("join(conn{number})"), "wait for that thread to end");
                    let result = thread.join();
                    say.done(format!("ok, conn{number}'s thread has ended"));
                    report(number, result, say);
                }
            }
            Workers::Pool(pool) => {
                say.next("finished.recv()", "wait for the workers to report");
                let mut reports = Vec::new();
                for _ in numbers {
                    reports.push(
                        pool.finished
                            .recv_timeout(Duration::from_secs(10))
                            .map_err(|_| say.protocol_error("no worker reported in 10 s"))?,
                    );
                }
                for (number, result) in reports {
                    say.note(format!("conn{number} is done: its worker is free again"));
                    report(number, Ok(result), say);
                }
            }
        }
        Ok(())
    }

    /// Stop: wait for every connection still being served.
    fn finish(self, say: &Narrator) {
        match self {
            Workers::PerConnection(threads) => {
                for (number, thread) in threads {
                    report(number, thread.join(), say);
                }
            }
            Workers::Pool(pool) => {
                for (number, result) in pool.stop(say) {
                    report(number, Ok(result), say);
                }
            }
        }
    }
}

/// Turn away a connection no thread could be made for: one line saying why, then close (the
/// last descriptor of it goes at the end of this function). The acceptor must not wait for
/// this client: the line is 50-odd bytes, which a new connection's empty send buffer takes at
/// once (and SO_SNDTIMEO bounds it anyway). If the client had sent bytes we never read, the
/// close makes the kernel send RST, and the client may see "connection reset" instead of the
/// line: turned away either way, while the server goes on.
fn refuse(spare: std::io::Result<TcpStream>, number: usize, say: &Narrator) {
    match spare {
        Ok(conn) => {
            let _ = send_all(
                &conn,
                b"ERROR no thread for you now, try again later\n",
                say,
            );
            close(conn, "connection", say);
        }
        // No descriptor for the copy either (EMFILE): all we can do is close.
        Err(_) => say.note(format!("conn{number} closed without a word")),
    }
}
// ANCHOR_END: workers

/// Say how a connection ended, if it did not end well. One failed connection is not the
/// server's failure: it reports it and goes on serving the others.
fn report(number: usize, joined: thread::Result<Result<()>>, say: &Narrator) {
    match joined {
        Ok(Ok(())) => {}
        Ok(Err(err)) => say.note(format!("conn{number} ended with an error: {err}")),
        Err(_) => say.note(format!("conn{number}'s thread panicked")),
    }
}

/// The server's settings from the command line.
struct Settings {
    pool: Option<usize>,
    clients: Option<usize>,
    idle: Duration,
}

fn settings(opts: &Options, default_idle: u64) -> Result<Settings> {
    let pool: usize = opts.value("--pool", 0)?;
    let clients: usize = opts.value("--clients", 0)?;
    let idle: u64 = opts.value("--timeout", default_idle)?;
    Ok(Settings {
        pool: (pool > 0).then_some(pool),
        clients: (clients > 0).then_some(clients),
        idle: Duration::from_secs(idle.max(1)),
    })
}

// ANCHOR: server
/// Accept connections and hand each one over, until `--clients N` have come (or forever).
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let settings = settings(opts, 30)?;
    let tally = Shared::default();
    // The pool's workers first: once we say "listening", we are ready to serve.
    let mut workers = Workers::start(settings.pool, &tally, &say)?;
    let listener = common::listener::listen_on(opts, &say)?;
    let mut pause = Backoff::new();
    let mut most_at_once = 0;
    let mut number = 0;
    while settings.clients.is_none_or(|n| number < n) {
        number += 1;
        let conn = accept_one(&listener, settings.idle, &mut pause, &say)?;
        workers.give(conn, number, &tally, &say)?;
        workers.reap(&say);
        if let Workers::PerConnection(threads) = &workers {
            most_at_once = most_at_once.max(threads.len());
        }
    }
    // No more connections: wait for those still being served, then report.
    workers.finish(&say);
    let tally = tally.lock().unwrap_or_else(|e| e.into_inner());
    say.note(format!(
        "connections served: {number}; the tally: {} lines, {} bytes",
        tally.lines, tally.bytes
    ));
    match settings.pool {
        None => say.note(format!("most threads at once: {most_at_once}")),
        Some(size) => say.note(format!("never more than {size} workers")),
    }
    #[cfg(target_os = "linux")]
    say.note(peak_memory());
    close_listener(listener, &say);
    Ok(())
}
// ANCHOR_END: server

fn close_listener(listener: TcpListener, say: &Narrator) {
    say.next("close(listener)", "stop listening");
    drop(listener);
    say.done("ok");
}

/// The process's peak memory, from Linux's /proc/self/status: VmPeak is the address space
/// reserved (each thread's stack counts in full), VmHWM what was really in RAM at most.
#[cfg(target_os = "linux")]
fn peak_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or("?".to_string(), |kb| format!("{} MiB", kb / 1024))
    };
    format!(
        "peak memory: {} reserved (VmPeak), {} resident (VmHWM)",
        field("VmPeak:"),
        field("VmHWM:")
    )
}

// ANCHOR: client_side
/// socket + connect, in one call (std's `TcpStream::connect`).
fn connect(addr: SocketAddr, say: &Narrator) -> Result<TcpStream> {
    say.next(
        format!("connect({addr})"),
        "open a connection to the server",
    );
    let conn = TcpStream::connect(addr).map_err(|e| say.fail(e))?;
    say.done("ok");
    Ok(conn)
}

/// "I have nothing more to say": the server's recv() returns 0 after our last line.
fn shutdown_write(conn: &TcpStream, say: &Narrator) -> Result<()> {
    say.next("shutdown(SHUT_WR)", "send FIN: no more lines from us");
    conn.shutdown(Shutdown::Write).map_err(|e| say.fail(e))?;
    say.done("ok");
    Ok(())
}

/// Read the answer to `line` and check it.
fn expect_answer(
    lines: &mut Lines,
    conn: &TcpStream,
    line: &[u8],
    say: &Narrator,
) -> Result<Vec<u8>> {
    let answer = lines.next(conn, say)?.ok_or_else(|| {
        say.protocol_error("the server closed without answering")
            .with_hint("is it still running? did it drop us for being silent too long?")
    })?;
    if answer.starts_with(b"ERROR ") {
        return Err(say
            .protocol_error(format!("turned away: {}", show_bytes(&answer)))
            .with_hint("the server could not start a thread for us: too many at once"));
    }
    if answer != line.to_ascii_uppercase() {
        return Err(say.protocol_error(format!("the answer {} is wrong", show_bytes(&answer))));
    }
    Ok(answer)
}
// ANCHOR_END: client_side

// ANCHOR: client
/// Open `--clients N` connections at once (default 1), send a line on each, check each answer.
fn client(opts: &Options) -> Result<()> {
    let count: usize = opts.value("--clients", 1)?;
    let hold = opts.has("--hold");
    let mut open = Vec::new();
    for k in 1..=count {
        let name = match count {
            1 => "client".to_string(),
            _ => format!("c{k}"),
        };
        let say = opts.narrator(&name);
        let conn = connect(opts.addr, &say)?;
        // Never wait forever for an answer: a busy pool might not get to us.
        say.next(
            "setsockopt(SO_RCVTIMEO, 10 s)",
            "give up waiting after 10 s",
        );
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| say.fail(e))?;
        say.done("ok");
        let line = format!("hello from client {k}\n").into_bytes();
        send_all(&conn, &line, &say)?;
        if hold {
            // Keep the connection (and so its thread on the server) while we open the next.
            expect_answer(&mut Lines::new(&conn), &conn, &line, &say).map_err(|e| {
                match e.kind() {
                    Some(ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                        e.with_hint("no answer: is every worker of the server busy?")
                    }
                    _ => e,
                }
            })?;
        } else {
            shutdown_write(&conn, &say)?;
        }
        open.push((conn, line, say));
    }
    for (conn, line, say) in open {
        if !hold {
            let mut lines = Lines::new(&conn);
            let answer = expect_answer(&mut lines, &conn, &line, &say)?;
            if lines.next(&conn, &say)?.is_some() {
                return Err(say.protocol_error("the server sent more than one answer"));
            }
            if count == 1 {
                println!("answer: {}", String::from_utf8_lossy(&answer).trim_end());
            }
        }
        close(conn, "client socket", &say);
    }
    opts.narrator("client")
        .note(format!("connections: {count}, correct answers: {count}"));
    Ok(())
}
// ANCHOR_END: client

// ANCHOR: demo
/// Three clients, served at once. alice and bob connect and say nothing yet; carol speaks
/// first and is answered all the same. With `--pool N` only N workers serve, and a client
/// whose connection is still in the queue waits.
fn demo(opts: &Options) -> Result<()> {
    if opts.has("--trickle") {
        return trickle_demo(opts);
    }
    let server = opts.narrator("server");
    let settings = settings(opts, 2)?;
    if settings.pool == Some(1) {
        // alice, silent until the end, would hold the only worker, and bob the only queue slot.
        return Err(
            LessonError::protocol("command line", "the demo needs --pool 2 or more")
                .with_hint("with one worker, alice's silence would hold it; try --pool 2"),
        );
    }
    let listener = common::listener::listen_on(opts, &server)?;
    let addr = listener.local_addr().map_err(|e| server.fail(e))?;
    let tally = Shared::default();
    let mut workers = Workers::start(settings.pool, &tally, &server)?;

    let names = ["alice", "bob", "carol"];
    let mut clients = Vec::new();
    for name in names {
        let say = opts.narrator(name);
        clients.push((connect(addr, &say)?, say));
    }
    // All three connections are complete, waiting in the accept queue.
    server.kernel(&listener);
    let mut pause = Backoff::new();
    for number in 1..=names.len() {
        let conn = accept_one(&listener, settings.idle, &mut pause, &server)?;
        workers.give(conn, number, &tally, &server)?;
    }

    // Who is being served: with a pool, the first N connections; the rest wait in the queue.
    let serving = settings.pool.unwrap_or(names.len()).min(names.len());
    let mut busy: Vec<usize> = (1..=serving).collect();
    let mut queued: VecDeque<usize> = (serving + 1..=names.len()).collect();
    let mut spoken = Vec::new();
    // carol speaks first, alice last.
    for number in (1..=names.len()).rev() {
        let (conn, say) = &clients[number - 1];
        let line = format!("hi from {}\n", names[number - 1]).into_bytes();
        {
            let _my_turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
            send_all(conn, &line, say)?;
            shutdown_write(conn, say)?;
        }
        spoken.push(number);
        if !busy.contains(&number) {
            no_answer_yet(conn, say)?;
            server.kernel_at(addr, conn.local_addr().ok());
            continue;
        }
        // Served now: wait until its thread (or worker) is done, then the worker that is
        // free takes the next queued connection, which may have spoken already.
        let mut done = vec![number];
        busy.retain(|&n| n != number);
        while let Some(&next) = queued.front().filter(|_| busy.len() < serving) {
            queued.pop_front();
            match spoken.contains(&next) {
                true => done.push(next),
                false => busy.push(next),
            }
        }
        workers.wait_for(&done, &server)?;
        for &finished in &done {
            let (conn, say) = &clients[finished - 1];
            let line = format!("hi from {}\n", names[finished - 1]).into_bytes();
            let mut lines = Lines::new(conn);
            expect_answer(&mut lines, conn, &line, say)?;
            lines.next(conn, say)?;
        }
        let silent: Vec<&str> = (1..=names.len())
            .filter(|n| !spoken.contains(n))
            .map(|n| names[n - 1])
            .collect();
        if !silent.is_empty() {
            server.note(format!(
                "answered while {} (connected earlier) said nothing",
                silent.join(" and ")
            ));
        }
    }
    for (conn, say) in clients {
        close(conn, "client socket", &say);
    }
    workers.finish(&server);
    let tally = tally.lock().unwrap_or_else(|e| e.into_inner());
    server.note(format!(
        "the tally all threads shared: {} lines, {} bytes",
        tally.lines, tally.bytes
    ));
    close_listener(listener, &server);
    Ok(())
}

/// With a pool, a queued connection gets no answer: no worker reads it yet. Show it with a
/// short receive timeout (the only wait for time in the demo: nothing can arrive).
fn no_answer_yet(mut conn: &TcpStream, say: &Narrator) -> Result<()> {
    conn.set_read_timeout(Some(Duration::from_millis(300)))
        .map_err(|e| say.fail(e))?;
    say.next("recv(1024)", "wait up to 0.3 s for an answer");
    let mut buf = [0u8; 1024];
    match conn.read(&mut buf) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            say.done("nothing: every worker is busy, the connection waits in the queue")
        }
        Err(e) => return Err(say.fail(e)),
        Ok(n) => return Err(say.protocol_error(format!("an answer too soon ({n} bytes)"))),
    }
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| say.fail(e))?;
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: trickle_demo
/// A client that misbehaves: `slow` sends a line in pieces, 0.3 s apart, and never its
/// newline. Each recv gets its piece well within a second, so a timeout of 1 s per recv would
/// never fire; the deadline for the whole line (1 s) does. Meanwhile carol, who connected
/// later, is served by her own thread.
fn trickle_demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let limit = Duration::from_secs(1);
    let listener = common::listener::listen_on(opts, &server)?;
    let addr = listener.local_addr().map_err(|e| server.fail(e))?;
    let tally = Shared::default();
    let mut workers = Workers::start(None, &tally, &server)?;
    let mut pause = Backoff::new();

    let slow_say = opts.narrator("slow");
    let slow = connect(addr, &slow_say)?;
    let conn = accept_one(&listener, limit, &mut pause, &server)?;
    workers.give(conn, 1, &tally, &server)?;
    for (k, piece) in ["hel", "lo fr", "om slow"].into_iter().enumerate() {
        {
            // As in the demo: conn1's thread prints what it received once we let go of TURN.
            let _my_turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
            send_all(&slow, piece.as_bytes(), &slow_say)?;
            slow_say.note("waits 0.3 s before the next piece");
        }
        std::thread::sleep(Duration::from_millis(300));
        if k == 0 {
            // carol connects after slow, and is served while slow is still at it.
            let carol_say = opts.narrator("carol");
            let carol = connect(addr, &carol_say)?;
            let conn = accept_one(&listener, limit, &mut pause, &server)?;
            workers.give(conn, 2, &tally, &server)?;
            let line = b"hi from carol\n";
            {
                let _my_turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
                send_all(&carol, line, &carol_say)?;
                shutdown_write(&carol, &carol_say)?;
            }
            workers.wait_for(&[2], &server)?;
            expect_answer(&mut Lines::new(&carol), &carol, line, &carol_say)?;
            close(carol, "client socket", &carol_say);
        }
    }
    // No newline yet: conn1 waits for more, but only until the line's deadline.
    workers.wait_for(&[1], &server)?;
    close(slow, "client socket", &slow_say);
    workers.finish(&server);
    close_listener(listener, &server);
    Ok(())
}
// ANCHOR_END: trickle_demo
