//! The book shows each lesson's real output and a sequence diagram of the same run. Both are
//! files in the lesson's folder (`output.txt`, `diagram.mmd`), made by running the lesson once
//! with `--trace FILE`: `output.txt` is what it printed, `diagram.mmd` is drawn from the trace's
//! events (never from the printed text). These checks fail when the program and the files
//! disagree.
//!
//! To regenerate them after changing a lesson: `BLESS=1 cargo test -p lesson-NN-topic`.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::run::lesson;
use crate::trace::{Event, Trace};

/// One output shown in the book: which command, into which file.
pub struct BookOutput {
    bin: String,
    package: String,
    args: Vec<String>,
    file: String,
    diagram: Option<String>,
    code: i32,
    keep_ports: Vec<u16>,
    parity: bool,
    replacements: Vec<(String, String)>,
}

impl BookOutput {
    /// The demo of `package` (`cargo run -p package`), into `output.txt` and `diagram.mmd`.
    pub fn new(bin: &str, package: &str) -> Self {
        BookOutput {
            bin: bin.to_string(),
            package: package.to_string(),
            args: Vec::new(),
            file: "output.txt".to_string(),
            diagram: Some("diagram.mmd".to_string()),
            code: 0,
            keep_ports: Vec::new(),
            parity: false,
            replacements: Vec::new(),
        }
    }

    /// Run with these arguments instead, into another file (and no diagram).
    pub fn variant(mut self, args: &[&str], file: &str) -> Self {
        self.args = args.iter().map(|s| s.to_string()).collect();
        self.file = file.to_string();
        self.diagram = None;
        self
    }

    /// The run is expected to end with this exit code (e.g. 1 to show an error).
    pub fn exit_code(mut self, code: i32) -> Self {
        self.code = code;
        self
    }

    /// Ports that are part of the lesson (e.g. its default port) and are not renumbered.
    pub fn keep_port(mut self, port: u16) -> Self {
        self.keep_ports.push(port);
        self
    }

    /// Renumbered ports keep their parity (an even port is shown even): for a lesson whose
    /// point is which ports are even (lesson 02's RTP pairs). The numbers then skip one now
    /// and then, and the output depends on the kernel's choice of parity for port 0 too.
    pub fn keep_parity(mut self) -> Self {
        self.parity = true;
        self
    }

    /// Show `from` as `to`: for a setting of this machine that the output mentions (a port
    /// range, say), so that the book shows the usual value and another machine still matches.
    pub fn replace(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.replacements.push((from.into(), to.into()));
        self
    }

    /// Run the lesson, and compare (or with `BLESS=1`, write) the files.
    #[track_caller]
    pub fn check(self) {
        let trace_file = tempfile::NamedTempFile::new().expect("a temporary file for the trace");
        let trace_path = trace_file.path().to_string_lossy().into_owned();
        let mut args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        if self.diagram.is_some() {
            args.extend(["--trace", trace_path.as_str()]);
        }
        let run = lesson(&self.bin).args(&args).run();
        run.code(self.code);
        let mut command = format!("$ cargo run -p {}", self.package);
        if !self.args.is_empty() {
            command.push_str(" -- ");
            command.push_str(&self.args.join(" "));
        }
        let mut printed = run.stdout.clone();
        if self.code != 0 {
            printed.push_str(&run.stderr);
        }
        for (from, to) in &self.replacements {
            printed = printed.replace(from.as_str(), to);
        }
        let text = format!(
            "{command}\n{}",
            renumber(&printed, &self.keep_ports, self.parity)
        );
        compare_or_bless(&self.file, &text);
        if let Some(file) = &self.diagram {
            let trace = Trace::read(trace_file.path());
            let mut drawn = renumbered_diagram(&trace, &printed, &self.keep_ports, self.parity);
            for (from, to) in &self.replacements {
                drawn = drawn.replace(from.as_str(), to);
            }
            compare_or_bless(file, &drawn);
        }
    }
}

fn lesson_dir() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("run this through cargo test"))
}

