//! Narration: the lines a lesson prints about each system call, and step mode.
//!
//! Every lesson sounds the same:
//!
//! ```text
//! server  listen(backlog=128) -> ok
//! server  kernel: LISTEN 127.0.0.1:40001, accept queue 0
//! client  connect(127.0.0.1:40001) -> ok
//! ```
//!
//! Each line is an event ([`crate::trace::Event`]) first: the narrator records it (and writes
//! it to `--trace FILE`), then prints its text. A call is ONE line in the lesson:
//!
//! ```no_run
//! # fn demo(listener: &std::net::TcpListener, say: &common::Narrator) -> common::Result<()> {
//! // announce (step mode pauses here), run, then `-> ok, peer …` or `-> error: …`
//! let (conn, peer) = say.call("accept()", "take the first connection", || listener.accept())?;
//! # Ok(()) }
//! ```
//!
//! Bytes are narrated at the edge, by [`Narrated`], so that framing code has no narration in
//! it. A call a lesson does not narrate (a `getsockname` for the port, a `try_clone`) still
//! names itself if it fails: `.map_err(|e| say.failed("getsockname()", e))`.
//! [`Narrator::next`] and [`Narrator::done`] are the two halves every `call_*` is built from;
//! lessons never use them directly (tests/book.rs checks).
//!
//! In step mode (`--step`), [`Narrator::next`] pauses until the learner presses Enter, so that
//! they can look at the socket from another terminal (`ss -tan`) before the call runs.

