//! Events: what a lesson's narration records, and the trace file (`--trace FILE`).
//!
//! Every narrated thing is one [`Event`]: a call and its result, an error, a note, the kernel's
//! view, a wire segment, the bytes an I/O adapter moved. The narrator makes the event, and the
//! event is then *rendered* three ways, none of which reads another back:
//!
//! - the terminal text the learner reads ([`Event::terminal`]: `server  accept() -> ok, …`);
//! - with `--trace FILE`, one JSON object per line in FILE ([`Event::json`]);
//! - the book's sequence diagram (`diagram.mmd`), drawn by `testkit` from the trace file.
//!
//! ```no_run
//! # fn demo(listener: &std::net::TcpListener, say: &common::Narrator) -> common::Result<()> {
//! // One line in the lesson: an event of kind "call" (or "error"), printed as
//! // `server  accept() -> ok, peer 127.0.0.1:40002`
//! let (conn, peer) = say.call("accept()", "take the first connection", || listener.accept())?;
//! # Ok(()) }
//! ```
//!
//! # The trace file
//!
//! `cargo run -p lesson-09-echo -- --trace trace.jsonl` writes one line per event, in the order
//! the events happened (threads write whole lines):
//!
//! ```text
//! {"t_ms":0.412,"who":"server","kind":"call","call":"socket() + bind(127.0.0.1:0) + listen()","why":"make the listening socket","result":"ok, bound to 127.0.0.1:41234"}
//! {"t_ms":0.530,"who":"","kind":"ready","text":"listening on 127.0.0.1:41234"}
//! {"t_ms":0.981,"who":"client","kind":"send","call":"send","bytes":"68656c6c6f0a"}
//! ```
//!
//! Fields (absent when empty): `t_ms` milliseconds since the process started narrating; `who`
//! the side (`server`, `client`, `alice`, …); `kind` one of `call`, `error`, `note`, `kernel`,
//! `wire`, `ready`, `send`, `recv`; `call` the call as the lesson names it, with its arguments;
//! `why` what the lesson said the call is for; `result` what it returned (for an error, the
//! reason); `text` a note's, the kernel view's or a wire segment's text; `bytes` the bytes
//! sent or received (kinds `send`/`recv`, and calls that recorded them), in lowercase hex.
//! Ports are the real ones (the book's files renumber them).

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// What kind of thing an [`Event`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A call returned: `call -> result`.
    Call,
    /// A call failed (`result` is the reason), or the lesson found a protocol error.
    Error,
    /// A remark that is not a call: `-- text`.
    Note,
    /// What the kernel holds for the socket now: `kernel: text`.
    Kernel,
    /// A segment on the wire (`--wire`), as printed.
    Wire,
    /// The server's readiness line, `listening on HOST:PORT`.
    Ready,
    /// Bytes an I/O adapter sent (not printed unless the adapter narrates each call).
    Send,
    /// Bytes an I/O adapter received.
    Recv,
}

impl Kind {
    /// The name used in the trace file.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Call => "call",
            Kind::Error => "error",
            Kind::Note => "note",
            Kind::Kernel => "kernel",
            Kind::Wire => "wire",
            Kind::Ready => "ready",
            Kind::Send => "send",
            Kind::Recv => "recv",
        }
    }
}

/// One thing a lesson narrated.
#[derive(Debug, Clone)]
pub struct Event {
    /// Time since the process started narrating.
    pub at: Duration,
    /// The side: `server`, `client`, `alice`, … (empty for the readiness line and the wire).
    pub who: String,
    pub kind: Kind,
    /// The call, with its arguments, as the lesson names it.
    pub call: String,
    /// What the call is for (what step mode shows before it runs).
    pub why: String,
    /// What the call returned, or for an error the reason.
    pub result: String,
    /// A note's, the kernel view's, a wire segment's or the readiness line's text.
    pub text: String,
    /// Bytes sent or received, when the event moved any.
    pub bytes: Option<Vec<u8>>,
}

impl Event {
    /// An event of this kind, now, with every text empty.
    pub fn new(who: &str, kind: Kind) -> Event {
        Event {
            at: start().elapsed(),
            who: who.to_string(),
            kind,
            call: String::new(),
            why: String::new(),
            result: String::new(),
            text: String::new(),
            bytes: None,
        }
    }