/// Compare `actual` with the lesson's `file` (relative to its folder), or with `BLESS=1` write
/// it: for a lesson that makes its book output itself (its own normalisation, as lesson 24's
/// pids and directory), with the same failure message as [`BookOutput::check`].
#[track_caller]
pub fn compare_or_bless(file: &str, actual: &str) {
    let path = lesson_dir().join(file);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("writing {path:?}: {e}"));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    // The kernel view exists only on Linux; elsewhere the files are compared without it.
    let comparable = |text: &str| -> String {
        if cfg!(target_os = "linux") {
            text.to_string()
        } else {
            text.lines()
                .filter(|l| !l.contains("kernel:"))
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    if comparable(&expected) != comparable(actual) {
        let diff = first_difference(&expected, actual);
        panic!(
            "\n\n{} no longer matches what the lesson prints ({diff}).\n\
             The book shows this file. If the change is intended, regenerate it with:\n    \
             BLESS=1 cargo test -p {}\n\n--- {file} ---\n{expected}\n--- the lesson now prints ---\n{actual}\n",
            path.display(),
            std::env::var("CARGO_PKG_NAME").unwrap_or_default(),
        );
    }
}

fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<_>, Vec<_>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        if e.get(i) != a.get(i) {
            return format!(
                "first at line {}: {:?} vs {:?}",
                i + 1,
                e.get(i).unwrap_or(&"(end)"),
                a.get(i).unwrap_or(&"(end)")
            );
        }
    }
    "they differ in line endings".to_string()
}

/// Ports change from run to run; the book shows them renumbered in order of appearance as
/// 40001, 40002, … so that the output is the same every time. Ports in `keep` stay.
pub fn normalize_ports(text: &str, keep: &[u16]) -> String {
    renumber(text, keep, false)
}

/// [`normalize_ports`], and with `parity` each new number is odd or even as the real port is.
fn renumber(text: &str, keep: &[u16], parity: bool) -> String {
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut last = 40_000u32;
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        out.push(c);
        i += 1;
        // A port follows ':' after an IPv4 address's last digit or an IPv6 address's ']'.
        let after_address = i >= 2 && (chars[i - 2].is_ascii_digit() || chars[i - 2] == ']');
        if c == ':' && after_address {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let port: String = chars[start..i].iter().collect();
            let keep_it = port
                .parse::<u16>()
                .map_or(true, |p| p == 0 || keep.contains(&p));
            if port.is_empty() || keep_it {
                out.push_str(&port);
            } else {
                let number = seen.entry(port.clone()).or_insert_with(|| {
                    last += 1;
                    let real: u32 = port.parse().unwrap_or(0);
                    if parity && last % 2 != real % 2 {
                        last += 1;
                    }
                    last.to_string()
                });
                out.push_str(number);
            }
        }
    }
    out
}

/// The sequence diagram of a traced run, with its ports renumbered as in the run's printed
/// output `printed` (the same ports get the same numbers as in `output.txt`).
pub fn diagram_of(trace: &Trace, printed: &str, keep_ports: &[u16]) -> String {
    renumbered_diagram(trace, printed, keep_ports, false)
}

fn renumbered_diagram(trace: &Trace, printed: &str, keep_ports: &[u16], parity: bool) -> String {
    let drawn = diagram(&trace.events);
    // Renumber the ports in order of appearance in the printed text, then in the diagram.
    const CUT: &str = "\n\u{0}diagram\u{0}\n";
    let both = renumber(&format!("{printed}{CUT}{drawn}"), keep_ports, parity);
    both.split_once(CUT)
        .map(|(_, d)| d.to_string())
        .unwrap_or(both)
}

