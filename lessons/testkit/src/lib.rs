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
//! Runs to completion go through assert_cmd (with [`timeout`]); a run can also be traced
//! (`--trace FILE`) and its events queried, which is how a test checks the exchange without
//! pinning the narration's wording (that is pinned once, by [`BookOutput`]):
//!
//! ```no_run
//! # let bin = "";
//! let (run, trace) = testkit::traced(bin, &[]);
//! run.success();
//! assert!(trace.calls("server").starts_with(&["socket".to_string(), "accept".to_string()]));
//! assert_eq!(trace.sent("client"), trace.received("server"));
//! ```
//!
//! The rules they keep: no fixed ports (servers get `--addr 127.0.0.1:0` and we read the port
//! from their readiness line), no sleeping (we wait for lines and bytes, never for time), and
//! every wait has a timeout, so a broken lesson fails in seconds instead of hanging the run.

pub mod allocations;
mod book;
mod conn;
pub mod hostile;
mod quiet;
pub mod report;
mod run;
#[cfg(target_os = "linux")]
pub mod storm;
pub mod trace;

pub use book::{compare_or_bless, diagram, diagram_of, normalize_ports, BookOutput};
pub use conn::Conn;
pub use quiet::prints_nothing;
pub use report::{fail, yours};
pub use run::{lesson, Cmd, Run, Server};
pub use trace::{in_order, Trace, TraceFile};

use std::time::Duration;

pub mod wire_mask;

/// Run a lesson with `--trace` into a temporary file: what it printed, and its events.
/// Assert on the events (`trace.sent("client")`, `trace.calls("server")`), not on wording.
pub fn traced(bin: &str, args: &[&str]) -> (Run, Trace) {
    lesson(bin).args(args).traced()
}

/// Start a lesson's server (`server --addr 127.0.0.1:0 <args>`) with `--trace` into a
/// temporary file, and wait for its readiness line: the server, and its trace file to read
/// (or wait on: [`TraceFile::wait_for`]).
pub fn traced_server(bin: &str, args: &[&str]) -> (Server, TraceFile) {
    let trace = TraceFile::new();
    let mut all = args.to_vec();
    all.extend(["--trace", trace.path()]);
    (Server::start(bin, &all), trace)
}

/// The calls of a lesson that opens its listener the way std does: SO_REUSEADDR (the
/// `setsockopt` call) is set on Unix only, so elsewhere that call is left out of `calls`.
pub fn with_reuse(calls: &[&str]) -> Vec<String> {
    calls
        .iter()
        .filter(|c| cfg!(unix) || **c != "setsockopt")
        .map(|c| c.to_string())
        .collect()
}

/// How long any single wait may take: a readiness line, a reply, a process's exit.
/// `LESSON_TEST_TIMEOUT=30` (seconds) gives a slow machine more time.
pub fn timeout() -> Duration {
    let secs = std::env::var("LESSON_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    Duration::from_secs(secs)
}

/// The path of one of the lesson's examples (`cargo test` builds them before it runs tests).
pub fn example(name: &str) -> String {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("run this through cargo test");
    let folder = std::path::Path::new(&manifest_dir)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    example_of(&folder, name).unwrap_or_else(|| {
        panic!(
            "example {name} of this lesson is not built: run the lesson's tests with \
             `cargo test -p <lesson>`, which builds its examples too"
        )
    })
}

/// The lesson's two short versions of its exchange, `examples/{topic}_std_way.rs` and
/// `examples/{topic}_tokio_way.rs`: each runs to success and prints the same outcome,
/// `std: {says}` and `tokio: {says}` (each matched as part of a line).
#[track_caller]
pub fn std_and_tokio_say(topic: &str, says: &str) {
    for way in ["std", "tokio"] {
        lesson(&example(&format!("{topic}_{way}_way")))
            .run()
            .success()
            .stdout_has(&format!("{way}: {says}"));
    }
}

/// `target/debug`, where cargo put the binaries of the test that is running.
pub fn target_dir() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    // The test runs from target/debug/deps/.
    exe.parent()
        .and_then(|deps| deps.parent())
        .expect("target/debug")
        .to_path_buf()
}

