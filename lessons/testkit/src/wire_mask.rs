//! The wire view's output (`--wire`), checked for what does not change from run to run.
//!
//! A wire line such as
//!
//! ```text
//! wire     +0.015ms  server:40001 > client:40002  [S.]  seq 0  ack 1  win 65483  mss 65495 ...
//! ```
//!
//! holds numbers that change every run (the time since the segment before, windows, port
//! numbers) and segments that come or go with the kernel's timers (an ACK that carries nothing
//! may go alone, 40 ms later, or ride on the next data). What stays is the sequence of
//! directions, flags and payload sizes, and a window of 0. This module reduces a capture to
//! that, runs a lesson with `--wire` (saying so visibly when this machine refuses the network
//! namespace, and failing under `CI=true`), and compares the book's copy of a capture.
//!
//! ```ignore
//! use testkit::wire_mask::{assert_segments, check_wire_output, wire_run};
//! let Some(run) = wire_run(BIN, &["--wire"]) else { return };  // refused: said on stderr
//! assert_segments(&run, &["client > server [S]", "server > client [S.]", ...]);
//! check_wire_output(&run, "$ cargo run -p lesson-05-connect -- --wire", "output-wire.txt", false);
//! ```

use std::fmt;

use crate::{lesson, normalize_ports, Run};

/// One wire line, reduced to what does not change from run to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// `client > server` (roles without ports; an address without a role stays as it is).
    pub way: String,
    /// `[S.]`, `UDP`, `ICMP port unreachable`
    pub kind: String,
    /// Payload bytes.
    pub len: usize,
    /// The relative sequence number, for TCP.
    pub seq: Option<u64>,
    /// The window announced, in bytes (TCP).
    pub win: Option<u64>,
    /// A window of 0 announced (a RST's window means nothing and does not count).
    pub zero_window: bool,
    /// Milliseconds since the segment before it.
    pub gap_ms: f64,
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.way, self.kind)?;
        if self.len > 0 {
            write!(f, " len {}", self.len)?;
        }
        if self.zero_window {
            write!(f, " win 0")?;
        }
        Ok(())
    }
}

/// The role in `client:40002` (`client`), or an address as it is.
fn role(end: &str) -> &str {
    match end.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) && !name.contains('.') => {
            name
        }
        _ => end,
    }
}

/// A wire line's segment, or `None` for any other line.
pub fn parse_wire(line: &str) -> Option<Segment> {
    let rest = line.strip_prefix("wire")?.trim_start();
    let (time, rest) = rest.split_once("  ")?;
    let gap_ms = time
        .trim_start_matches('+')
        .trim_end_matches("ms")
        .parse()
        .ok()?;
    let rest = rest.trim_start();
    let (from, rest) = rest.split_once(" > ")?;
    let (to, rest) = rest.split_once("  ")?;
    let words: Vec<&str> = rest.split_whitespace().collect();
    let after = |key: &str| {
        words
            .iter()
            .position(|w| *w == key)
            .and_then(|i| words.get(i + 1))
            .and_then(|w| w.trim_end_matches(',').parse::<u64>().ok())
    };
    let kind = if rest.starts_with("ICMP") {
        rest.split(',').next().unwrap_or(rest).to_string()
    } else {
        words.first()?.to_string()
    };
    Some(Segment {
        way: format!("{} > {}", role(from), role(to)),
        kind,
        len: after("len").unwrap_or(0) as usize,
        seq: after("seq"),
        win: after("win"),
        zero_window: after("win") == Some(0) && !rest.contains("[R"),
        gap_ms,
    })
}

/// The segments of an output, in order.
pub fn segments(stdout: &str) -> Vec<Segment> {
    stdout.lines().filter_map(parse_wire).collect()
}

/// Leave out what depends on timing rather than on the calls, and show the rest one per line:
/// retransmissions (the same data again: a tail loss probe, RFC 8985), and ACKs that carry
/// nothing else. Whether an ACK goes alone at once, alone 40 ms later, or rides on the next
/// data is the kernel's choice of the moment (delayed ACK, RFC 1122 4.2.3.2); on a busy machine
/// it changes. The handshake's third segment, an ACK of its own, stays.
pub fn shown(segments: &[Segment]) -> String {
    let mut seen = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for s in segments {
        if s.len > 0 && s.seq.is_some() {
            let key = (s.way.clone(), s.seq, s.len);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
        }
        out.push(s.to_string());
    }
    essential(&out)
}

/// Drop the lines of ACKs that carry nothing, except the one that ends a handshake.
pub fn essential<S: AsRef<str>>(lines: &[S]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in lines.iter().map(AsRef::as_ref) {
        let pure_ack = line.ends_with(" [.]");
        let ends_handshake = out.last().is_some_and(|l| l.ends_with("[S.]"));
        if !pure_ack || ends_handshake {
            out.push(line);
        }
    }
    out.join("\n")
}

/// The run's segments are these (`client > server [P.] len 6`, one per segment; ACKs that
/// carry nothing are left out on both sides, but the handshake's).
#[track_caller]
pub fn assert_segments(run: &Run, expected: &[&str]) {
    let actual = shown(&segments(&run.stdout));
    if actual != essential(expected) {
        crate::fail(
            "the segments on the wire are not the expected ones (ACKs that carry nothing \
             aside, but the handshake's)",
            &essential(expected),
            &format!("{actual}\n\n--- the whole output ---\n{}", run.stdout),
        );
    }
}

