//! Helpers for the lessons' tests. They read like the protocol:
//!
//! ```no_run
//! # let bin = "";
//! use testkit::{Conn, Server};
//! let server = Server::start(bin, &[]);           // waits for `listening on HOST:PORT`
//! let mut conn = Conn::open(server.addr);
//! conn.send(b"hello\n");
//! conn.expect(b"HELLO\n");
//! conn.expect_eof();
//! server.finish().success();
//! ```
//!
//! The rules they keep: no fixed ports (servers get `--addr 127.0.0.1:0` and we read the port
//! from their readiness line), no sleeping (we wait for lines and bytes, never for time), and
//! every wait has a timeout, so a broken lesson fails in seconds instead of hanging the run.

mod book;
mod conn;
pub mod hostile;
mod run;

pub use book::{diagram, normalize_ports, BookOutput};
pub use conn::Conn;
pub use run::{lesson, Cmd, Run, Server};

use std::time::Duration;

pub mod wire_mask;

/// How long any single wait may take: a readiness line, a reply, a process's exit.
/// `LESSON_TEST_TIMEOUT=30` (seconds) gives a slow machine more time.
pub fn timeout() -> Duration {
    let secs = std::env::var("LESSON_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    Duration::from_secs(secs)
}

/// The exercise hint of the lesson under test (its `hint.md`), to print when a check fails.
pub(crate) fn hint() -> Option<String> {
    let dir = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    let text = std::fs::read_to_string(std::path::Path::new(&dir).join("hint.md")).ok()?;
    Some(text.trim().to_string())
}

/// Fail a test with a message a learner can act on (lessons' own checks use it too): what should have happened, what did,
/// and the lesson's hint.
#[track_caller]
pub fn fail(what: &str, expected: &str, actual: &str) -> ! {
    let mut message = format!(
        "\n\n{what}\n\n--- the exchange should have been ---\n{}\n\n--- what happened ---\n{}\n",
        expected.trim_end(),
        actual.trim_end()
    );
    if let Some(hint) = hint() {
        message.push_str(&format!(
            "\n--- hint (if you are doing the exercise) ---\n{hint}\n"
        ));
    }
    panic!("{message}");
}

/// The path of one of the lesson's examples (`cargo test` builds them before it runs tests).
///
/// Cargo keeps each example as `target/debug/examples/NAME-HASH`, with a `.d` file that names
/// its source; the one whose source is in this lesson's `examples/` folder is ours, even if
/// another package has an example of the same name.
pub fn example(name: &str) -> String {
    let exe = std::env::current_exe().expect("the test's own path");
    // The test runs from target/debug/deps/; examples are in target/debug/examples/.
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/debug")
        .join("examples");
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("run this through cargo test");
    let folder = std::path::Path::new(&manifest_dir)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The .d file names the source relative to the workspace: lessons/NN-topic/examples/NAME.rs
    let source = format!("{folder}/examples/{name}.rs");
    let mut newest: Option<(std::time::SystemTime, std::path::PathBuf)> = None;
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let file = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let Some(stem) = file.strip_suffix(".d") else {
            continue;
        };
        if !stem.starts_with(&format!("{name}-")) {
            continue;
        }
        let deps = std::fs::read_to_string(&path).unwrap_or_default();
        if !deps.contains(&source) {
            continue;
        }
        let bin = dir.join(format!("{stem}{}", std::env::consts::EXE_SUFFIX));
        if let Ok(modified) = bin.metadata().and_then(|m| m.modified()) {
            if newest.as_ref().is_none_or(|(t, _)| modified > *t) {
                newest = Some((modified, bin));
            }
        }
    }
    match newest {
        Some((_, bin)) => bin.to_string_lossy().into_owned(),
        None => panic!(
            "example {name} of this lesson is not built: run the lesson's tests with \
             `cargo test -p <lesson>`, which builds its examples too"
        ),
    }
}

/// A loopback port where nobody listens, and nobody can start to while this value lives: the
/// socket is bound (so the port is taken) but never listens, so a connect() there is refused.
/// (Binding port 0 and closing the socket again would free the port for another test running
/// at the same time.)
pub struct RefusingPort {
    _socket: socket2::Socket,
    pub addr: std::net::SocketAddr,
    pub port: u16,
}

/// See [`RefusingPort`].
pub fn refusing_port() -> RefusingPort {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket()");
    let any: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    socket.bind(&any.into()).expect("bind(127.0.0.1:0)");
    let addr = socket
        .local_addr()
        .ok()
        .and_then(|a| a.as_socket())
        .expect("the bound address");
    RefusingPort {
        _socket: socket,
        addr,
        port: addr.port(),
    }
}

/// Run the lesson's client against a port where nobody listens (see [`RefusingPort`]): the
/// run every lesson uses to show that "connection refused" is reported, not panicked over.
pub fn client_without_server(bin: &str) -> Run {
    let nobody = refusing_port();
    lesson(bin).client(nobody.addr).run()
}

/// Make an I/O call again while a signal interrupts it. A test process gets signals (its
/// threads and child processes come and go), and a socket call with a timeout is not
/// restarted by the kernel after one: it fails with `Interrupted`, which is no answer at all.
pub fn uninterrupted<T>(mut call: impl FnMut() -> std::io::Result<T>) -> std::io::Result<T> {
    loop {
        match call() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}