use std::future::Future;
use std::io::{self, BufRead, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::error::LessonError;
use crate::kernel;
use crate::trace::{self, Event, Kind};

/// Is step mode on? Set once from `--step`; turned off if standard input closes.
static STEP: AtomicBool = AtomicBool::new(false);
/// Is narration printing off? Set once from `--quiet`: events are still recorded (`--trace`).
static QUIET: AtomicBool = AtomicBool::new(false);
/// Has this process already said that there is no kernel view here?
static SAID_NO_KERNEL_VIEW: AtomicBool = AtomicBool::new(false);
/// One line at a time, even when a server's threads narrate together.
static OUTPUT: Mutex<()> = Mutex::new(());
/// A server's first line must be `listening on HOST:PORT`: until then its narration is held
/// here (see [`hold_until_ready`]).
static HELD: Mutex<Option<Vec<String>>> = Mutex::new(None);

/// Hold narration back until [`release_held`]: a server's readiness line comes first.
pub fn hold_until_ready() {
    *HELD.lock().unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
}

/// Print `first`, then whatever narration was held back, and stop holding.
pub fn release_held(first: &str) {
    let mut ready = Event::new("", Kind::Ready);
    ready.text = first.to_string();
    trace::record(&ready);
    let held = HELD.lock().unwrap_or_else(|e| e.into_inner()).take();
    let _one_at_a_time = OUTPUT.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{first}");
    for line in held.unwrap_or_default() {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
}

/// `AF_INET` or `AF_INET6`: the address family of an address, as C names it.
pub fn family(addr: &SocketAddr) -> &'static str {
    if addr.is_ipv4() {
        "AF_INET"
    } else {
        "AF_INET6"
    }
}

/// Turn step mode on or off for this process.
pub fn set_step_mode(on: bool) {
    STEP.store(on, Ordering::SeqCst);
}

/// Is step mode on?
pub fn step_mode() -> bool {
    STEP.load(Ordering::SeqCst)
}

/// Turn narration printing off (`--quiet`) or on. The readiness line is still printed, and
/// every event still goes to the trace: only the terminal text is left out, so that a server
/// can be measured without the cost of printing (book/29-load.md).
pub fn set_quiet(on: bool) {
    QUIET.store(on, Ordering::Relaxed);
}

/// Is narration printing off?
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Does anyone hear the narration: is it printed, written to a trace (`--trace`), or stepped
/// through (`--step`)? With `--quiet` and neither of the others, nobody does: then no event
/// is made (no text formatted, no bytes copied, no kernel asked), and a measured server pays
/// for its design only. A failed call still names itself in its error.
pub fn heard() -> bool {
    !quiet() || trace::recording() || step_mode()
}

/// The name of a call as the narration shows it: `"accept()"`, a `String` made with
/// `format!`, or a closure that makes it. The closure is for a call on a busy path: a quiet
/// run (`--quiet`, nothing traced) never calls it, so it costs nothing there (lesson 13 names
/// each reply's `write_all(b"…")` this way).
pub trait CallName {
    /// The name, made now.
    fn into_name(self) -> String;
}

impl CallName for &str {
    fn into_name(self) -> String {
        self.to_string()
    }
}

impl CallName for String {
    fn into_name(self) -> String {
        self
    }
}

impl CallName for &String {
    fn into_name(self) -> String {
        self.clone()
    }
}

impl<F: FnOnce() -> String> CallName for F {
    fn into_name(self) -> String {
        self()
    }
}

/// Prints what one side of the exchange does (`server`, `client`, `alice`, …).
pub struct Narrator {
    who: String,
    /// The package to name in hints, e.g. "start it with: cargo run -p lesson-05-connect".
    package: &'static str,
    /// The call announced by the last `next`, and what it is for, named again by `done` and
    /// `fail`. (A mutex, not a `RefCell`, so that async tasks can share a narrator.)
    call: Mutex<(String, String)>,
}

impl Narrator {
    /// A narrator for one side; `package` is the lesson's package name, used in hints.
    pub fn new(who: impl Into<String>, package: &'static str) -> Self {
        Narrator {
            who: who.into(),
            package,
            call: Mutex::new((String::new(), String::new())),
        }
    }

    /// The current call and its purpose (a poisoned lock still holds usable strings).
    fn current(&self) -> std::sync::MutexGuard<'_, (String, String)> {
        self.call.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An event for the current call.
    fn call_event(&self, kind: Kind, result: String) -> Event {
        let (call, why) = self.current().clone();
        let mut event = Event::new(&self.who, kind);
        event.call = call;
        event.why = why;
        event.result = result;
        event
    }

    /// Who this narrator speaks for.
    pub fn who(&self) -> &str {
        &self.who
    }

    /// Announce the next call. In step mode, say what it will do and wait for Enter.
    pub fn next(&self, call: impl AsRef<str>, what_it_does: &str) {
        let call = call.as_ref();
        if step_mode() {
            pause(&format!(
                "[step] next: {} {} — {}. Press Enter to run it.",
                self.who, call, what_it_does
            ));
        }
        self.set_current(call, what_it_does);
    }

    /// Make this the current call. Its two strings are written over, not made anew: after a
    /// connection's first calls, naming the next one allocates nothing.
    fn set_current(&self, call: &str, why: &str) {
        let mut current = self.current();
        current.0.clear();
        current.0.push_str(call);
        current.1.clear();
        current.1.push_str(why);
    }

    /// The announced call returned: print `who  call -> result`.
    pub fn done(&self, result: impl AsRef<str>) {
        self.emit(self.call_event(Kind::Call, result.as_ref().to_string()));
    }

    /// Like [`Narrator::done`], and record the bytes the call moved (in the trace only; the
    /// terminal line is the same).
    pub fn done_bytes(&self, result: impl AsRef<str>, bytes: &[u8]) {
        let mut event = self.call_event(Kind::Call, result.as_ref().to_string());
        event.bytes = Some(bytes.to_vec());
        self.emit(event);
    }

    /// One call, narrated: announce it (`next`), run it, and say how it went (`done` with the
    /// result's [`Shown`] text, or `fail`). The call stays one line in the lesson:
    ///
    /// ```no_run
    /// # fn demo(listener: &std::net::TcpListener, say: &common::Narrator) -> common::Result<()> {
    /// let (conn, peer) = say.call("accept()", "take the first connection", || listener.accept())?;
    /// # Ok(()) }
    /// ```
    pub fn call<T: Shown>(
        &self,
        call: impl AsRef<str>,
        why: &str,
        run: impl FnOnce() -> io::Result<T>,
    ) -> Result<T, LessonError> {
        self.call_then(call, why, run, Shown::shown)
    }

    /// Like [`Narrator::call`], with the result's text made by `show`:
    /// `say.call_then("recv(64)", why, || conn.read(&mut buf), |n| format!("{n} bytes"))?`.
    pub fn call_then<T>(
        &self,
        call: impl AsRef<str>,
        why: &str,
        run: impl FnOnce() -> io::Result<T>,
        show: impl FnOnce(&T) -> String,
    ) -> Result<T, LessonError> {
        if !heard() {
            return run().map_err(|e| self.failed(call.as_ref(), e));
        }
        self.next(call, why);
        let value = run().map_err(|e| self.fail(e))?;
        self.done(show(&value));
        Ok(value)
    }

    /// Like [`Narrator::call`] for an async call (tokio): announce it, await it, say how it
    /// went. The call stays one line in the lesson:
    ///
    /// ```ignore
    /// // (tokio is a dependency of the async lessons, not of this crate's doctests)
    /// let n = say.call_async("send_to(…)", "one datagram", socket.send_to(b"ping", to)).await?;
    /// ```
    ///
    /// While this task waits, other tasks may use the same narrator: the result line still
    /// names this call. (Step mode pauses before the call, as [`Narrator::next`] does; the pause
    /// holds the runtime's thread, which is what a learner stepping through wants.)
    pub async fn call_async<T: Shown>(
        &self,
        call: impl CallName,
        why: &str,
        run: impl Future<Output = io::Result<T>>,
    ) -> Result<T, LessonError> {
        self.call_async_then(call, why, run, Shown::shown).await
    }

    /// Like [`Narrator::call_async`], with the result's text made by `show`, as
    /// [`Narrator::call_then`] does: `say.call_async_then("TcpStream::connect(…)", why,
    /// TcpStream::connect(addr), |_| "ok".into()).await?`.
    pub async fn call_async_then<T>(
        &self,
        call: impl CallName,
        why: &str,
        run: impl Future<Output = io::Result<T>>,
        show: impl FnOnce(&T) -> String,
    ) -> Result<T, LessonError> {
        if !heard() {
            // Nobody listens: the call's name is made only if the call fails.
            return run.await.map_err(|e| self.failed(call.into_name(), e));
        }
        let call = call.into_name();
        self.next(&call, why);
        let result = run.await;
        // Another task may have announced its own call meanwhile: this result is this call's.
        self.set_current(&call, why);
        let value = result.map_err(|e| self.fail(e))?;
        self.done(show(&value));
        Ok(value)
    }

    /// Like [`Narrator::call_then`] for a call that changes what the kernel holds for `socket`
    /// (listen, connect): the result line, then the kernel's view of the socket, as
    /// [`Narrator::done_with`] shows them:
    /// `say.call_with(&socket, "listen(backlog=128)", why, || socket.listen(128), |_| "ok".into())?`.
    pub fn call_with<T>(
        &self,
        socket: &impl Endpoints,
        call: impl AsRef<str>,
        why: &str,
        run: impl FnOnce() -> io::Result<T>,
        show: impl FnOnce(&T) -> String,
    ) -> Result<T, LessonError> {
        self.next(call, why);
        let value = run().map_err(|e| self.fail(e))?;
        self.done_with(socket, show(&value));
        Ok(value)
    }

    /// Like [`Narrator::call_with`] for a call that MAKES the socket (bind, connect, accept):
    /// the result line, then the kernel's view of the new socket:
    /// `say.call_opening("connect(…)", why, || TcpStream::connect(addr), |_| "ok".into())?`.
    pub fn call_opening<T: Endpoints>(
        &self,
        call: impl AsRef<str>,
        why: &str,
        run: impl FnOnce() -> io::Result<T>,
        show: impl FnOnce(&T) -> String,
    ) -> Result<T, LessonError> {
        self.next(call, why);
        let socket = run().map_err(|e| self.fail(e))?;
        self.done_with(&socket, show(&socket));
        Ok(socket)
    }

    /// A call that was not announced before it ran failed: print and record it as one line,
    /// `who  call -> error: …`, and return the error. For an `.await` inside `tokio::select!`
    /// (which branch completes is known only afterwards), or a call the lesson shows only if
    /// it fails.
    pub fn failed(&self, call: impl Into<String>, err: io::Error) -> LessonError {
        *self.current() = (call.into(), String::new());
        self.fail(err)
    }

    /// Like [`Narrator::done`], then show what the kernel now holds for this socket.
    pub fn done_with(&self, socket: &impl Endpoints, result: impl AsRef<str>) {
        // The wire view names this socket's port after its owner (`alice:40002`).
        if let (Some(local), _) = socket.endpoints() {
            crate::wire::name_port(local.port(), &self.who);
        }
        self.done(result);
        self.kernel(socket);
    }

    /// The announced call failed: print it, and turn the error into one that names the call.
    pub fn fail(&self, err: io::Error) -> LessonError {
        let call = self.current().0.clone();
        let error = LessonError::io(call, err, self.package);
        self.emit(self.call_event(Kind::Error, error.reason.clone()));
        error
    }

    /// A protocol error found by the lesson itself (named after the last call).
    pub fn protocol_error(&self, reason: impl Into<String>) -> LessonError {
        let call = self.current().0.clone();
        let error = LessonError::protocol(call, reason);
        self.emit(self.call_event(Kind::Error, error.reason.clone()));
        error
    }

    /// A remark that is not a call, e.g. `client  -- the server answered before we asked`.
    pub fn note(&self, text: impl AsRef<str>) {
        if !heard() {
            return;
        }
        let mut event = Event::new(&self.who, Kind::Note);
        event.text = text.as_ref().to_string();
        self.emit(event);
    }

    /// Record bytes that went out or came in without a line of their own (kind `send` or
    /// `recv`, in the trace only): what a quiet [`Narrated`] adapter does on each call.
    pub fn moved(&self, kind: Kind, call: &str, bytes: &[u8]) {
        if !heard() {
            return;
        }
        let mut event = Event::new(&self.who, kind);
        event.call = call.to_string();
        event.bytes = Some(bytes.to_vec());
        self.emit(event);
    }

    /// What the kernel holds for this socket now (TCP state, addresses, queues).
    pub fn kernel(&self, socket: &impl Endpoints) {
        // Its addresses cost system calls too (getsockname, getpeername).
        if !heard() {
            return;
        }
        let (local, peer) = socket.endpoints();
        match local {
            Some(local) => self.kernel_at(local, peer),
            None => self.kernel_line("no TCP entry (not bound yet)"),
        }
    }

    /// What the kernel holds for the socket with these addresses, e.g. after it was closed
    /// (a closed socket can live on in the kernel, in TIME_WAIT).
    pub fn kernel_at(&self, local: SocketAddr, peer: Option<SocketAddr>) {
        // Asking the kernel costs system calls (and may wait for a state to pass).
        if !heard() {
            return;
        }
        match kernel::lookup(local, peer) {
            kernel::View::Unavailable => {
                if !SAID_NO_KERNEL_VIEW.swap(true, Ordering::SeqCst) {
                    self.kernel_line(&format!(
                        "the kernel view is not available on {} (it asks the Linux kernel, as `ss` does); \
                         everything else works the same",
                        std::env::consts::OS
                    ));
                }
            }
            view => self.kernel_line(&view.to_string()),
        }
    }

    /// What the kernel holds, found by the lesson itself (lesson 24 reads `/proc/net/unix`
    /// for a Unix socket, which the TCP view above does not cover): `kernel: text`.
    pub fn kernel_text(&self, text: impl AsRef<str>) {
        self.kernel_line(text.as_ref());
    }

    fn kernel_line(&self, text: &str) {
        let mut event = Event::new(&self.who, Kind::Kernel);
        event.text = text.to_string();
        self.emit(event);
    }

    /// Record an event in the trace, and print its line (or hold it, before a server is ready).
    fn emit(&self, event: Event) {
        if quiet() {
            return trace::record(&event);
        }
        let _one_at_a_time = OUTPUT.lock().unwrap_or_else(|e| e.into_inner());
        trace::record(&event);
        let Some(text) = event.terminal() else {
            return;
        };
        if let Some(held) = HELD.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            held.push(text);
            return;
        }
        let mut out = io::stdout().lock();
        // A closed stdout (the learner piped us into `head`) is not a reason to fail the lesson.
        let _ = writeln!(out, "{text}");
        // With --wire: the segments the kernel sent since the last line (nothing otherwise).
        emit_wire(&mut out, crate::wire::drain);
        let _ = out.flush();
    }
}

