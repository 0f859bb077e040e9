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
//! A call is narrated in two steps around the real call, which stays in the lesson:
//!
//! ```no_run
//! # fn demo(socket: &std::net::TcpListener, say: &common::Narrator) -> common::Result<()> {
//! say.next("accept()", "take the first connection from the accept queue");
//! let (conn, peer) = socket.accept().map_err(|e| say.fail(e))?;
//! say.done(format!("ok, peer {peer}"));
//! # Ok(()) }
//! ```
//!
//! In step mode (`--step`), [`Narrator::next`] pauses until the learner presses Enter, so that
//! they can look at the socket from another terminal (`ss -tan`) before the call runs.

use std::io::{self, BufRead, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::error::LessonError;
use crate::kernel;

/// Is step mode on? Set once from `--step`; turned off if standard input closes.
static STEP: AtomicBool = AtomicBool::new(false);
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

/// Prints what one side of the exchange does (`server`, `client`, `alice`, …).
pub struct Narrator {
    who: String,
    /// The package to name in hints, e.g. "start it with: cargo run -p lesson-05-connect".
    package: &'static str,
    /// The call announced by the last `next`, named again by `done` and `fail`. (A mutex, not
    /// a `RefCell`, so that async tasks can share a narrator.)
    call: Mutex<String>,
}

impl Narrator {
    /// A narrator for one side; `package` is the lesson's package name, used in hints.
    pub fn new(who: impl Into<String>, package: &'static str) -> Self {
        Narrator {
            who: who.into(),
            package,
            call: Mutex::new(String::new()),
        }
    }

    /// The current call's text (a poisoned lock still holds a usable string).
    fn current(&self) -> std::sync::MutexGuard<'_, String> {
        self.call.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Who this narrator speaks for.
    pub fn who(&self) -> &str {
        &self.who
    }

    /// Announce the next call. In step mode, say what it will do and wait for Enter.
    pub fn next(&self, call: impl Into<String>, what_it_does: &str) {
        let call = call.into();
        if step_mode() {
            pause(&format!(
                "[step] next: {} {} — {}. Press Enter to run it.",
                self.who, call, what_it_does
            ));
        }
        *self.current() = call;
    }

    /// The announced call returned: print `who  call -> result`.
    pub fn done(&self, result: impl AsRef<str>) {
        let call = self.current().clone();
        self.line(&format!("{}  {} -> {}", self.pad(), call, result.as_ref()));
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
        let call = self.current().clone();
        let error = LessonError::io(call.clone(), err, self.package);
        self.line(&format!(
            "{}  {} -> error: {}",
            self.pad(),
            call,
            error.reason
        ));
        error
    }

    /// A protocol error found by the lesson itself (named after the last call).
    pub fn protocol_error(&self, reason: impl Into<String>) -> LessonError {
        let call = self.current().clone();
        let error = LessonError::protocol(call.clone(), reason);
        self.line(&format!(
            "{}  {} -> error: {}",
            self.pad(),
            call,
            error.reason
        ));
        error
    }

    /// A remark that is not a call, e.g. `client  -- the server answered before we asked`.
    pub fn note(&self, text: impl AsRef<str>) {
        self.line(&format!("{}  -- {}", self.pad(), text.as_ref()));
    }

    /// What the kernel holds for this socket now (TCP state, addresses, queues).
    pub fn kernel(&self, socket: &impl Endpoints) {
        let (local, peer) = socket.endpoints();
        match local {
            Some(local) => self.kernel_at(local, peer),
            None => self.kernel_line("no TCP entry (not bound yet)"),
        }
    }

    /// What the kernel holds for the socket with these addresses, e.g. after it was closed
    /// (a closed socket can live on in the kernel, in TIME_WAIT).
    pub fn kernel_at(&self, local: SocketAddr, peer: Option<SocketAddr>) {
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

    fn kernel_line(&self, text: &str) {
        self.line(&format!("{}  kernel: {}", self.pad(), text));
    }

    /// The name padded so that all narration lines line up.
    fn pad(&self) -> String {
        format!("{:<6}", self.who)
    }

    fn line(&self, text: &str) {
        if let Some(held) = HELD.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            held.push(text.trim_end().to_string());
            return;
        }
        let _one_at_a_time = OUTPUT.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = io::stdout().lock();
        // A closed stdout (the learner piped us into `head`) is not a reason to fail the lesson.
        let _ = writeln!(out, "{}", text.trim_end());
        // With --wire: the segments the kernel sent since the last line (nothing otherwise).
        crate::wire::drain(&mut out);
        let _ = out.flush();
    }
}

/// The end of a run: with `--wire`, the last segments and the capture's count.
pub fn finish_wire() {
    let _one_at_a_time = OUTPUT.lock().unwrap_or_else(|e| e.into_inner());
    crate::wire::finish(&mut io::stdout().lock());
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
