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

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use common::listener::{time_left, Backoff};
use common::{show_bytes, Flag, Lesson, LessonError, Narrated, Narrator, Options, Result};

use lesson_11_threads::{handle, spawn_handler, Connection, Limit, Pass, Shared, BUSY};

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
            name: "--max",
            value: Some("N"),
            help: "server: serve at most N connections at once; one more is told b\"busy\\n\"\n\
                   and closed at once (default 10000; not with --pool)",
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
            name: "--backlog",
            value: Some("N"),
            help: "server: the accept queue to ask listen() for (default 10000; 128 is what\n\
                   std's TcpListener::bind asks for: try a storm against it)",
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
    /// The server's reaper hears when this connection is done with (see `Reaper`).
    _ending: Option<Ending>,
}

impl NarratedConn {
    fn new(conn: TcpStream, number: usize, ending: Option<Ending>) -> Self {
        NarratedConn {
            lines: Lines::new(&conn),
            conn,
            say: Narrator::new(format!("conn{number}"), LESSON.package),
            _ending: ending,
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
    let secs = limit.as_secs();
    let rcvtimeo = format!("setsockopt(SO_RCVTIMEO, {secs} s)");
    let sndtimeo = format!("setsockopt(SO_SNDTIMEO, {secs} s)");
    loop {
        let (conn, _peer) = common::listener::accept(listener, pause, say)?;
        // If a setsockopt fails (the narrator says so), that connection is closed (dropped
        // at `continue`) and the server goes on with the next one.
        let why = "the time a whole line may take";
        let set = say.call(&rcvtimeo, why, || conn.set_read_timeout(Some(limit)));
        if set.is_err() {
            continue;
        }
        let why = "a send that cannot hand over a byte for that long fails";
        let set = say.call(&sndtimeo, why, || conn.set_write_timeout(Some(limit)));
        if set.is_err() {
            continue;
        }
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
    pub fn next(&mut self, conn: &TcpStream, say: &Narrator) -> Result<Option<Vec<u8>>> {
        // Every recv() below waits only for the time left until this line's deadline; the
        // bytes each one brings are recorded in the trace by the quiet adapter.
        let mut socket = Narrated::quiet(LineDeadline::after(conn, self.per_line), say.clone());
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
            let why = "wait for bytes (only this thread waits)";
            // Blocks this thread, and only this thread, until the peer sends or closes.
            let recv = || socket.read(&mut buf).map(|n| buf[..n].to_vec());
            let bytes = say.call_then("recv(1024)", why, recv, |b| got(b))?;
            if bytes.is_empty() {
                return match self.pending.is_empty() {
                    true => Ok(None),
                    false => Err(say.protocol_error("the peer closed in the middle of a line")),
                };
            }
            self.pending.extend_from_slice(&bytes);
        }
    }
}

/// What one recv() brought, as the narration shows it.
fn got(bytes: &[u8]) -> String {
    match bytes.len() {
        0 => "0 bytes: end of stream".to_string(),
        n => format!("{n} bytes: {}", show_bytes(bytes)),
    }
}

/// A connection whose every recv() may wait only for the time LEFT until one deadline: a
/// timeout, not a deadline, is what SO_RCVTIMEO gives, and it limits ONE recv. Otherwise a
/// byte every second would hold us forever.
struct LineDeadline<'a> {
    conn: &'a TcpStream,
    deadline: Instant,
    limit: Duration,
}

impl<'a> LineDeadline<'a> {
    fn after(conn: &'a TcpStream, limit: Duration) -> Self {
        let deadline = Instant::now() + limit;
        LineDeadline {
            conn,
            deadline,
            limit,
        }
    }
}

impl Read for LineDeadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let Some(left) = time_left(self.deadline) else {
                return Err(no_line_in_time(self.limit));
            };
            self.conn.set_read_timeout(Some(left))?;
            let result = (&mut self.conn).read(buf);
            wait_for_turn();
            match result {
                // A signal interrupted the wait (kill -STOP, then -CONT, does that to a recv
                // with a timeout: signal(7)). Nothing is lost: wait again.
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(no_line_in_time(self.limit));
                }
                result => return result,
            }
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
pub fn send_all(conn: &TcpStream, bytes: &[u8], say: &Narrator) -> Result<()> {
    // The bytes each send() takes are recorded in the trace by the quiet adapter.
    let mut socket = Narrated::quiet(SendLimit(conn), say.clone());
    let mut rest = bytes;
    while !rest.is_empty() {
        let call = format!("send({})", show_bytes(rest));
        let n = say.call(call, "hand bytes to the kernel", || socket.write(rest))?;
        rest = &rest[n..];
    }
    Ok(())
}