/// Let `write` print wire segments, and record each of its lines as a `wire` event.
fn emit_wire(out: &mut dyn Write, write: impl FnOnce(&mut dyn Write)) {
    let mut segments = Vec::new();
    write(&mut segments);
    for line in String::from_utf8_lossy(&segments).lines() {
        let mut event = Event::new("", Kind::Wire);
        event.text = line.to_string();
        trace::record(&event);
    }
    let _ = out.write_all(&segments);
}

/// The end of a run: with `--wire`, the last segments and the capture's count.
pub fn finish_wire() {
    let _one_at_a_time = OUTPUT.lock().unwrap_or_else(|e| e.into_inner());
    emit_wire(&mut io::stdout().lock(), crate::wire::finish);
}

/// Print a step-mode prompt and wait for Enter. If standard input is closed, step mode ends
/// and the lesson runs to the end: it never waits for input that cannot come.
fn pause(prompt: &str) {
    let _one_at_a_time = OUTPUT.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "{prompt}");
    let _ = out.flush();
    let mut line = String::new();
    match io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => {
            set_step_mode(false);
            let _ = writeln!(
                out,
                "[step] standard input closed: step mode off, running to the end."
            );
        }
        Ok(_) => {}
    }
}

/// Anything with addresses the kernel can be asked about.
pub trait Endpoints {
    /// The local address, and the peer's for a connected socket.
    fn endpoints(&self) -> (Option<SocketAddr>, Option<SocketAddr>);
}