    /// The line the learner reads, or `None` for events the terminal does not show (the bytes
    /// a quiet adapter moved). Names are padded to 6 so that all lines line up.
    pub fn terminal(&self) -> Option<String> {
        let who = format!("{:<6}", self.who);
        let line = match self.kind {
            Kind::Call => format!("{who}  {} -> {}", self.call, self.result),
            Kind::Error => format!("{who}  {} -> error: {}", self.call, self.result),
            Kind::Note => format!("{who}  -- {}", self.text),
            Kind::Kernel => format!("{who}  kernel: {}", self.text),
            Kind::Wire | Kind::Ready => self.text.clone(),
            Kind::Send | Kind::Recv => return None,
        };
        Some(line.trim_end().to_string())
    }

    /// The event as one line of JSON (no newline), as the trace file holds it.
    pub fn json(&self) -> String {
        let mut out = format!(
            "{{\"t_ms\":{:.3},\"who\":{},\"kind\":\"{}\"",
            self.at.as_secs_f64() * 1000.0,
            quote(&self.who),
            self.kind.name()
        );
        for (key, value) in [
            ("call", &self.call),
            ("why", &self.why),
            ("result", &self.result),
            ("text", &self.text),
        ] {
            if !value.is_empty() {
                let _ = write!(out, ",\"{key}\":{}", quote(value));
            }
        }
        if let Some(bytes) = &self.bytes {
            out.push_str(",\"bytes\":\"");
            for b in bytes {
                let _ = write!(out, "{b:02x}");
            }
            out.push('"');
        }
        out.push('}');
        out
    }
}

/// A JSON string: quotes, backslashes and control characters escaped.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// When the process started narrating: the zero of every event's time.
fn start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

/// The trace file, when `--trace FILE` was given.
static FILE: Mutex<Option<File>> = Mutex::new(None);
/// Is there a trace file? (Read on every event of a quiet run: an atomic, not the lock.)
static RECORDING: AtomicBool = AtomicBool::new(false);

/// Are events being written to a trace file (`--trace FILE`)?
pub fn recording() -> bool {
    RECORDING.load(Ordering::Relaxed)
}

/// Write every event from now on to `path`, one JSON line each (`--trace FILE`).
pub fn open(path: &Path) -> io::Result<()> {
    start();
    let file = File::create(path)?;
    *FILE.lock().unwrap_or_else(|e| e.into_inner()) = Some(file);
    RECORDING.store(true, Ordering::Relaxed);
    Ok(())
}

/// Add a line another process wrote to its own trace (lesson 24's child, whose events the demo
/// takes in once it has exited, so that they follow the parent's in order), as it is.
pub fn record_line(line: &str) {
    let mut file = FILE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(file) = file.as_mut() {
        let _ = writeln!(file, "{}", line.trim_end());
    }
}

/// Add an event to the trace file (nothing without `--trace`). Each event is one write, so
/// lines from threads narrating at the same time never mix.
pub fn record(event: &Event) {
    let mut file = FILE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(file) = file.as_mut() {
        let mut line = event.json();
        line.push('\n');
        // A full disk is not a reason to fail the lesson.
        let _ = file.write_all(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_render_as_today() {
        let mut e = Event::new("server", Kind::Call);
        e.call = "listen(backlog=128)".into();
        e.result = "ok".into();
        assert_eq!(
            e.terminal().as_deref(),
            Some("server  listen(backlog=128) -> ok")
        );
        e.kind = Kind::Error;
        e.result = "connection refused".into();
        assert_eq!(
            e.terminal().as_deref(),
            Some("server  listen(backlog=128) -> error: connection refused")
        );
    }

    #[test]
    fn json_escapes_and_hex_encodes() {
        let mut e = Event::new("client", Kind::Send);
        e.call = "send".into();
        e.why = "say \"hi\"\n".into();
        e.bytes = Some(b"hi\n".to_vec());
        let json = e.json();
        assert!(json.starts_with("{\"t_ms\":"), "{json}");
        assert!(
            json.contains(
                "\"who\":\"client\",\"kind\":\"send\",\"call\":\"send\",\"why\":\"say \\\"hi\\\"\\n\",\"bytes\":\"68690a\"}"
            ),
            "{json}"
        );
        assert_eq!(e.terminal(), None);
    }
}