/// A connection whose send() fails with a clear word when SO_SNDTIMEO passes, and is made
/// again when a signal interrupts it (a stop and continue does that, signal(7)).
struct SendLimit<'a>(&'a TcpStream);

impl Write for SendLimit<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        loop {
            match self.0.write(bytes) {
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    let why = "timed out: the peer does not take our bytes (it does not read)";
                    return Err(std::io::Error::new(ErrorKind::TimedOut, why));
                }
                result => return result,
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
// ANCHOR_END: send_all

/// Close a socket (drop it): the kernel sends FIN to the peer.
pub fn close(conn: TcpStream, name: &str, say: &Narrator) {
    let why = "give the socket back to the kernel";
    // Dropping cannot fail: this call always returns ok.
    let _ = say.call(format!("close({name})"), why, || {
        drop(conn);
        Ok(())
    });
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

/// The pool's queue, as its workers share it: a channel has one receiving end, so they take
/// turns at it behind a Mutex.
type Jobs = Arc<Mutex<Receiver<(TcpStream, usize)>>>;

impl Pool {
    fn start(size: usize, tally: &Shared, say: &Narrator) -> Result<Pool> {
        // A bounded queue: when it is full, the acceptor waits in `send`, and new connections
        // wait in the kernel's accept queue instead of piling up in our memory.
        let (queue, jobs) = mpsc::sync_channel::<(TcpStream, usize)>(size);
        let jobs = Arc::new(Mutex::new(jobs));
        let (report, finished) = mpsc::channel();
        let spawn_all = || {
            (1..=size)
                .map(|worker| spawn_worker(worker, &jobs, tally, &report))
                .collect::<std::io::Result<Vec<_>>>()
        };
        // At startup, a pool that cannot be made is the server's end (with a clear word).
        let waiting = |_: &Vec<_>| format!("ok, {size} workers wait for connections");
        let call = format!("thread::spawn() x {size}");
        let workers = say.call_then(call, "start the pool's workers", spawn_all, waiting)?;
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

/// One worker: take a connection from the queue, serve it, report, and again, until the
/// queue is closed.
fn spawn_worker(
    worker: usize,
    jobs: &Jobs,
    tally: &Shared,
    report: &mpsc::Sender<(usize, Result<()>)>,
) -> std::io::Result<JoinHandle<()>> {
    let (jobs, tally, report) = (Arc::clone(jobs), Arc::clone(tally), report.clone());
    let serve = move || loop {
        // Hold the lock only while taking one connection: the guard is dropped at the end
        // of this statement, before the connection is served.
        let job = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok((conn, number)) = job else {
            return; // The queue was closed: the server is shutting down.
        };
        let result = handle(NarratedConn::new(conn, number, None), &tally);
        let _ = report.send((number, result));
    };
    let spawned = thread::Builder::new()
        .name(format!("worker{worker}"))
        .spawn(serve);
    spawned.map_err(no_thread)
}

/// Builder::spawn's EAGAIN (pthread_create(3)), in words: no memory for another stack, or a
/// limit on threads.
fn no_thread(e: std::io::Error) -> std::io::Error {
    match e.kind() {
        ErrorKind::WouldBlock => {
            std::io::Error::new(e.kind(), "the system refused another thread (EAGAIN)")
        }
        _ => e,
    }
}
// ANCHOR_END: pool

/// How this server serves its connections.
enum Workers {
    /// One thread per connection, joined by whoever waits for it (the demos, in their order):
    /// the handles of the threads not yet joined.
    PerConnection(Vec<(usize, JoinHandle<Result<()>>)>, Limit),
    /// One thread per connection, each joined by the reaper as soon as it ends (the server).
    Reaped(Reaper, Limit),
    /// A fixed pool of workers.
    Pool(Pool),
}

// ANCHOR: builder
/// How each connection's thread is made: named after its connection, so that `ps -T`, `top -H`
/// and a debugger show `conn7`. Its stack is std's default (2 MiB of address space reserved,
/// a few KiB of it touched): see "A storm of clients" in the chapter for why not smaller.
fn builder(number: usize) -> thread::Builder {
    thread::Builder::new().name(format!("conn{number}"))
}
// ANCHOR_END: builder

// ANCHOR: workers
impl Workers {
    fn start(pool: Option<usize>, max: usize, tally: &Shared, say: &Narrator) -> Result<Workers> {
        Ok(match pool {
            None => {
                say.note("one thread per connection");
                Workers::PerConnection(Vec::new(), Limit::new(max))
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
            Workers::PerConnection(threads, limit) => {
                let Some(pass) = limit.try_enter() else {
                    turn_away(conn, number, say);
                    return Ok(());
                };
                if let Some(thread) = spawn_one(conn, number, tally, pass, None, say) {
                    threads.push((number, thread));
                }
                Ok(())
            }
            Workers::Reaped(reaper, limit) => {
                // No place: no thread, no word to the reaper; the client hears `busy`.
                let Some(pass) = limit.try_enter() else {
                    turn_away(conn, number, say);
                    return Ok(());
                };
                let ending = Some(reaper.ending(number));
                let news = match spawn_one(conn, number, tally, pass, ending, say) {
                    Some(thread) => News::Started(number, thread),
                    None => News::Refused(number),
                };
                // The reaper ends only after we have hung up: it is there to hear this.
                let _ = reaper.news.send(news);
                Ok(())
            }
            Workers::Pool(pool) => pool.give(conn, number, say),
        }
    }

    /// Report the connections a pool's workers have finished. (The reaper reports its own.)
    fn reap(&mut self, say: &Narrator) {
        if let Workers::Pool(pool) = self {
            for (number, result) in pool.finished.try_iter() {
                report(number, Ok(result), say);
            }
        }
    }

    /// Wait until these connections have been served (the demo uses this to keep order).
    /// Nothing is printed until all of them are done: a worker that finished one may be
    /// serving the next, and its lines must not mix with ours.
    fn wait_for(&mut self, numbers: &[usize], say: &Narrator) -> Result<()> {
        match self {
            Workers::PerConnection(threads, _) => {
                for &number in numbers {
                    let at = threads.iter().position(|(n, _)| *n == number);
                    let (_, thread) = threads.remove(at.expect("a thread for every connection"));
                    let call = format!("join(conn{number})");
                    let ended = |_: &_| format!("ok, conn{number}'s thread has ended");
                    // join() returns once the thread has ended, however it ended.
                    let joined = || Ok(thread.join());
                    let result =
                        say.call_then(call, "wait for that thread to end", joined, ended)?;
                    report(number, result, say);
                }
            }
            Workers::Reaped(..) => unreachable!("the demos join their threads themselves"),
            Workers::Pool(pool) => {
                let mut reports = Vec::new();
                for _ in numbers {
                    let report = pool.finished.recv_timeout(Duration::from_secs(10));
                    let late =
                        |_| LessonError::protocol("finished.recv()", "no worker reported in 10 s");
                    reports.push(report.map_err(late)?);
                }
                for (number, result) in reports {
                    say.note(format!("conn{number} is done: its worker is free again"));
                    report(number, Ok(result), say);
                }
            }
        }
        Ok(())
    }

    /// Stop: wait for every connection still being served. The most threads that served at
    /// once, if the reaper counted them.
    fn finish(self, say: &Narrator) -> Option<usize> {
        match self {
            Workers::PerConnection(threads, _) => {
                for (number, thread) in threads {
                    report(number, thread.join(), say);
                }
                None
            }
            Workers::Reaped(reaper, _) => Some(reaper.finish()),
            Workers::Pool(pool) => {
                for (number, result) in pool.stop(say) {
                    report(number, Ok(result), say);
                }
                None
            }
        }
    }
}

/// Start connection `number`'s thread (its builder names it), holding its place among the
/// `--max` (`pass`), or turn the client away if no thread can be made.
fn spawn_one(
    conn: TcpStream,
    number: usize,
    tally: &Shared,
    pass: Pass,
    ending: Option<Ending>,
    say: &Narrator,
) -> Option<JoinHandle<Result<()>>> {
    // If no thread can be made, the closure is dropped, and the connection in it is closed.
    // To tell the client why first, keep a second descriptor for the same socket (dup(2));
    // the connection lives on until both are closed.
    let spare = conn.try_clone();
    let conn = NarratedConn::new(conn, number, ending);
    let spawn = || spawn_handler(builder(number), conn, Arc::clone(tally), pass);
    let spawn = || spawn().map_err(no_thread);
    let call = format!("thread::spawn(conn{number})");
    let why = "start a thread that serves this connection";
    let its_own = |_: &JoinHandle<_>| format!("ok, conn{number} has a thread of its own");
    match say.call_then(call, why, spawn, its_own) {
        Ok(thread) => Some(thread),
        // No thread (the narrator said why): that is this client's bad luck, not the
        // server's end. Its place is free again (the pass went with the closure).
        Err(_) => {
            refuse(spare, number, say);
            None
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

/// Turn away a connection when `--max` are served already: `busy`, then close, at once and
/// without a thread, so that a flood of clients costs the server no more than its limit.
/// The send cannot wait: a new connection's send buffer takes 5 bytes at once.
fn turn_away(conn: TcpStream, number: usize, say: &Narrator) {
    say.note(format!(
        "conn{number}: the limit is reached (--max), turned away"
    ));
    let _ = send_all(&conn, BUSY, say);
    close(conn, "connection", say);
}
// ANCHOR_END: workers

// ANCHOR: reaper
/// The thread that joins the connections' threads, so that the accept loop does not.
///
/// A thread that has ended keeps its stack until someone joins it. The acceptor could join
/// the finished ones between two accepts, but then every accept waits for that work (giving
/// stacks back, munmap), and for a look at every running thread to find the finished ones:
/// a storm's clients wait in the accept queue meanwhile. Here each connection says when it is
/// done (its `Ending` is dropped, on every path, in its own thread), and the reaper joins
/// that thread, and only that one.
struct Reaper {
    /// The acceptor's line to the reaper.
    news: Sender<News>,
    thread: JoinHandle<usize>,
}

/// What the reaper hears.
enum News {
    /// The acceptor made this connection's thread.
    Started(usize, JoinHandle<Result<()>>),
    /// This connection is done with: its thread is returning. (It may come before `Started`.)
    Ending(usize),
    /// No thread could be made for this connection: there is none to join.
    Refused(usize),
}

/// Carried by a connection; dropping it tells the reaper that the connection is done with.
struct Ending(usize, Sender<News>);

impl Drop for Ending {
    fn drop(&mut self) {
        let _ = self.1.send(News::Ending(self.0));
    }
}

impl Reaper {
    fn start(say: &Narrator) -> Result<Reaper> {
        say.note("one thread per connection, and a reaper that joins each as it ends");
        let (news, heard) = mpsc::channel();
        let reaper_say = say.clone();
        let reap = move || reap(heard, &reaper_say);
        let spawn = || thread::Builder::new().name("reaper".into()).spawn(reap);
        let why = "a thread that joins each connection's thread when it ends";
        let thread = say.call_then("thread::spawn(reaper)", why, spawn, |_| "ok".into())?;
        Ok(Reaper { news, thread })
    }

    /// What connection `number` carries, to say when it is done with.
    fn ending(&self, number: usize) -> Ending {
        Ending(number, self.news.clone())
    }

    /// Hang up, and wait until every connection's thread has been joined; return the most
    /// threads that were serving at once.
    fn finish(self) -> usize {
        drop(self.news);
        self.thread.join().unwrap_or(0)
    }
}

/// The reaper's loop: join each connection's thread once it is ending, report how it ended.
/// It ends when nobody can send it news: the acceptor has hung up, and every connection too.
fn reap(heard: Receiver<News>, say: &Narrator) -> usize {
    let mut running = HashMap::new();
    let mut ended_first = HashSet::new();
    let mut most = 0;
    for news in heard {
        match news {
            News::Started(n, thread) if ended_first.remove(&n) => report(n, thread.join(), say),
            News::Started(n, thread) => {
                running.insert(n, thread);
                most = most.max(running.len());
            }
            // join() waits only for the last instructions of a thread that is returning.
            News::Ending(n) => match running.remove(&n) {
                Some(thread) => report(n, thread.join(), say),
                None => drop(ended_first.insert(n)),
            },
            News::Refused(n) => drop(ended_first.remove(&n)),
        }
    }
    most
}
// ANCHOR_END: reaper

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
    /// `--max`: the most connections served at once, each by a thread of its own.
    max: usize,
    clients: Option<usize>,
    idle: Duration,
}

fn settings(opts: &Options, default_idle: u64) -> Result<Settings> {
    // A thread each, made at the start: ten thousand is more than this lesson needs.
    let pool: usize = opts.value_at_most("--pool", 0, 10_000)?;
    let clients: usize = opts.value("--clients", 0)?;
    let idle: u64 = opts.value_at_most("--timeout", default_idle, common::cli::DAY_SECS)?;
    let max: usize = opts.value("--max", MAX)?;
    if pool > 0 && opts.has("--max") {
        return Err(
            LessonError::protocol("command line", "--max is for a thread per connection")
                .with_hint("a pool of N serves N at once, and the others wait: drop --max"),
        );
    }
    Ok(Settings {
        pool: (pool > 0).then_some(pool),
        max,
        clients: (clients > 0).then_some(clients),
        idle: Duration::from_secs(idle.max(1)),
    })
}

// ANCHOR: server
/// The accept queue the server asks for: room for a storm of 10,000 clients at once.
/// listen(2): the kernel caps it at net.core.somaxconn (4096 by default since Linux 5.4,
/// 128 before); the kernel view after listen() shows what was granted.
/// (`--backlog N` asks for another: 128 is std's, for a comparison.)
const BACKLOG: i32 = 10_000;

/// The descriptors the server asks to be allowed: one per connection, for 10,000 and more.
const DESCRIPTORS: u64 = 20_000;

// ANCHOR: max
/// The most connections served at once by default (`--max`), a thread each. As many as the
/// storm of 10,000 the server is measured against (so none of it is turned away), half the
/// descriptors it asks for (a connection holds one, and one more while its thread starts),
/// and well under the kernel's limits on threads (threads-max, RLIMIT_NPROC), which refuse
/// a thread less politely. A smaller machine, or a heavier protocol, wants a smaller number.
const MAX: usize = 10_000;
// ANCHOR_END: max

/// Accept connections and hand each one over, until `--clients N` have come (or forever).
/// The loop does nothing else: a thread is joined by the reaper, a pool's worker reports.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let settings = settings(opts, 30)?;
    let tally = Shared::default();
    common::listener::allow_descriptors(DESCRIPTORS, &say)?;
    // The workers (or the reaper) first: once we say "listening", we are ready to serve.
    let mut workers = match settings.pool {
        None => {
            let reaper = Reaper::start(&say)?;
            say.note(format!(
                "at most {} connections served at once (--max)",
                settings.max
            ));
            Workers::Reaped(reaper, Limit::new(settings.max))
        }
        pool => Workers::start(pool, MAX, &tally, &say)?,
    };
    let backlog = opts.value("--backlog", BACKLOG)?;
    let listener = common::listener::listen_with_backlog(opts, backlog, &say)?;
    let mut pause = Backoff::new();
    let mut number = 0;
    while settings.clients.is_none_or(|n| number < n) {
        number += 1;
        let conn = accept_one(&listener, settings.idle, &mut pause, &say)?;
        workers.give(conn, number, &tally, &say)?;
        workers.reap(&say);
    }
    // No more connections: wait for those still being served, then report.
    let most_at_once = workers.finish(&say);
    let tally = tally.lock().unwrap_or_else(|e| e.into_inner());
    say.note(format!(
        "connections served: {number}; the tally: {} lines, {} bytes",
        tally.lines, tally.bytes
    ));
    match (settings.pool, most_at_once) {
        (Some(size), _) => say.note(format!("never more than {size} workers")),
        (None, Some(most)) => say.note(format!("most threads at once: {most}")),
        (None, None) => {}
    }
    #[cfg(target_os = "linux")]
    say.note(peak_memory());
    close_listener(listener, &say);
    Ok(())
}
// ANCHOR_END: server

fn close_listener(listener: TcpListener, say: &Narrator) {
    // Dropping cannot fail: this call always returns ok.
    let _ = say.call("close(listener)", "stop listening", || {
        drop(listener);
        Ok(())
    });
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
    let why = "open a connection to the server";
    say.call(format!("connect({addr})"), why, || TcpStream::connect(addr))
}

/// "I have nothing more to say": the server's recv() returns 0 after our last line.
fn shutdown_write(conn: &TcpStream, say: &Narrator) -> Result<()> {
    let why = "send FIN: no more lines from us";
    say.call("shutdown(SHUT_WR)", why, || conn.shutdown(Shutdown::Write))
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
    if answer == BUSY {
        return Err(say
            .protocol_error("turned away: busy")
            .with_hint("the server serves its --max connections already: try again later"));
    }
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
        say.call(
            "setsockopt(SO_RCVTIMEO, 10 s)",
            "give up waiting after 10 s",
            || conn.set_read_timeout(Some(Duration::from_secs(10))),
        )?;
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
    if settings.max < NAMES.len() {
        // carol would be turned away, and the demo is about serving her.
        return Err(
            LessonError::protocol("command line", "the demo needs --max 3 or more")
                .with_hint("the demo's three clients are served at once; try the server"),
        );
    }
    let listener = common::listener::listen_on(opts, &server)?;
    let addr = bound_to(&listener)?;
    let tally = Shared::default();
    let mut workers = Workers::start(settings.pool, settings.max, &tally, &server)?;

    let mut clients = Vec::new();
    for name in NAMES {
        let say = opts.narrator(name);
        clients.push((connect(addr, &say)?, say));
    }
    // All three connections are complete, waiting in the accept queue.
    server.kernel(&listener);
    let mut pause = Backoff::new();
    for number in 1..=NAMES.len() {
        let conn = accept_one(&listener, settings.idle, &mut pause, &server)?;
        workers.give(conn, number, &tally, &server)?;
    }
    take_turns(&clients, settings.pool, &mut workers, &server)?;
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

/// The demo's clients, in the order they connect (connection 1, 2, 3).
const NAMES: [&str; 3] = ["alice", "bob", "carol"];

/// carol speaks first, alice last; each is answered as soon as a thread (or a free worker)
/// reads her connection, while the others say nothing.
fn take_turns(
    clients: &[(TcpStream, Narrator)],
    pool: Option<usize>,
    workers: &mut Workers,
    server: &Narrator,
) -> Result<()> {
    let mut turns = Turns::new(pool, clients.len());
    for number in (1..=clients.len()).rev() {
        let (conn, say) = &clients[number - 1];
        speak(conn, &line_of(number), say)?;
        let Some(answered) = turns.spoke(number) else {
            // Every worker is busy: this connection waits in the pool's queue.
            no_answer_yet(conn, say)?;
            // The server's end of it: carol's bytes and FIN wait there, unread.
            if let Ok(server_end) = conn.peer_addr() {
                server.kernel_at(server_end, conn.local_addr().ok());
            }
            continue;
        };
        // Wait until those connections' threads (or workers) are done, then read the answers.
        workers.wait_for(&answered, server)?;
        for &finished in &answered {
            let (conn, say) = &clients[finished - 1];
            let mut lines = Lines::new(conn);
            expect_answer(&mut lines, conn, &line_of(finished), say)?;
            lines.next(conn, say)?;
        }
        let silent: Vec<&str> = turns.silent().map(|n| NAMES[n - 1]).collect();
        if !silent.is_empty() {
            server.note(format!(
                "answered while {} (connected earlier) said nothing",
                silent.join(" and ")
            ));
        }
    }
    Ok(())
}

/// What connection `number` says: `hi from carol\n`.
fn line_of(number: usize) -> Vec<u8> {
    format!("hi from {}\n", NAMES[number - 1]).into_bytes()
}

/// A client's line and its FIN, printed before the connection's thread prints what it got.
fn speak(conn: &TcpStream, line: &[u8], say: &Narrator) -> Result<()> {
    let _my_turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    send_all(conn, line, say)?;
    shutdown_write(conn, say)
}

/// With a pool, a queued connection gets no answer: no worker reads it yet. Show it with a
/// short receive timeout (the only wait for time in the demo: nothing can arrive).
fn no_answer_yet(conn: &TcpStream, say: &Narrator) -> Result<()> {
    let why = "wait up to 0.3 s for an answer";
    let shown = |got: &Option<usize>| match got {
        None => "nothing: every worker is busy, the connection waits in the queue".to_string(),
        Some(n) => format!("{n} bytes"),
    };
    match say.call_then("recv(1024)", why, || recv_briefly(conn), shown)? {
        None => Ok(()),
        Some(n) => Err(say.protocol_error(format!("an answer too soon ({n} bytes)"))),
    }
}
// ANCHOR_END: demo

/// Which of the demo's connections are being served: with a pool of N, the first N; the rest
/// wait in the pool's queue, in order, until a worker is free.
struct Turns {
    serving: usize,
    busy: Vec<usize>,
    queued: VecDeque<usize>,
    spoken: Vec<usize>,
    count: usize,
}

impl Turns {
    fn new(pool: Option<usize>, count: usize) -> Turns {
        let serving = pool.unwrap_or(count).min(count);
        Turns {
            serving,
            busy: (1..=serving).collect(),
            queued: (serving + 1..=count).collect(),
            spoken: Vec::new(),
            count,
        }
    }

    /// Connection `number` has spoken. If it is being served, the connections answered now:
    /// its own, and those that spoke while queued and that its freed worker takes next.
    /// `None` while it waits in the queue.
    fn spoke(&mut self, number: usize) -> Option<Vec<usize>> {
        self.spoken.push(number);
        if !self.busy.contains(&number) {
            return None;
        }
        let mut answered = vec![number];
        self.busy.retain(|&n| n != number);
        while let Some(&next) = self
            .queued
            .front()
            .filter(|_| self.busy.len() < self.serving)
        {
            self.queued.pop_front();
            match self.spoken.contains(&next) {
                true => answered.push(next),
                false => self.busy.push(next),
            }
        }
        Some(answered)
    }

    /// The connections that have not spoken yet.
    fn silent(&self) -> impl Iterator<Item = usize> + '_ {
        (1..=self.count).filter(|n| !self.spoken.contains(n))
    }
}

/// One recv() that waits 0.3 s at most: `None` if nothing came (the outcome the demo
/// expects, not a failure). The receive timeout goes back to 10 s afterwards.
fn recv_briefly(mut conn: &TcpStream) -> std::io::Result<Option<usize>> {
    conn.set_read_timeout(Some(Duration::from_millis(300)))?;
    let got = conn.read(&mut [0u8; 1024]);
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    match got {
        Ok(n) => Ok(Some(n)),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The listener's address (getsockname): where the demo's clients connect.
fn bound_to(listener: &TcpListener) -> Result<SocketAddr> {
    let getsockname = |e| LessonError::io("getsockname()", e, LESSON.package);
    listener.local_addr().map_err(getsockname)
}

// ANCHOR: trickle_demo
/// A client that misbehaves: `slow` sends a line in pieces, 0.3 s apart, and never its
/// newline. Each recv gets its piece well within a second, so a timeout of 1 s per recv would
/// never fire; the deadline for the whole line (1 s) does. Meanwhile carol, who connected
/// later, is served by her own thread.
fn trickle_demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let limit = Duration::from_secs(1);
    let listener = common::listener::listen_on(opts, &server)?;
    let addr = bound_to(&listener)?;
    let tally = Shared::default();
    let mut workers = Workers::start(None, MAX, &tally, &server)?;
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
            speak(&carol, line, &carol_say)?;
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