impl Endpoints for std::net::TcpStream {
    fn endpoints(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        (self.local_addr().ok(), self.peer_addr().ok())
    }
}

impl Endpoints for std::net::TcpListener {
    fn endpoints(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        (self.local_addr().ok(), None)
    }
}

impl<T: Endpoints> Endpoints for &T {
    fn endpoints(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        (*self).endpoints()
    }
}

/// A pair of addresses: for a socket that is already closed, or one the helper does not know.
impl Endpoints for (SocketAddr, Option<SocketAddr>) {
    fn endpoints(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        (Some(self.0), self.1)
    }
}

/// Bytes as a learner should see them: `b"hello\n"`, with anything unprintable escaped.
/// Long data is cut after 40 bytes, with its full length.
pub fn show_bytes(bytes: &[u8]) -> String {
    const MAX: usize = 40;
    if bytes.len() <= MAX {
        format!("b\"{}\"", bytes.escape_ascii())
    } else {
        format!(
            "b\"{}\"... ({} bytes)",
            bytes[..MAX].escape_ascii(),
            bytes.len()
        )
    }
}

impl Endpoints for socket2::Socket {
    fn endpoints(&self) -> (Option<SocketAddr>, Option<SocketAddr>) {
        let local = self.local_addr().ok().and_then(|a| a.as_socket());
        let peer = self.peer_addr().ok().and_then(|a| a.as_socket());
        // An unbound socket reports 0.0.0.0:0; the kernel has no entry for it.
        (local.filter(|a| a.port() != 0), peer)
    }
}

