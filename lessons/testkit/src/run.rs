//! Running a lesson's binary: once to completion, or as a server in the background.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use predicates::prelude::*;
use predicates::str::contains;

use crate::{fail, timeout};

/// A lesson's binary with its arguments, ready to run.
pub struct Cmd {
    bin: String,
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
}

/// Start describing a run of a lesson's binary (pass `env!("CARGO_BIN_EXE_lesson-…")`).
pub fn lesson(bin: &str) -> Cmd {
    Cmd {
        bin: bin.to_string(),
        args: Vec::new(),
        stdin: None,
    }
}

impl Cmd {
    /// Add arguments.
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|s| s.to_string()));
        self
    }

    /// Bytes to write to the program's standard input (then it is closed).
    pub fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = Some(bytes.to_vec());
        self
    }

    /// A client run against a server: adds `client --addr ADDR`.
    pub fn client(self, addr: SocketAddr) -> Self {
        let addr = addr.to_string();
        self.args(&["client", "--addr", &addr])
    }

    /// Run to completion (or until the timeout, when it is killed), through assert_cmd.
    pub fn run(self) -> Run {
        let shown = self.shown();
        let mut cmd = assert_cmd::Command::new(&self.bin);
        cmd.env("RUST_BACKTRACE", "0")
            .args(&self.args)
            .write_stdin(self.stdin.clone().unwrap_or_default())
            .timeout(timeout());
        let began = Instant::now();
        let output = cmd
            .output()
            .unwrap_or_else(|e| panic!("could not run {shown}: {e}"));
        // assert_cmd kills a run at the timeout: it then has no exit code.
        let timed_out = output.status.code().is_none() && began.elapsed() >= timeout();
        Run {
            shown,
            code: output.status.code(),
            stdout: text_lines(&output.stdout),
            stderr: text_lines(&output.stderr),
            timed_out,
        }
    }

    /// Run the demo (or whatever the arguments say) with `--trace` into a temporary file, and
    /// read the trace back: see [`crate::trace`].
    pub fn traced(self) -> (Run, crate::Trace) {
        let file = tempfile::NamedTempFile::new().expect("a temporary file for the trace");
        let path = file.path().to_string_lossy().into_owned();
        let run = self.args(&["--trace", &path]).run();
        let trace = crate::Trace::read(file.path());
        (run, trace)
    }

    /// Start as a server (adding `server --addr 127.0.0.1:0` unless an address is given) and
    /// wait for its `listening on HOST:PORT` line.
    pub fn server(mut self) -> Server {
        if !self.args.iter().any(|a| a == "server") {
            self.args.insert(0, "server".into());
        }
        if !self.args.iter().any(|a| a == "--addr") {
            self.args.extend(["--addr".into(), "127.0.0.1:0".into()]);
        }
        Server::spawn(self)
    }

    fn shown(&self) -> String {
        let name = std::path::Path::new(&self.bin)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("{} {}", name, self.args.join(" "))
            .trim_end()
            .to_string()
    }
}

/// Read a pipe to its end on a thread; the receiver gets each line as it comes.
fn collect(pipe: impl Read + Send + 'static) -> (Receiver<String>, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&line);
                    if tx
                        .send(text.trim_end_matches(['\n', '\r']).to_string())
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
    });
    (rx, handle)
}

/// Drain a line receiver until it closes or the deadline passes; true if it closed.
fn drain(rx: &Receiver<String>, into: &mut Vec<String>, deadline: Instant) -> bool {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => into.push(line),
            Err(RecvTimeoutError::Disconnected) => return true,
            Err(RecvTimeoutError::Timeout) => return false,
        }
    }
}

type Pipe = (Receiver<String>, JoinHandle<()>);

fn finish(mut child: Child, shown: String, out: Pipe, err: Pipe, deadline: Instant) -> Run {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let closed = drain(&out.0, &mut stdout, deadline) && drain(&err.0, &mut stderr, deadline);
    let timed_out = !closed;
    if timed_out {
        let _ = child.kill();
    }
    let status = child.wait().ok();
    // After a kill, whatever is left in the pipes arrives at once.
    let grace = Instant::now() + std::time::Duration::from_secs(2);
    drain(&out.0, &mut stdout, grace);
    drain(&err.0, &mut stderr, grace);
    Run {
        shown,
        code: if timed_out {
            None
        } else {
            status.and_then(|s| s.code())
        },
        stdout: join_lines(&stdout),
        stderr: join_lines(&stderr),
        timed_out,
    }
}

