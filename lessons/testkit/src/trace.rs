//! A lesson's trace (`--trace FILE`, see `common::trace`): the events of a run, to assert on
//! instead of the narration's wording.
//!
//! ```no_run
//! # let bin = "";
//! let (run, trace) = testkit::traced(bin, &[]);   // the demo, with --trace into a tempfile
//! run.success();
//! assert_eq!(trace.sent("client"), b"hello\n");   // every byte the client's adapter sent
//! assert_eq!(trace.calls("server")[..2], ["socket", "accept"]);
//! ```

use std::path::Path;

/// One event of a trace (the fields of `common::trace::Event`; empty when absent).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event {
    pub t_ms: f64,
    pub who: String,
    /// `call`, `error`, `note`, `kernel`, `wire`, `ready`, `send` or `recv`.
    pub kind: String,
    pub call: String,
    pub why: String,
    pub result: String,
    pub text: String,
    pub bytes: Option<Vec<u8>>,
}

impl Event {
    /// The call's name without its arguments: `accept` for `accept()`, `write_all` for
    /// `write_all(b"hi\n")`, `socket` for `socket() + bind(…) + listen()`.
    pub fn name(&self) -> &str {
        let end = self
            .call
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(self.call.len());
        &self.call[..end]
    }
}

/// The events of one run, in order.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    pub events: Vec<Event>,
}

impl Trace {
    /// Read a trace file (a missing file is an empty trace).
    pub fn read(path: &Path) -> Trace {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        Trace::parse(&text)
    }

    /// Parse the JSON lines of a trace.
    pub fn parse(text: &str) -> Trace {
        let events = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|line| parse_event(line).unwrap_or_else(|| panic!("not a trace line: {line}")))
            .collect();
        Trace { events }
    }

    /// The events of one side.
    pub fn of<'a>(&'a self, who: &'a str) -> impl Iterator<Item = &'a Event> + 'a {
        self.events.iter().filter(move |e| e.who == who)
    }

    /// The names of the calls one side made (returned or failed), in order.
    pub fn calls(&self, who: &str) -> Vec<String> {
        self.of(who)
            .filter(|e| e.kind == "call" || e.kind == "error")
            .map(|e| e.name().to_string())
            .collect()
    }

    /// The calls of one side that failed, as `(call, reason)`.
    pub fn errors(&self, who: &str) -> Vec<(String, String)> {
        self.of(who)
            .filter(|e| e.kind == "error")
            .map(|e| (e.call.clone(), e.result.clone()))
            .collect()
    }

    /// Every byte one side's I/O adapters sent, in order (events of kind `send`).
    pub fn sent(&self, who: &str) -> Vec<u8> {
        self.bytes(who, "send")
    }

    /// Every byte one side's I/O adapters received, in order (events of kind `recv`).
    pub fn received(&self, who: &str) -> Vec<u8> {
        self.bytes(who, "recv")
    }

    /// What each of one side's recv()s brought, in order: one entry per call, so that the
    /// way bytes arrived shows (an empty one is the end of stream).
    pub fn recvs(&self, who: &str) -> Vec<Vec<u8>> {
        self.of(who)
            .filter(|e| e.kind == "recv")
            .map(|e| e.bytes.clone().unwrap_or_default())
            .collect()
    }

    fn bytes(&self, who: &str, kind: &str) -> Vec<u8> {
        self.of(who)
            .filter(|e| e.kind == kind)
            .flat_map(|e| e.bytes.clone().unwrap_or_default())
            .collect()
    }

    /// What each `send` (or `recv`) event of one side moved, as text, in order. A UDP lesson
    /// records one such event per datagram, so this is the list of its datagrams.
    pub fn datagrams(&self, who: &str, kind: &str) -> Vec<String> {
        self.of(who)
            .filter(|e| e.kind == kind)
            .map(|e| String::from_utf8_lossy(e.bytes.as_deref().unwrap_or_default()).into_owned())
            .collect()
    }

    /// The TCP state each look at the kernel showed for one side (the first word of each
    /// `kernel` event: `LISTEN`, `ESTABLISHED`, …), in order.
    pub fn states(&self, who: &str) -> Vec<String> {
        self.of(who)
            .filter(|e| e.kind == "kernel")
            .map(|e| e.text.split_whitespace().next().unwrap_or("").to_string())
            .collect()
    }

    /// The address of the readiness line (`listening on HOST:PORT`), if there was one.
    pub fn ready(&self) -> Option<std::net::SocketAddr> {
        self.events
            .iter()
            .find(|e| e.kind == "ready")
            .and_then(|e| e.text.strip_prefix("listening on")?.trim().parse().ok())
    }
}

/// Assert that `seen` holds every step of `expected`, in this order; other steps may come
/// between them. For a side's calls (`in_order(&trace.calls("server"), &["accept", "close"])`)
/// or any other list read from a trace.
#[track_caller]
pub fn in_order(seen: &[String], expected: &[&str]) {
    let mut rest = seen.iter();
    for want in expected {
        assert!(
            rest.any(|step| step == want),
            "expected {expected:?} in this order, missing {want:?} in {seen:?}"
        );
    }
}