/// The text a call's result shows after `->` when the lesson narrates it with
/// [`Narrator::call`]. For another text, use [`Narrator::call_then`].
pub trait Shown {
    /// E.g. `ok`, `6 bytes`, `ok, peer 127.0.0.1:40002`.
    fn shown(&self) -> String;
}

impl Shown for () {
    fn shown(&self) -> String {
        "ok".to_string()
    }
}

impl Shown for usize {
    fn shown(&self) -> String {
        format!("{self} bytes")
    }
}

impl Shown for std::net::TcpStream {
    fn shown(&self) -> String {
        "ok".to_string()
    }
}

impl Shown for socket2::Socket {
    fn shown(&self) -> String {
        "ok".to_string()
    }
}

impl Shown for std::net::TcpListener {
    fn shown(&self) -> String {
        match self.local_addr() {
            Ok(addr) => format!("ok, bound to {addr}"),
            Err(_) => "ok".to_string(),
        }
    }
}

impl Shown for (std::net::TcpStream, SocketAddr) {
    fn shown(&self) -> String {
        format!("ok, peer {}", self.1)
    }
}

impl Clone for Narrator {
    /// Another narrator for the same side (for an I/O adapter that narrates on its own).
    fn clone(&self) -> Self {
        Narrator {
            who: self.who.clone(),
            package: self.package,
            call: Mutex::new(self.current().clone()),
        }
    }
}

/// A socket (anything `Read + Write`, or tokio's `AsyncRead + AsyncWrite` with the `tokio`
/// feature) whose every recv() and send() is narrated AT THE EDGE,
/// so that the code above it (framing, a protocol) has no narration in it at all.
///
/// - [`Narrated::new`] prints each call, as lesson 07 shows how bytes really arrive:
///   `server  recv(8192) -> 6 bytes: b"hello\n"`, `server  send(b"hello\n") -> 6 bytes`;
/// - [`Narrated::quiet`] prints nothing and records the bytes in the trace (events `send` and
///   `recv`), for a lesson that narrates whole lines itself but whose tests check the bytes.
///
/// ```no_run
/// # fn demo(stream: std::net::TcpStream, say: &common::Narrator) -> std::io::Result<()> {
/// use std::io::{BufRead, BufReader};
/// let mut reader = BufReader::new(common::Narrated::new(stream, say.clone()));
/// let mut line = Vec::new();
/// reader.read_until(b'\n', &mut line)?; // each recv() it takes is narrated
/// # Ok(()) }
/// ```
pub struct Narrated<T> {
    inner: T,
    say: Narrator,
    loud: bool,
}