/// Output as lines, each ending in `\n` (a `\r` before it dropped), as a Server's are read.
fn text_lines(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect();
    join_lines(&lines)
}

fn join_lines(lines: &[String]) -> String {
    let mut text = lines.join("\n");
    if !text.is_empty() {
        text.push('\n');
    }
    text
}

/// What a finished run printed, and how it ended.
#[derive(Debug, Clone)]
pub struct Run {
    /// The command, for messages.
    pub shown: String,
    /// The exit code (`None` if it timed out or was killed by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// It was still running at the timeout, and was killed.
    pub timed_out: bool,
}

impl Run {
    /// Everything about the run, for a failure message.
    pub fn transcript(&self) -> String {
        let ended = if self.timed_out {
            format!("still running after {} s: killed", timeout().as_secs())
        } else {
            match self.code {
                Some(code) => format!("exit code {code}"),
                None => "killed by a signal".to_string(),
            }
        };
        format!(
            "$ {}\n{}--- stderr ---\n{}--- {} ---",
            self.shown, self.stdout, self.stderr, ended
        )
    }

    /// It crashed or hung: say so plainly (an unfinished `todo!()` above all).
    pub(crate) fn explain_abnormal_end(&self) -> Option<String> {
        if self.stderr.contains("not yet implemented") {
            // todo!() panics with "not yet implemented"; say where, in the learner's words.
            let place = self
                .stderr
                .lines()
                .find_map(|l| l.split_once("panicked at ").map(|(_, at)| at))
                .unwrap_or("")
                .trim()
                .trim_end_matches(':')
                .to_string();
            return Some(format!(
                "The program reached a todo!() that is not written yet, at {place}."
            ));
        }
        if self.stderr.contains("panicked at") {
            return Some("The program panicked: a lesson must report errors, not panic.".into());
        }
        if self.timed_out {
            return Some(format!(
                "The program did not finish within {} s: something waits for bytes that never \
                 come (a missing send, a recv that should have stopped at end of stream, a \
                 socket never closed?).",
                timeout().as_secs()
            ));
        }
        None
    }

    /// It exited with code 0, without panicking or hanging.
    #[track_caller]
    pub fn success(&self) -> &Self {
        if self.code != Some(0) {
            let why = self
                .explain_abnormal_end()
                .unwrap_or_else(|| "The program should have exited with code 0.".into());
            fail(
                &why,
                "(a complete exchange, exit code 0)",
                &self.transcript(),
            );
        }
        self
    }

    /// It exited with this code, without panicking or hanging.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        if self.code != Some(code) {
            let why = self
                .explain_abnormal_end()
                .unwrap_or_else(|| format!("The program should have exited with code {code}."));
            fail(&why, &format!("(exit code {code})"), &self.transcript());
        }
        self
    }

    /// It failed cleanly: exit code 1, an `error: …` line on stderr, no panic.
    #[track_caller]
    pub fn clean_failure(&self) -> &Self {
        self.code(1);
        if !self.stderr.contains("error: ") {
            fail(
                "The program failed without saying why on stderr.",
                "error: <call>: <reason> — <hint>",
                &self.transcript(),
            );
        }
        self
    }

    /// These lines appear in stdout in this order (each is matched as part of a line; other
    /// lines may come between them).
    #[track_caller]
    pub fn lines_in_order(&self, expected: &[&str]) -> &Self {
        check_in_order(&self.stdout, expected, self);
        self
    }

    /// stdout has a line containing this text.
    #[track_caller]
    pub fn stdout_has(&self, text: &str) -> &Self {
        self.lines_in_order(&[text])
    }

    /// stderr contains this text.
    #[track_caller]
    pub fn stderr_has(&self, text: &str) -> &Self {
        if !contains(text).eval(&self.stderr) {
            fail(
                &format!("stderr should contain {text:?}."),
                text,
                &self.transcript(),
            );
        }
        self
    }

    /// stdout has no line containing this text.
    #[track_caller]
    pub fn stdout_lacks(&self, text: &str) -> &Self {
        self.stdout_matches(contains(text).not())
    }

    /// stdout satisfies a predicate (`predicates::str::contains(…)`, `…::is_match(…)`, …).
    #[track_caller]
    pub fn stdout_matches(&self, predicate: impl Predicate<str>) -> &Self {
        if !predicate.eval(&self.stdout) {
            fail(
                &format!("stdout should satisfy: {predicate}."),
                &predicate.to_string(),
                &self.transcript(),
            );
        }
        self
    }

    /// stderr satisfies a predicate.
    #[track_caller]
    pub fn stderr_matches(&self, predicate: impl Predicate<str>) -> &Self {
        if !predicate.eval(&self.stderr) {
            fail(
                &format!("stderr should satisfy: {predicate}."),
                &predicate.to_string(),
                &self.transcript(),
            );
        }
        self
    }
}

