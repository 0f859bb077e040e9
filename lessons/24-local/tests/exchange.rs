//! Lesson 24's exchange, checked for real: the demo's bytes and calls (from its trace), the
//! server on a path of its own (echo, permissions, a stale file taken over, a running server's
//! path refused), the client's errors, and the output the book shows. Reference build only;
//! the exercise's checks are tests/exercise.rs. Linux: the demo's child, SO_PEERCRED.
#![cfg(not(any(feature = "exercise", feature = "variant")))]
#![cfg(target_os = "linux")]

mod local;

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::UnixListener;

use local::{LocalServer, BIN};
use testkit::{lesson, Trace};

/// The bytes of each narrated call of one side with this name (`recv`, `send`), one entry per call.
fn moved(trace: &Trace, who: &str, name: &str) -> Vec<Vec<u8>> {
    trace
        .of(who)
        .filter(|e| e.kind == "call" && e.name() == name)
        .filter_map(|e| e.bytes.clone())
        .collect()
}

#[test]
fn the_demo_echoes_hands_over_a_connection_and_keeps_datagrams_apart() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // Section 2: the echo over the path, both directions.
    assert_eq!(moved(&trace, "server", "recv").concat(), b"hello\nworld\n");
    assert_eq!(
        moved(&trace, "server", "send"),
        [&b"hello\n"[..], b"world\n"]
    );
    // Section 3: the stale file: connect() refused, bind() EADDRINUSE, then taken over.
    let refused = |(call, why): &(String, String)| {
        call.starts_with("connect(") && why == "connection refused"
    };
    assert!(
        trace.errors("client").iter().any(refused),
        "{:?}",
        trace.errors("client")
    );
    let server_errors = trace.errors("server");
    assert_eq!(server_errors.len(), 2, "{server_errors:?}");
    assert_eq!(server_errors[0].1, "address already in use");
    assert!(refused(&server_errors[1]), "{server_errors:?}");
    let calls = trace.calls("server");
    let taken_over = ["close", "socket", "lstat", "connect", "unlink", "socket"].map(String::from);
    assert!(calls.windows(6).any(|w| w == taken_over), "{calls:?}");
    // Section 4: the child (another process, appending to the same trace) got the TCP
    // connection's descriptor and echoed on it; the parent's client read that echo.
    assert_eq!(
        trace
            .calls("parent")
            .iter()
            .filter(|c| *c == "sendmsg")
            .count(),
        1
    );
    assert!(
        trace.calls("child").contains(&"recvmsg".to_string()),
        "{:?}",
        trace.calls("child")
    );
    assert_eq!(moved(&trace, "child", "recv").concat(), b"over TCP\n");
    assert_eq!(moved(&trace, "child", "send").concat(), b"over TCP\n");
    assert_eq!(
        moved(&trace, "client", "recv").last().unwrap(),
        b"over TCP\n"
    );
    // Section 5: one datagram per recv(), in order.
    assert_eq!(moved(&trace, "bob", "recv"), [&b"one"[..], b"two!"]);
    // The peer's credentials: the demo's own pid, then (in the child) the parent's.
    let creds: Vec<_> = trace
        .events
        .iter()
        .filter(|e| e.call.contains("SO_PEERCRED"))
        .collect();
    assert_eq!(creds.len(), 2);
    assert!(creds[0].result.contains("(this process)") && creds[1].result.contains("(our parent)"));
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    let trace_file = tempfile::NamedTempFile::new().unwrap();
    let run = lesson(BIN)
        .args(&["--trace", trace_file.path().to_str().unwrap()])
        .run();
    run.success();
    let same = stable(&run.stdout);
    let text = format!(
        "$ cargo run -p lesson-24-local\n{}",
        testkit::normalize_ports(&same, &[])
    );
    let drawn = testkit::diagram_of(&Trace::read(trace_file.path()), &run.stdout, &[]);
    let drawn = stable_with(&drawn, &run.stdout);
    testkit::compare_or_bless("output.txt", &text);
    testkit::compare_or_bless("diagram.mmd", &drawn);
}

/// What changes from run to run, shown the same every time: the demo's directory, the pids
/// (4242, 4243, … in order of appearance) and this user's uid and gid (as 1000).
fn stable(printed: &str) -> String {
    stable_with(printed, printed)
}

fn stable_with(text: &str, printed: &str) -> String {
    let start = printed.find("mkdir(").expect("the demo's mkdir") + "mkdir(".len();
    let dir = &printed[start..start + printed[start..].find(')').unwrap()];
    let mut out = text.replace(dir, "/tmp/lesson-24-local.4242");
    let mut pids: Vec<String> = Vec::new();
    for piece in printed.split("pid ").skip(1) {
        let digits: String = piece.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && !pids.contains(&digits) {
            pids.push(digits);
        }
    }
    for (n, pid) in pids.iter().enumerate() {
        for end in [",", " ", "\n", ")"] {
            out = out.replace(
                &format!("pid {pid}{end}"),
                &format!("pid {}{end}", 4242 + n),
            );
        }
    }
    // SAFETY: getuid() and getgid() cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    out.replace(&format!("uid {uid}, gid {gid}"), "uid 1000, gid 1000")
}

#[test]
fn the_server_echoes_on_its_path_and_only_its_user_may_connect() {
    let server = LocalServer::start(&[]);
    let meta = std::fs::metadata(&server.path).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    server.echo(b"hello\n");
    // The lesson's own client, with its standard input's lines.
    lesson(BIN)
        .args(&["client", "--path", server.path.to_str().unwrap()])
        .stdin(b"hello\ncaf\xc3\xa9\n")
        .run()
        .success()
        .stdout_has("echo: hello");
}

#[test]
fn a_stale_file_is_taken_over_and_a_running_server_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("echo.sock");
    drop(UnixListener::bind(&path).unwrap()); // a dead server's file
    let server = LocalServer::start_at(dir, path.clone(), &[]);
    server.echo(b"taken over\n");
    // A second server on the same path must not steal it.
    lesson(BIN)
        .args(&["server", "--path", path.to_str().unwrap()])
        .run()
        .clean_failure()
        .stderr_has("a server is running on");
    server.echo(b"still ours\n");
}

#[test]
fn a_file_that_is_not_a_socket_is_left_alone() {
    // connect() to a regular file is refused like a stale socket's: only the file's type tells.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, b"keep me\n").unwrap();
    lesson(BIN)
        .args(&["server", "--path", path.to_str().unwrap()])
        .run()
        .clean_failure()
        .stderr_has("is not a socket: not removing it");
    assert_eq!(std::fs::read(&path).unwrap(), b"keep me\n");
}

#[test]
fn a_client_is_told_when_nobody_listens() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing.sock");
    lesson(BIN)
        .args(&["client", "--path", missing.to_str().unwrap()])
        .run()
        .clean_failure()
        .stderr_has("no socket file at")
        .stderr_has("cargo run -p lesson-24-local -- server");
    let stale = dir.path().join("stale.sock");
    drop(UnixListener::bind(&stale).unwrap());
    lesson(BIN)
        .args(&["client", "--path", stale.to_str().unwrap()])
        .run()
        .clean_failure()
        .stderr_has("connection refused — is the server running?");
}