impl<T> Narrated<T> {
    /// Print a line for each recv() and send().
    pub fn new(inner: T, say: Narrator) -> Self {
        Narrated {
            inner,
            say,
            loud: true,
        }
    }

    /// Record each recv()'s and send()'s bytes in the trace only.
    pub fn quiet(inner: T, say: Narrator) -> Self {
        Narrated {
            inner,
            say,
            loud: false,
        }
    }

    /// The socket inside.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The socket inside.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The socket, unwrapped.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T> Narrated<T> {
    /// Say (loud) or record (quiet) what one recv() came to. A loud call was announced
    /// before it ran (sync) or just now, once it completed (async).
    fn received(&self, result: Result<&[u8], &io::Error>) {
        match (result, self.loud) {
            (Ok([]), true) => self.say.done_bytes("0 bytes: end of stream", &[]),
            (Ok(bytes), true) => {
                let n = bytes.len();
                self.say
                    .done_bytes(format!("{n} bytes: {}", show_bytes(bytes)), bytes)
            }
            (Err(e), true) => self
                .say
                .done(format!("error: {}", crate::error::describe(e))),
            (Ok(bytes), false) => self.say.moved(Kind::Recv, "recv", bytes),
            (Err(_), false) => {}
        }
    }

    /// Say (loud) or record (quiet) what one send() came to: the bytes it took.
    fn sent(&self, result: Result<&[u8], &io::Error>) {
        match (result, self.loud) {
            (Ok(bytes), true) => self.say.done_bytes(format!("{} bytes", bytes.len()), bytes),
            (Err(e), true) => self
                .say
                .done(format!("error: {}", crate::error::describe(e))),
            (Ok(bytes), false) => self.say.moved(Kind::Send, "send", bytes),
            (Err(_), false) => {}
        }
    }

    fn announce_recv(&self, buf_len: usize) {
        if self.loud {
            let call = format!("recv({buf_len})");
            self.say.next(call, "wait for bytes from the peer");
        }
    }

    fn announce_send(&self, bytes: &[u8]) {
        if self.loud {
            let call = format!("send({})", show_bytes(bytes));
            self.say.next(call, "hand bytes to the kernel");
        }
    }
}

impl<T: io::Read> io::Read for Narrated<T> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.announce_recv(buf.len());
        let result = self.inner.read(buf);
        self.received(result.as_ref().map(|n| &buf[..*n]));
        result
    }
}

impl<T: io::Write> io::Write for Narrated<T> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.announce_send(bytes);
        let result = self.inner.write(bytes);
        self.sent(result.as_ref().map(|n| &bytes[..*n]));
        result
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The same adapter over an async stream (tokio's `AsyncRead`/`AsyncWrite`: a socket's read
/// or write half, a TLS stream), so that an async lesson's bytes are at the edge too. A call
/// is said once it has completed (a poll that is not ready yet says nothing), so step mode
/// pauses after the call, not before.
#[cfg(feature = "tokio")]
mod async_io {
    use std::io;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

    use super::Narrated;

    impl<T: AsyncRead + Unpin> AsyncRead for Narrated<T> {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let this = self.get_mut();
            let before = buf.filled().len();
            let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
            if let Poll::Ready(result) = &polled {
                this.announce_recv(buf.capacity() - before);
                this.received(result.as_ref().map(|()| &buf.filled()[before..]));
            }
            polled
        }
    }

    impl<T: AsyncWrite + Unpin> AsyncWrite for Narrated<T> {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bytes: &[u8],
        ) -> Poll<io::Result<usize>> {
            let this = self.get_mut();
            let polled = Pin::new(&mut this.inner).poll_write(cx, bytes);
            if let Poll::Ready(result) = &polled {
                this.announce_send(bytes);
                this.sent(result.as_ref().map(|n| &bytes[..*n]));
            }
            polled
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().inner).poll_flush(cx)
        }

        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
        }
    }
}

/// Stop holding narration back and return what was held (for a server that failed before it
/// was ready).
pub fn take_held() -> Vec<String> {
    HELD.lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_narrator_can_be_shared_between_threads_and_tasks() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Narrator>();
    }

    #[test]
    fn bytes_are_shown_escaped() {
        assert_eq!(show_bytes(b"hello\n"), r#"b"hello\n""#);
        assert_eq!(show_bytes(&[0xff, b'a']), r#"b"\xffa""#);
    }

    #[test]
    fn long_bytes_are_cut() {
        let shown = show_bytes(&[b'x'; 100]);
        assert!(shown.ends_with("... (100 bytes)"), "{shown}");
    }
}
