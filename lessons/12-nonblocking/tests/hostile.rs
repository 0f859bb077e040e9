#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! The hostile-client battery (testkit::hostile) against lesson 12's one-thread server: a
//! normal client is served WHILE each rude client is still connected, and after it.
//! `cargo test -p lesson-12-nonblocking hostile -- --nocapture` prints one line per case with
//! its figures.

use std::io::{ErrorKind, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use testkit::hostile::Target;
#[cfg(target_os = "linux")]
use testkit::TraceFile;
use testkit::{Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-12-nonblocking");

/// The server as the battery starts it: serving until stopped, 3 s for a whole line and for
/// answers to be taken (as long as the battery's 3 s margin, so that the rude client is still
/// connected while the normal one is served).
fn target() -> Target {
    Target::new(
        |extra| {
            let mut args = vec!["--line-timeout", "3000", "--write-timeout", "3000"];
            args.extend_from_slice(extra);
            Server::start(BIN, &args)
        },
        b"hello\n",
        normal,
    )
    .concurrent(Duration::from_millis(3000))
    // One thread, 2-3 MB when it works; a server that keeps a newline-less flood reaches 34.
    .max_rss_mb(16.0)
}

/// A normal client: a line in, the line in upper case out, then end of stream.
fn normal(addr: SocketAddr) {
    Conn::open(addr)
        .send(b"hello\n")
        .expect(b"HELLO\n")
        .shutdown_write()
        .expect_eof();
}

testkit::hostile_battery!(target);

/// The running server's soft descriptor limit set to its lowest free descriptor: accept()
/// fails with EMFILE. The connection already open must still be served meanwhile, and the
/// connections that waited in the queue must be served once the limit is back.
#[cfg(target_os = "linux")]
#[test]
fn out_of_descriptors_the_open_connections_go_on() {
    use testkit::hostile::prlimit;
    let trace = TraceFile::new();
    let mut server = Server::start(BIN, &["--trace", trace.path()]);
    let pid = server.pid().to_string();
    let mut open = Conn::open(server.addr);
    open.send(b"before\n").expect(b"BEFORE\n");
    let fds: Vec<u64> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse().ok())
        .collect();
    let free = (0..).find(|fd| !fds.contains(fd)).unwrap();
    prlimit(&["--pid", &pid, &format!("--nofile={free}:")]);
    // The kernel completes their handshakes; they wait in the accept queue.
    let mut waiting: Vec<Conn> = (0..5).map(|_| Conn::open(server.addr)).collect();
    // Wait for the server's accept() to fail (the system's own words for EMFILE).
    server.wait_for_line("a line naming \"too many open files\"", |l| {
        l.to_lowercase().contains("too many open files")
    });
    open.send(b"during\n").expect(b"DURING\n");
    prlimit(&["--pid", &pid, "--nofile=1024:"]);
    for conn in waiting.iter_mut() {
        conn.send(b"after\n").expect(b"AFTER\n");
    }
    assert!(server.is_running(), "the server exited without descriptors");
    // Every client leaves: once each has seen its end of stream, the server (one thread) has
    // recorded all it sent.
    for conn in waiting.iter_mut().chain([&mut open]) {
        conn.shutdown_write().expect_eof();
    }
    // The failures were accept()'s, none was the open connection's; and the five that
    // waited were each answered by a connection of their own.
    let trace = trace.read();
    let errors = trace.errors("server");
    assert!(!errors.is_empty());
    assert!(
        errors.iter().all(|(call, _)| call == "accept()"),
        "{errors:?}"
    );
    assert!(trace.errors("conn1").is_empty());
    assert_eq!(trace.sent("conn1"), b"BEFORE\nDURING\n");
    for k in 2..=6 {
        assert_eq!(trace.sent(&format!("conn{k}")), b"AFTER\n", "conn{k}");
    }
}

/// A client that sends and never reads: its answers fill the buffers, the server's send
/// waits, and after the write time limit (1 s here) the server drops it. Without a limit it
/// would hold its buffers (and, in a server with a task or thread per client, that task) for
/// ever. Another client is served meanwhile.
#[test]
fn a_client_that_never_reads_is_dropped_after_the_write_time_limit() {
    let server = Server::start(BIN, &["--write-timeout", "1000"]);
    let mut s = TcpStream::connect_timeout(&server.addr, testkit::timeout()).unwrap();
    s.set_write_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let began = Instant::now();
    let block = b"never read, never read, never read, never read, never read\n".repeat(1000);
    let mut served = false;
    // Send without reading until the server drops us (a write fails): at most the tests'
    // timeout (10 s, or LESSON_TEST_TIMEOUT); without a write limit it never comes.
    let dropped = loop {
        match s.write(&block) {
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if !served {
                    normal(server.addr); // the server takes no more from us: others go on
                    served = true;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => break Some(began.elapsed()),
            Ok(_) => {}
        }
        if began.elapsed() > testkit::timeout() {
            break None;
        }
    };
    let took = dropped.expect("a client that never reads was still connected at the timeout");
    assert!(served, "the server never stopped taking bytes");
    eprintln!(
        "never-reading client dropped {} ms after it began (write limit 1000 ms)",
        took.as_millis()
    );
}

/// A client that sends valid lines without pause, and reads its answers: the kernel always
/// has more of its bytes, so a loop that reads "until WouldBlock" would never leave it. The
/// server reads at most READS_PER_TURN times per turn, so another client is answered at once.
#[test]
fn a_client_that_sends_without_pause_does_not_starve_the_others() {
    use std::io::Read;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let server = Server::start(BIN, &[]);
    let mut spam = TcpStream::connect_timeout(&server.addr, testkit::timeout()).unwrap();
    let mut answers = spam.try_clone().unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let stop = done.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        while matches!(answers.read(&mut buf), Ok(n) if n > 0) {}
    });
    let (going, is_going) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        let block = b"spam\n".repeat(10_000);
        let began = Instant::now();
        for sent in 1.. {
            if stop.load(Ordering::SeqCst) || began.elapsed() > testkit::timeout() {
                break;
            }
            if spam.write_all(&block).is_err() {
                break;
            }
            if sent == 20 {
                let _ = going.send(()); // 1 MB sent: more than the kernel's buffers hold
            }
        }
        let _ = spam.shutdown(std::net::Shutdown::Write);
    });
    is_going
        .recv_timeout(testkit::timeout())
        .expect("the spam did not get going");
    let began = Instant::now();
    normal(server.addr);
    let took = began.elapsed();
    done.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    reader.join().unwrap();
    eprintln!(
        "normal client served in {} ms while another sent without pause",
        took.as_millis()
    );
    assert!(
        took < Duration::from_millis(2000),
        "a client sending without pause kept another waiting {} ms",
        took.as_millis()
    );
}