/// The capture lost nothing: what it saw is what the kernel counted as sent.
#[track_caller]
pub fn assert_counts_agree(run: &Run) {
    let summary = run
        .stdout
        .lines()
        .find(|l| l.starts_with("wire    -- captured"))
        .unwrap_or_else(|| panic!("no capture summary:\n{}", run.stdout));
    let numbers: Vec<u64> = summary
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    // captured TCP, captured UDP, kernel TCP, kernel UDP, lost
    assert!(
        numbers.len() == 5
            && numbers[0] == numbers[2]
            && numbers[1] == numbers[3]
            && numbers[4] == 0,
        "the capture and the kernel's counters disagree: {summary}"
    );
}

/// Run a lesson with the wire view on (pass `--wire` in `args`, unless the lesson shows it by
/// itself), check that it succeeded and that the capture lost nothing. `None`, said visibly on
/// stderr, if this machine refused the network namespace; under `CI=true` that fails instead.
#[track_caller]
pub fn wire_run(bin: &str, args: &[&str]) -> Option<Run> {
    let run = lesson(bin).args(args).run();
    run.success();
    if run.stderr.contains("the wire view is off") {
        let why = run.stderr.lines().next().unwrap_or_default().to_string();
        let what = format!(
            "{} {}",
            bin.rsplit('/').next().unwrap_or(bin),
            args.join(" ")
        );
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!(
                "CI must be able to run the wire view ({what}), and: {why}\n{}",
                run.stderr
            );
        }
        eprintln!("\n*** NOT CHECKED on this machine ({what}): {why}\n");
        return None;
    }
    assert_counts_agree(&run);
    Some(run)
}

/// An output as the book shows it: the command line, then stdout with its ports renumbered as
/// in every lesson's output, those in wire lines (`client:51234`) included, so that
/// `client:40002` in a wire line is the 127.0.0.1:40002 of the narration.
pub fn wire_book_text(command: &str, stdout: &str) -> String {
    let mut marked = stdout.to_string();
    let mut names: Vec<String> = segments(stdout)
        .iter()
        .flat_map(|s| {
            s.way
                .split(" > ")
                .map(str::to_string)
                .collect::<Vec<String>>()
        })
        .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        marked = marked.replace(&format!("{name}:"), &format!("{name}\u{1}0:"));
    }
    let renumbered = normalize_ports(&marked, &[]).replace("\u{1}0:", ":");
    format!("{command}\n{renumbered}")
}

/// What must stay the same from run to run: the narration (ports renumbered) and, for the
/// wire lines, direction, flags, payload sizes and zero windows, without ACKs that carry
/// nothing; the counts line as a placeholder (that it matches the kernel is checked on every
/// run: [`wire_run`]). `timing_dependent`: an exchange whose segments depend on timers and
/// buffer sizes (a window filling up); its wire lines are left out, and so are the sizes of
/// sends and receives.
pub fn masked(text: &str, timing_dependent: bool) -> String {
    let mut wire = Vec::new();
    let mut out = Vec::new();
    for line in text.lines().chain(std::iter::once("")) {
        match parse_wire(line) {
            Some(segment) => wire.push(segment),
            None => {
                let segments = shown(&wire);
                if !segments.is_empty() && !timing_dependent {
                    out.push(segments);
                }
                wire.clear();
                if line.starts_with("wire    -- captured") {
                    out.push("wire    -- captured (the counts)".to_string());
                    continue;
                }
                // How much one send or recv moves depends on the machine's buffers.
                let sized = line.starts_with("client  send(") || line.starts_with("server  recv(");
                if !(timing_dependent && sized) {
                    out.push(line.to_string());
                }
            }
        }
    }
    out.join("\n")
}

/// The book-output test of a lesson's wire view: run `bin --wire` (see [`wire_run`]) and
/// compare its `output-wire.txt` (see [`check_wire_output`]), shown as run by
/// `cargo run -p PACKAGE -- --wire`, PACKAGE being the lesson's (the test's own package).
#[track_caller]
pub fn check_book_wire(bin: &str, timing_dependent: bool) {
    let package = std::env::var("CARGO_PKG_NAME").expect("run this through cargo test");
    let command = format!("$ cargo run -p {package} -- --wire");
    let Some(run) = wire_run(bin, &["--wire"]) else {
        return;
    };
    check_wire_output(&run, &command, "output-wire.txt", timing_dependent);
}

/// Compare the book's copy of a capture (`file`, in the lesson's folder) with this run, masked
/// (see [`masked`]); with `BLESS=1`, write it. Returns the file's text as it now stands.
#[track_caller]
pub fn check_wire_output(run: &Run, command: &str, file: &str, timing_dependent: bool) -> String {
    let text = wire_book_text(command, &run.stdout);
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("run this through cargo test");
    let path = std::path::Path::new(&dir).join(file);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("writing {path:?}: {e}"));
        return text;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    let (before, now) = (
        masked(&expected, timing_dependent),
        masked(&text, timing_dependent),
    );
    if before != now {
        panic!(
            "\n{file} no longer matches what the lesson prints (times, sequence numbers, \
             windows, ports and ACKs that carry nothing aside). If the change is intended: \
             BLESS=1 cargo test -p {}\n--- {file}, compared ---\n{before}\n--- now ---\n{now}\n",
            std::env::var("CARGO_PKG_NAME").unwrap_or_default(),
        );
    }
    expected
}
