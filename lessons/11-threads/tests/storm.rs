#![cfg(not(any(feature = "exercise", feature = "variant")))]
#![cfg(target_os = "linux")]

//! A storm: a thousand clients connect at once. The kernel completes each handshake by itself
//! and keeps the connection in the listener's accept queue until the server takes it; when the
//! queue is full, it drops the client's SYN, and that connect() waits for its retry (1 s, then
//! 3 s, 7 s...). So the test stops the server (SIGSTOP) while the thousand connect: with the
//! backlog the lesson asks for, every handshake completes at once, server or no server; with
//! std's 128, 872 of them would wait. Then it continues the server, and every client must be
//! answered.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use testkit::{Server, TraceFile};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::timeout;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-11-threads");

/// The storm's size: more than std's backlog of 128, less than what the lesson asks for.
const STORM: usize = 1000;

/// A connect() whose SYN was dropped waits 1 s for its first retry (RFC 6298's initial
/// timeout): any connect slower than this one waited for a retry.
const NO_RETRY: Duration = Duration::from_millis(900);

#[test]
fn a_storm_of_a_thousand_connects_fits_in_the_accept_queue_and_all_are_answered() {
    let somaxconn = std::fs::read_to_string("/proc/sys/net/core/somaxconn").unwrap_or_default();
    let somaxconn: usize = somaxconn.trim().parse().unwrap_or(0);
    assert!(
        somaxconn >= STORM,
        "net.core.somaxconn is {somaxconn} here: no listener may queue {STORM} connections \
         (it is 4096 by default since Linux 5.4; sysctl -w net.core.somaxconn=4096)"
    );
    // The test holds a thousand sockets: raise its own descriptor limit (the soft one is
    // often 1024).
    let me = std::process::id().to_string();
    testkit::hostile::prlimit(&["--pid", &me, "--nofile=4096:"]);

    let trace = TraceFile::new();
    let count = STORM.to_string();
    let args = ["--quiet", "--clients", &count, "--trace", trace.path()];
    let server = Server::start(BIN, &args);
    let pid = server.pid().to_string();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The server accepts nothing while it is stopped: only the accept queue holds the storm.
    testkit::hostile::kill("STOP", server.pid());
    let connected = runtime.block_on(connect_all(server.addr));
    testkit::hostile::kill("CONT", server.pid());
    let late: Vec<_> = connected
        .iter()
        .filter(|(took, _)| *took > NO_RETRY)
        .collect();
    assert!(
        late.is_empty(),
        "{} of {STORM} connects took longer than {NO_RETRY:?} while the server (pid {pid}) \
         was stopped: the accept queue was full, and the kernel dropped their SYNs",
        late.len()
    );

    let streams = connected.into_iter().filter_map(|(_, s)| s).collect();
    let answered = runtime.block_on(ask_all(streams));
    assert_eq!(answered, STORM, "clients answered, of {STORM}");

    server.finish().success();
    // The kernel view after listen(): the accept queue's limit the server was granted.
    let trace = trace.read();
    let listening = trace
        .of("server")
        .find(|e| e.kind == "kernel" && e.text.starts_with("LISTEN"))
        .expect("the kernel view of the listener");
    let backlog: usize = listening
        .text
        .split("(backlog ")
        .nth(1)
        .and_then(|b| b.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("no backlog in {:?}", listening.text));
    assert!(backlog >= STORM, "the listener's backlog is {backlog}");
}

/// Connect STORM clients at once; how long each connect took, and its stream (None if it
/// did not complete within NO_RETRY: then its SYN was dropped).
async fn connect_all(addr: SocketAddr) -> Vec<(Duration, Option<TcpStream>)> {
    let mut tasks = Vec::new();
    for _ in 0..STORM {
        tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            match timeout(NO_RETRY * 2, TcpStream::connect(addr)).await {
                Ok(Ok(stream)) => (started.elapsed(), Some(stream)),
                Ok(Err(e)) => panic!("connect({addr}): {e}"),
                Err(_) => (started.elapsed(), None),
            }
        }));
    }
    let mut connected = Vec::new();
    for task in tasks {
        connected.push(task.await.unwrap());
    }
    connected
}

/// Each client sends one line and must get it back in upper case; how many did.
async fn ask_all(streams: Vec<TcpStream>) -> usize {
    let mut tasks = Vec::new();
    for (k, stream) in streams.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let line = format!("storm client {k}\n");
            let (read, mut write) = stream.into_split();
            write.write_all(line.as_bytes()).await.unwrap();
            write.shutdown().await.unwrap();
            let mut answer = String::new();
            let mut read = BufReader::new(read);
            let got = timeout(testkit::timeout(), read.read_line(&mut answer)).await;
            matches!(got, Ok(Ok(_))) && answer == line.to_uppercase()
        }));
    }
    let mut answered = 0;
    for task in tasks {
        answered += usize::from(task.await.unwrap());
    }
    answered
}