#[track_caller]
fn check_in_order(stdout: &str, expected: &[&str], run: &Run) {
    let lines: Vec<&str> = stdout.lines().collect();
    let mut at = 0;
    for (i, want) in expected.iter().enumerate() {
        match lines[at..].iter().position(|l| l.contains(want)) {
            Some(found) => at += found + 1,
            None => {
                let why = run.explain_abnormal_end().unwrap_or_else(|| {
                    format!(
                        "Line {} of the expected exchange is missing: {want:?}",
                        i + 1
                    )
                });
                let expected_text = expected
                    .iter()
                    .enumerate()
                    .map(|(j, l)| format!("{} {l}", if j == i { ">>" } else { "  " }))
                    .collect::<Vec<_>>()
                    .join("\n");
                fail(&why, &expected_text, &run.transcript());
            }
        }
    }
}

/// A lesson's server, running in the background.
pub struct Server {
    child: Option<Child>,
    shown: String,
    /// Where it listens (from its readiness line).
    pub addr: SocketAddr,
    stdin: Option<ChildStdin>,
    out: Option<Pipe>,
    err: Option<Pipe>,
    seen: Vec<String>,
}

impl Server {
    /// Start `bin server --addr 127.0.0.1:0 <args>` and wait for its readiness line.
    pub fn start(bin: &str, args: &[&str]) -> Server {
        lesson(bin).args(args).server()
    }