/// A temporary file for a server's trace: start the server with `--trace` and [`TraceFile::path`] added,
/// and [`TraceFile::read`] once it has finished.
///
/// ```no_run
/// # let bin = "";
/// let trace = testkit::TraceFile::new();
/// let server = testkit::Server::start(bin, &["--clients", "1", "--trace", trace.path()]);
/// // … talk to it …
/// server.finish().success();
/// assert_eq!(trace.read().sent("server"), b"hello\n");
/// ```
pub struct TraceFile {
    file: tempfile::NamedTempFile,
    path: String,
}

impl TraceFile {
    /// A new, empty trace file.
    #[allow(clippy::new_without_default)]
    pub fn new() -> TraceFile {
        let file = tempfile::NamedTempFile::new().expect("a temporary file for the trace");
        let path = file.path().to_string_lossy().into_owned();
        TraceFile { file, path }
    }

    /// Its path, to pass after `--trace`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The events written so far.
    pub fn read(&self) -> Trace {
        Trace::read(self.file.path())
    }

    /// Wait (up to the timeout of each line) until `server`, which writes this trace, has
    /// recorded at least `count` events for which `test` is true; return the last of them.
    /// It waits on the server's output, not on a clock: an event that prints a line (a call,
    /// an error, a note) is in the trace before its line is printed, so each line is the
    /// moment to look again. (Wait for such an event, not for the bytes of a quiet adapter.)
    #[track_caller]
    pub fn wait_for(
        &self,
        server: &mut crate::Server,
        count: usize,
        test: impl Fn(&Event) -> bool,
    ) -> Event {
        loop {
            let trace = self.read();
            let found: Vec<&Event> = trace.events.iter().filter(|e| test(e)).collect();
            if found.len() >= count.max(1) {
                return found[count.max(1) - 1].clone();
            }
            server.wait_for_line("another line (the trace is read after each)", |_| true);
        }
    }
}

/// One line of the trace: a flat JSON object of strings and numbers (what common writes).
fn parse_event(line: &str) -> Option<Event> {
    let mut event = Event::default();
    let mut rest = line.trim().strip_prefix('{')?.trim_start();
    while !rest.starts_with('}') {
        let (key, after) = string(rest)?;
        rest = after.trim_start().strip_prefix(':')?.trim_start();
        if rest.starts_with('"') {
            let (value, after) = string(rest)?;
            rest = after;
            match key.as_str() {
                "who" => event.who = value,
                "kind" => event.kind = value,
                "call" => event.call = value,
                "why" => event.why = value,
                "result" => event.result = value,
                "text" => event.text = value,
                "bytes" => event.bytes = Some(hex(&value)?),
                _ => {}
            }
        } else {
            let end = rest.find([',', '}'])?;
            if key == "t_ms" {
                event.t_ms = rest[..end].trim().parse().ok()?;
            }
            rest = &rest[end..];
        }
        rest = rest.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Some(event)
}

/// A JSON string at the start of `text`, and the text after it.
fn string(text: &str) -> Option<(String, &str)> {
    let mut chars = text.strip_prefix('"')?.char_indices();
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &text[i + 2..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'u' => {
                    let code: String = (0..4).filter_map(|_| chars.next().map(|c| c.1)).collect();
                    out.push(char::from_u32(u32::from_str_radix(&code, 16).ok()?)?);
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

fn hex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_back() {
        let trace = Trace::parse(
            "{\"t_ms\":0.5,\"who\":\"server\",\"kind\":\"call\",\"call\":\"accept()\",\"why\":\"a \\\"b\\\"\\n\",\"result\":\"ok\"}\n\
             {\"t_ms\":1.000,\"who\":\"\",\"kind\":\"ready\",\"text\":\"listening on 127.0.0.1:4000\"}\n\
             {\"t_ms\":2,\"who\":\"client\",\"kind\":\"send\",\"call\":\"send\",\"bytes\":\"68690a\"}\n",
        );
        assert_eq!(trace.calls("server"), ["accept"]);
        assert_eq!(trace.events[0].why, "a \"b\"\n");
        assert_eq!(trace.sent("client"), b"hi\n");
        assert_eq!(trace.ready(), Some("127.0.0.1:4000".parse().unwrap()));
    }

    #[test]
    fn in_order_skips_steps_between_but_not_a_swap() {
        let seen: Vec<String> = ["socket", "accept", "recv", "close"]
            .map(String::from)
            .into();
        in_order(&seen, &["socket", "recv", "close"]);
        let swapped = std::panic::catch_unwind(|| in_order(&seen, &["recv", "accept"]));
        assert!(swapped.is_err(), "a swapped pair must fail");
        let missing = std::panic::catch_unwind(|| in_order(&seen, &["send"]));
        assert!(missing.is_err(), "a missing step must fail");
    }
}
