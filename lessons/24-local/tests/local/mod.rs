//! A lesson-24 server on a path of its own (testkit's `Server` reads `listening on HOST:PORT`;
//! this one's readiness line names a path), and a client that speaks raw bytes to it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};

pub const BIN: &str = env!("CARGO_BIN_EXE_lesson-24-local");

/// A running server, in a temporary directory of its own (removed at the end).
pub struct LocalServer {
    pub child: Child,
    pub path: PathBuf,
    pub lines: Receiver<String>,
    pub dir: tempfile::TempDir,
}

impl LocalServer {
    /// `server --path DIR/echo.sock EXTRA…`, once it has printed `listening on DIR/echo.sock`.
    pub fn start(extra: &[&str]) -> LocalServer {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("echo.sock");
        LocalServer::start_at(dir, path, extra)
    }

    pub fn start_at(dir: tempfile::TempDir, path: PathBuf, extra: &[&str]) -> LocalServer {
        let mut child = Command::new(BIN)
            .args(["server", "--path", path.to_str().unwrap()])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server");
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut server = LocalServer {
            child,
            path,
            lines,
            dir,
        };
        let first = server.next_line();
        assert_eq!(first, format!("listening on {}", server.path.display()));
        server
    }

    /// The server's next stdout line, within testkit's timeout.
    pub fn next_line(&mut self) -> String {
        match self.lines.recv_timeout(testkit::timeout()) {
            Ok(line) => line,
            Err(_) => {
                let _ = self.child.kill();
                let mut err = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("the server printed no line in time; stderr: {err}");
            }
        }
    }

    /// A raw client, with timeouts both ways.
    pub fn connect(&self) -> UnixStream {
        let conn = UnixStream::connect(&self.path).expect("connect() to the server");
        conn.set_read_timeout(Some(testkit::timeout())).unwrap();
        conn.set_write_timeout(Some(testkit::timeout())).unwrap();
        conn
    }

    /// A normal client: one line in, the same line back.
    pub fn echo(&self, line: &[u8]) {
        let mut conn = self.connect();
        conn.write_all(line).expect("send()");
        let mut back = vec![0u8; line.len()];
        conn.read_exact(&mut back).expect("the echo");
        assert_eq!(back, line);
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