    fn spawn(cmd: Cmd) -> Server {
        let shown = cmd.shown();
        let mut child = Command::new(&cmd.bin)
            .env("RUST_BACKTRACE", "0")
            .args(&cmd.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {shown}: {e}"));
        let mut stdin = child.stdin.take();
        if let (Some(input), Some(pipe)) = (&cmd.stdin, stdin.as_mut()) {
            let _ = pipe.write_all(input);
        }
        let out = collect(child.stdout.take().unwrap());
        let err = collect(child.stderr.take().unwrap());
        let mut server = Server {
            child: Some(child),
            shown,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stdin,
            out: Some(out),
            err: Some(err),
            seen: Vec::new(),
        };
        let line = server.wait_for("listening on ");
        let addr = line.trim_start_matches("listening on ").trim();
        server.addr = addr.parse().unwrap_or_else(|_| {
            let run = server.stop();
            fail(
                "The server's first line should be `listening on HOST:PORT`.",
                "listening on 127.0.0.1:<port>",
                &run.transcript(),
            )
        });
        server
    }

    /// Start a server, run `body` against it, then wait for the server to exit. If `body`
    /// fails because the server crashed (an unfinished `todo!()`, say), the failure says so and
    /// shows the server's transcript, rather than only "the peer closed the connection".
    pub fn run_with(bin: &str, args: &[&str], body: impl FnOnce(&mut Server)) -> Run {
        let mut server = Server::start(bin, args);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&mut server)));
        let payload = match outcome {
            Ok(()) => return server.finish(),
            Err(payload) => payload,
        };
        let run = server.stop();
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        match run.explain_abnormal_end() {
            Some(why) if run.stderr.contains("panicked") => panic!(
                "\n\n{why}\n{message}\n\n--- the server's transcript ---\n{}\n",
                run.transcript()
            ),
            _ => std::panic::resume_unwind(payload),
        }
    }

    /// Write to the server's standard input (for step mode).
    pub fn write_stdin(&mut self, bytes: &[u8]) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = stdin.write_all(bytes);
            let _ = stdin.flush();
        }
    }

    /// Close the server's standard input.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Wait (up to the timeout) for a stdout line containing `text`; return it.
    #[track_caller]
    pub fn wait_for(&mut self, text: &str) -> String {
        self.wait_for_matching(&format!("a line containing {text:?}"), |line| {
            line.contains(text)
        })
    }

    /// Wait (up to the timeout) for a stdout line for which `test` is true; return it.
    /// `what` says which line, for the failure report ("a line naming accept and EMFILE").
    #[track_caller]
    pub fn wait_for_line(&mut self, what: &str, test: impl Fn(&str) -> bool) -> String {
        self.wait_for_matching(what, test)
    }

    #[track_caller]
    fn wait_for_matching(&mut self, shown: &str, test: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let next = self.out.as_ref().map(|o| o.0.recv_timeout(left));
            match next {
                Some(Ok(line)) => {
                    self.seen.push(line.clone());
                    if test(&line) {
                        return line;
                    }
                }
                _ => {
                    let run = self.stop();
                    let why = run
                        .explain_abnormal_end()
                        .unwrap_or_else(|| format!("The server never printed {shown}."));
                    fail(&why, shown, &run.transcript());
                }
            }
        }
    }

    /// Wait (up to the timeout) until the server's trace (it was started with `--trace` and
    /// [`crate::TraceFile::path`]) passes `test`; return the trace. It is read now, then again
    /// after each line the server prints: the narrator records an event before it prints its
    /// line, so this waits for what happened, without sleeping and without the wording. (Bytes
    /// recorded without a line of their own are seen with the next line printed.)
    #[track_caller]
    pub fn wait_for_trace(
        &mut self,
        trace: &crate::TraceFile,
        test: impl Fn(&crate::Trace) -> bool,
    ) -> crate::Trace {
        let deadline = Instant::now() + timeout();
        loop {
            // Whole lines only: the server may be writing the next one.
            let text = std::fs::read_to_string(trace.path()).unwrap_or_default();
            let whole = text.rfind('\n').map_or("", |end| &text[..=end]);
            let now = crate::Trace::parse(whole);
            if test(&now) {
                return now;
            }
            if Instant::now() > deadline {
                let run = self.stop();
                let why = "The server's trace never showed what the test waited for.";
                fail(
                    why,
                    "(an event the test was waiting for)",
                    &run.transcript(),
                );
            }
            self.wait_for_line("another line (the trace is read after each)", |_| true);
        }
    }

    /// How many stdout lines the server has printed so far (without waiting for more).
    pub fn lines_so_far(&mut self) -> usize {
        if let Some(out) = self.out.as_ref() {
            while let Ok(line) = out.0.try_recv() {
                self.seen.push(line);
            }
        }
        self.seen.len()
    }

    /// The server's process id (to signal it, limit it, or read /proc/PID).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// It has not exited (yet).
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Wait for the server to exit by itself; return its whole transcript.
    pub fn finish(mut self) -> Run {
        self.stdin = None;
        let deadline = Instant::now() + timeout();
        self.end(deadline)
    }

    /// Stop a server that would run forever; return its transcript so far.
    pub fn stop(&mut self) -> Run {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
        }
        // Once killed, its pipes close at once; what it printed is still there to read.
        self.end(Instant::now() + std::time::Duration::from_secs(2))
    }

    fn end(&mut self, deadline: Instant) -> Run {
        let child = self.child.take().expect("the server was already stopped");
        let (out, err) = (self.out.take().unwrap(), self.err.take().unwrap());
        let mut run = finish(child, self.shown.clone(), out, err, deadline);
        let mut stdout = join_lines(&self.seen);
        stdout.push_str(&run.stdout);
        run.stdout = stdout;
        run
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