/// A mermaid sequence diagram of a run's events: each call as a note over the side that made
/// it, and calls that put something on the wire (connect, send, shutdown, close) as arrows to
/// the other side. The kernel's state after a call is a note beside it.
pub fn diagram(events: &[Event]) -> String {
    let mut sides: Vec<String> = Vec::new();
    let mut entries: Vec<Entry> = Vec::new();
    for event in events {
        let who = event.who.as_str();
        if event.kind == "kernel" {
            let state = event.text.split_whitespace().next().unwrap_or("");
            let is_state = !state.is_empty()
                && state
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit());
            if is_state {
                entries.push(Entry::State {
                    who: who.to_string(),
                    state: state.to_string(),
                });
            }
            continue;
        }
        let result = match event.kind.as_str() {
            "call" => event.result.clone(),
            "error" => format!("error: {}", event.result),
            _ => continue,
        };
        let call = event.call.trim();
        let result = result.trim();
        if !sides.iter().any(|s| s == who) {
            sides.push(who.to_string());
        }
        let on_the_wire = ["connect", "send", "write", "shutdown", "close"]
            .iter()
            .any(|w| call.starts_with(w))
            && !call.contains("listener")
            && !result.starts_with("error")
            && !result.contains("nothing sent");
        entries.push(Entry::Call {
            who: who.to_string(),
            text: escape(&format!("{call} → {result}")),
            on_the_wire,
        });
    }
    let targets = receivers(&entries, &sides);
    let mut out = String::from("sequenceDiagram\n");
    for side in &sides {
        out.push_str(&format!("    participant {side}\n"));
    }
    for (entry, to) in entries.iter().zip(&targets) {
        let line = match (entry, to) {
            (Entry::State { who, state }, _) => format!("Note right of {who}: {state}"),
            (Entry::Call { who, text, .. }, Some(to))
                if text.contains("lost") || text.contains("dropped") =>
            {
                format!("{who}-x{to}: {text}")
            }
            (Entry::Call { who, text, .. }, Some(to)) => format!("{who}->>{to}: {text}"),
            (Entry::Call { who, text, .. }, None) => format!("Note over {who}: {text}"),
        };
        out.push_str("    ");
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Whom each call on the wire goes to (by index into `entries`): a participant the call names
/// (`send_to(bob…)`); for bytes, the side that receives them next (matched by their `b"…"`);
/// for a close, the side this one last exchanged bytes with; else the other one of two
/// talkers, or the server for a side that connected to it. Otherwise no arrow: a note.
fn receivers<'a>(entries: &'a [Entry], sides: &'a [String]) -> Vec<Option<&'a str>> {
    let calls: Vec<Option<(&str, &str, &str, bool)>> = entries
        .iter()
        .map(|e| match e {
            Entry::Call {
                who,
                text,
                on_the_wire,
            } => {
                let (call, result) = text.split_once(" → ").unwrap_or((text, ""));
                Some((who.as_str(), call, result, *on_the_wire))
            }
            Entry::State { .. } => None,
        })
        .collect();
    let talkers: Vec<&str> = sides
        .iter()
        .map(String::as_str)
        .filter(|s| calls.iter().flatten().any(|c| c.3 && c.0 == *s))
        .collect();
    let connected: Vec<&str> = calls
        .iter()
        .flatten()
        .filter(|c| c.1.starts_with("connect") || c.1.starts_with("send_to"))
        .map(|c| c.0)
        .collect();
    let is_recv = |call: &str| call.starts_with("recv") || call.starts_with("read");
    let matches = |a: &str, b: &str| a.contains(b) || b.contains(a);
    let mut partner: Vec<(&str, &str)> = Vec::new();
    let set_partner = |a: &'a str, b: &'a str, partner: &mut Vec<(&'a str, &'a str)>| {
        partner.retain(|(x, _)| *x != a);
        partner.push((a, b));
    };
    let mut out = Vec::with_capacity(entries.len());
    for (i, call) in calls.iter().enumerate() {
        let Some((who, call, result, on_the_wire)) = *call else {
            out.push(None);
            continue;
        };
        // A receive tells whom this side talks with now.
        if is_recv(call) {
            if let Some(bytes) = literal(result) {
                let sender = calls[..i].iter().rev().flatten().find(|c| {
                    c.0 != who && !is_recv(c.1) && literal(c.1).is_some_and(|b| matches(b, bytes))
                });
                if let Some(sender) = sender {
                    set_partner(who, sender.0, &mut partner);
                }
            }
        }
        if !on_the_wire {
            out.push(None);
            continue;
        }
        let named = sides.iter().map(String::as_str).find(|s| {
            *s != who
                && call
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-')
                    .any(|word| word == *s)
        });
        // The side that receives exactly these bytes next, or else the next that receives
        // them as part of more (a relay adds a prefix) or in pieces.
        let receiving = |exact: bool| {
            literal(call).and_then(|bytes| {
                calls[i + 1..].iter().flatten().find(|c| {
                    c.0 != who
                        && is_recv(c.1)
                        && literal(c.2).is_some_and(|b| {
                            if exact {
                                b == bytes
                            } else {
                                matches(b, bytes)
                            }
                        })
                })
            })
        };
        let by_bytes = receiving(true).or_else(|| receiving(false));
        let last = partner.iter().find(|(x, _)| *x == who).map(|(_, y)| *y);
        let two = (talkers.len() == 2 && talkers.contains(&who))
            .then(|| talkers.iter().copied().find(|t| *t != who))
            .flatten();
        let server = connected
            .contains(&who)
            .then(|| {
                sides
                    .iter()
                    .map(String::as_str)
                    .find(|s| *s == "server" && who != "server")
            })
            .flatten();
        let to = named.or(by_bytes.map(|c| c.0)).or(last).or(two).or(server);
        if let Some(to) = to {
            set_partner(who, to, &mut partner);
        }
        out.push(to);
    }
    out
}

/// The first `b"…"` literal in a text (at least 3 bytes, to be worth matching).
fn literal(text: &str) -> Option<&str> {
    let start = text.find("b\"")? + 2;
    let end = text[start..].find('"')? + start;
    Some(&text[start..end]).filter(|l| l.len() >= 3)
}

/// One line of the diagram.
enum Entry {
    /// A call, and whether it puts something on the wire.
    Call {
        who: String,
        text: String,
        on_the_wire: bool,
    },
    /// The kernel's state for that side's socket after its last call.
    State { who: String, state: String },
}

/// Mermaid reads `;` and `#` itself, and `<` `>` as HTML: write them as entity codes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#60;"),
            '>' => out.push_str("#62;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Events for a test: `(who, kind, call, result or text)`.
    fn events(list: &[(&str, &str, &str, &str)]) -> Vec<Event> {
        list.iter()
            .map(|(who, kind, call, result)| Event {
                who: who.to_string(),
                kind: kind.to_string(),
                call: call.to_string(),
                result: if *kind == "kernel" {
                    String::new()
                } else {
                    result.to_string()
                },
                text: if *kind == "kernel" {
                    result.to_string()
                } else {
                    String::new()
                },
                ..Event::default()
            })
            .collect()
    }

    #[test]
    fn ports_are_renumbered_in_order() {
        let text = "listening on 127.0.0.1:51234\nclient  connect(127.0.0.1:51234) -> ok, from 127.0.0.1:60001\n[::1]:51234 and :7001";
        let out = normalize_ports(text, &[7001]);
        assert_eq!(out, "listening on 127.0.0.1:40001\nclient  connect(127.0.0.1:40001) -> ok, from 127.0.0.1:40002\n[::1]:40001 and :7001");
    }

    #[test]
    fn ports_can_keep_their_parity() {
        let text = "bind 127.0.0.1:51001, 127.0.0.1:20000 127.0.0.1:20001 127.0.0.1:20002";
        let out = renumber(text, &[], true);
        assert_eq!(
            out,
            "bind 127.0.0.1:40001, 127.0.0.1:40002 127.0.0.1:40003 127.0.0.1:40004"
        );
        let out = renumber("127.0.0.1:51001 127.0.0.1:51003 127.0.0.1:20000", &[], true);
        assert_eq!(out, "127.0.0.1:40001 127.0.0.1:40003 127.0.0.1:40004");
        let out = renumber("127.0.0.1:51002 127.0.0.1:51002 127.0.0.1:20001", &[], true);
        assert_eq!(out, "127.0.0.1:40002 127.0.0.1:40002 127.0.0.1:40003");
    }

    #[test]
    fn diagrams_draw_calls_and_arrows() {
        let d = diagram(&events(&[
            ("server", "call", "listen(backlog=128)", "ok"),
            (
                "server",
                "kernel",
                "",
                "LISTEN 127.0.0.1:40001, accept queue 0",
            ),
            ("client", "call", "connect(127.0.0.1:40001)", "ok"),
            ("client", "call", "send(b\"hi\")", "2 bytes"),
            ("server", "call", "send(b\"HI\")", "2 bytes"),
        ]));
        assert!(
            d.contains("participant server\n    participant client"),
            "{d}"
        );
        assert!(
            d.contains("Note over server: listen(backlog=128) → ok"),
            "{d}"
        );
        assert!(d.contains("Note right of server: LISTEN"), "{d}");
        assert!(
            d.contains("client->>server: connect(127.0.0.1:40001) → ok"),
            "{d}"
        );
        assert!(
            d.contains("server->>client: send(b\"HI\") → 2 bytes"),
            "{d}"
        );
    }

    #[test]
    fn mermaid_specials_are_escaped_once() {
        assert_eq!(escape("a#b;c<d>"), "a#35;b#59;c#60;d#62;");
    }

    #[test]
    fn diagrams_with_many_sides_draw_arrows_to_whom_a_call_names_or_the_server() {
        let d = diagram(&events(&[
            ("server", "call", "bind(127.0.0.1:0)", "ok"),
            ("alice", "call", "send_to(server)", "5 bytes"),
            ("bob", "call", "send_to(server)", "lost (simulated)"),
            ("server", "call", "send_to(bob, b\"x\")", "1 bytes"),
            ("alice", "call", "connect(server)", "ok, nothing sent"),
        ]));
        assert!(
            d.contains("alice->>server: send_to(server) → 5 bytes"),
            "{d}"
        );
        assert!(
            d.contains("bob-xserver: send_to(server) → lost (simulated)"),
            "{d}"
        );
        assert!(
            d.contains("server->>bob: send_to(bob, b\"x\") → 1 bytes"),
            "{d}"
        );
        assert!(
            d.contains("Note over alice: connect(server) → ok, nothing sent"),
            "{d}"
        );
    }
}
