#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! The hostile-client battery (testkit::hostile) against lesson 13's server (tasks on one
//! thread): a normal client is served WHILE each rude client is still connected, and after it.
//! `cargo test -p lesson-13-async hostile -- --nocapture` prints one line per case with its
//! figures.

use std::io::{ErrorKind, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use testkit::hostile::Target;
use testkit::{Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-13-async");

/// The server as the battery starts it: 3 s for each whole line and for each answer (as long
/// as the battery's 3 s margin, so that the rude client is still connected while the normal
/// one is served).
fn target() -> Target {
    Target::server(
        BIN,
        &["--idle", "3", "--write-timeout", "3"],
        b"hello\n",
        normal,
    )
    .concurrent(Duration::from_millis(3000))
    // One thread, 3-4 MB when it works: a buffer that grows with a flood would show.
    .max_rss_mb(16.0)
}

/// A normal client: a line in, its number and the line in upper case out, then end of stream.
fn normal(addr: SocketAddr) {
    Conn::open(addr)
        .send(b"hello\n")
        .expect(b"1: HELLO\n")
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
    use testkit::hostile::{free_fd_now, limit_descriptors};
    let (mut server, trace) = testkit::traced_server(BIN, &[]);
    let pid = server.pid();
    let mut open = Conn::open(server.addr);
    open.send(b"before\n").expect(b"1: BEFORE\n");
    limit_descriptors(pid, free_fd_now(pid));
    // The kernel completes their handshakes; they wait in the accept queue.
    let mut waiting: Vec<Conn> = (0..5).map(|_| Conn::open(server.addr)).collect();
    // accept() failed for want of a descriptor (EMFILE), and the server went on.
    let emfile = std::io::Error::from_raw_os_error(24).to_string();
    server.wait_for_trace(&trace, |t| {
        t.of("server").any(|e| e.result.contains(&emfile))
    });
    open.send(b"during\n").expect(b"2: DURING\n");
    limit_descriptors(pid, 1024);
    for conn in waiting.iter_mut() {
        conn.send(b"after\n").expect(b"1: AFTER\n");
    }
    assert!(server.is_running(), "the server exited without descriptors");
}

/// Send lines and never read the answers, until the server stops taking bytes: five writes
/// in a row wait 200 ms each in vain. (Long lines: few answers, so that a server slowed by a
/// loaded machine is not mistaken for a stuck one.) Returns the connection, still open, and
/// when the server was seen stuck.
fn fill_until_stuck(addr: SocketAddr) -> (TcpStream, Instant) {
    let mut s = TcpStream::connect_timeout(&addr, testkit::timeout()).unwrap();
    s.set_write_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut line = vec![b'n'; 999];
    line.push(b'\n');
    let block = line.repeat(64);
    let began = Instant::now();
    let mut in_vain = 0;
    while in_vain < 5 {
        match s.write(&block) {
            Ok(_) => in_vain = 0,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                in_vain += 1
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!("the server closed before its buffers were full: {e}"),
        }
        assert!(
            began.elapsed() < testkit::timeout(),
            "the server never stopped taking bytes"
        );
    }
    (s, Instant::now())
}

/// A client that sends and never reads: its answers fill the buffers, the server's send
/// waits, and after the write time limit (1 s here) the server drops it. Without a limit it
/// would hold its buffers (and, in a server with a task or thread per client, that task) for
/// ever. Another client is served meanwhile.
#[test]
fn a_client_that_never_reads_is_dropped_after_the_write_time_limit() {
    let server = Server::start(BIN, &["--write-timeout", "1"]);
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

/// Graceful shutdown with a deadline: a client that keeps sending and never reads holds its
/// task in write_all (the write limit here is 60 s). The shutdown waits for it `--grace 1`
/// second, then cuts it off: the server exits in about 1 s, not 60.
#[test]
fn shutdown_ends_within_the_grace_period_whatever_a_client_does() {
    let server = Server::start(BIN, &["--grace", "1", "--write-timeout", "60"]);
    let (_stuck, _) = fill_until_stuck(server.addr);
    // Served while the stuck client is there.
    normal(server.addr);
    let asked = Instant::now();
    Conn::open(server.addr)
        .send(b"shutdown\n")
        .expect(b"bye: shutting down\n");
    let run = server.finish();
    let took = asked.elapsed();
    run.success();
    eprintln!(
        "shutdown with a client stuck in write_all: exited {} ms after the request (grace 1000 ms)",
        took.as_millis()
    );
    assert!(
        took < Duration::from_secs(6),
        "the server took {} ms to shut down with a grace of 1 s",
        took.as_millis()
    );
}

/// Ctrl-C (SIGINT) asks for a graceful shutdown; a client stuck in write_all holds it (grace
/// and write limit 60 s here). A second Ctrl-C cuts everybody off at once.
#[cfg(target_os = "linux")]
#[test]
fn a_second_ctrl_c_stops_the_server_at_once() {
    use testkit::hostile::kill;
    let args = ["--grace", "60", "--write-timeout", "60"];
    let (mut server, trace) = testkit::traced_server(BIN, &args);
    let (_stuck, _) = fill_until_stuck(server.addr);
    kill("INT", server.pid());
    // The server has closed its listener and told every connection (shutdown.send).
    server.wait_for_trace(&trace, |t| {
        t.calls("server").iter().any(|c| c == "shutdown")
    });
    // The listener is closed: nobody new gets in; the stuck client holds the shutdown.
    assert!(
        TcpStream::connect_timeout(&server.addr, testkit::timeout()).is_err(),
        "a connection after the first Ctrl-C should be refused"
    );
    assert!(
        server.is_running(),
        "the first Ctrl-C should stop gracefully, not at once"
    );
    let asked = Instant::now();
    kill("INT", server.pid());
    let run = server.finish();
    let took = asked.elapsed();
    run.success();
    eprintln!(
        "second Ctrl-C with a client stuck in write_all: exited {} ms later (grace 60 s)",
        took.as_millis()
    );
    assert!(
        took < Duration::from_secs(3),
        "the server took {} ms to exit after a second Ctrl-C",
        took.as_millis()
    );
}