/// The files cargo built the binary `bin` from, as its dep-info file next to it says
/// (`lesson-09-echo.d`, `examples/NAME-HASH.d`): empty if there is none.
pub fn built_from(bin: &std::path::Path) -> Vec<std::path::PathBuf> {
    let dep_info = std::fs::read_to_string(bin.with_extension("d")).unwrap_or_default();
    // `TARGET: SOURCE SOURCE …` (paths with spaces are escaped; the workspace's have none).
    let sources = dep_info.lines().next().and_then(|l| l.split_once(": "));
    sources.map_or(vec![], |(_, list)| {
        list.split_whitespace()
            .map(std::path::PathBuf::from)
            .collect()
    })
}

/// A source file newer than the binary `bin`, if there is one: the binary was built before
/// that file's last edit.
pub fn newer_source(bin: &std::path::Path) -> Option<std::path::PathBuf> {
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let built = modified(bin)?;
    built_from(bin)
        .into_iter()
        .find(|source| modified(source).is_some_and(|t| t > built))
}

/// A lesson's binary in the target dir (`target/debug/lesson-09-echo`), if it is built.
pub fn lesson_bin(package: &str) -> Option<String> {
    let bin = target_dir().join(format!("{package}{}", std::env::consts::EXE_SUFFIX));
    bin.exists().then(|| bin.to_string_lossy().into_owned())
}

/// The example `name` of the lesson in folder `folder` (`09-echo`), if it is built.
///
/// Cargo keeps each example as `target/debug/examples/NAME-HASH`, with a `.d` file that names
/// its source; the one whose source is in this lesson's `examples/` folder is ours, even if
/// another package has an example of the same name.
pub fn example_of(folder: &str, name: &str) -> Option<String> {
    let dir = target_dir().join("examples");
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
        let bin = dir.join(format!("{stem}{}", std::env::consts::EXE_SUFFIX));
        if !built_from(&bin).iter().any(|s| s.ends_with(&source)) {
            continue;
        }
        if let Ok(modified) = bin.metadata().and_then(|m| m.modified()) {
            if newest.as_ref().is_none_or(|(t, _)| modified > *t) {
                newest = Some((modified, bin));
            }
        }
    }
    newest.map(|(_, bin)| bin.to_string_lossy().into_owned())
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

/// A loopback UDP address that was free a moment ago (bound to port 0, noted, closed again):
/// where a UDP client's datagrams find nobody, so that it must give up after its retries.
pub fn free_udp_addr() -> std::net::SocketAddr {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a UDP socket on 127.0.0.1:0")
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

#[cfg(test)]
mod built_from_tests {
    use super::{built_from, newer_source};
    use std::fs::{self, File};
    use std::time::{Duration, SystemTime};

    fn touch(path: &std::path::Path, at: SystemTime) {
        File::create(path).unwrap().set_modified(at).unwrap();
    }

    #[test]
    fn a_binary_older_than_a_source_it_was_built_from_is_found_out() {
        let dir = tempfile::tempdir().unwrap();
        let (bin, main, lib) = (
            dir.path().join("lesson"),
            dir.path().join("main.rs"),
            dir.path().join("lib.rs"),
        );
        let now = SystemTime::now();
        touch(&main, now - Duration::from_secs(60));
        touch(&lib, now - Duration::from_secs(60));
        touch(&bin, now - Duration::from_secs(30));
        let dep_info = format!("{}: {} {}\n", bin.display(), main.display(), lib.display());
        fs::write(dir.path().join("lesson.d"), dep_info).unwrap();
        assert_eq!(built_from(&bin), vec![main.clone(), lib.clone()]);
        assert_eq!(newer_source(&bin), None);
        // lib.rs edited after the build.
        touch(&lib, now);
        assert_eq!(newer_source(&bin), Some(lib));
        // No dep-info: nothing known, nothing claimed.
        assert!(built_from(&dir.path().join("other")).is_empty());
    }
}
