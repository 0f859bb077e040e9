//! Hostile clients against lesson 24's server, on its path. testkit's `hostile_battery!`
//! speaks TCP to a port, so the cases that matter most are written here for a Unix socket:
//! a trickle, a flood, a client that never reads, and a crowd (more clients than the server
//! serves at once). After each the server must still run, serve a normal client promptly
//! (while the hostile one is still connected: a thread per client) and have bounded memory.
//! `cargo test -p lesson-24-local --test hostile -- --nocapture` prints each case's figures;
//! `BLESS=1` keeps them in `hostile/hostile/CASE.txt` for chapter 24's table (testkit's
//! `hostile::figures`: the book shows what a run measured, never a number typed by hand).
#![cfg(not(any(feature = "exercise", feature = "variant")))]
#![cfg(target_os = "linux")]

mod local;

use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::thread;
use std::time::{Duration, Instant};

use local::LocalServer;

/// The server's deadline for each whole line and each echo (--timeout 2).
const DEADLINE: Duration = Duration::from_secs(2);
/// How much later than that the server may be (CI runs many tests at once on two cores).
const MARGIN: Duration = Duration::from_secs(3);
/// The server's peak resident memory after a case, in MB.
const MAX_RSS_MB: f64 = 64.0;

fn server() -> LocalServer {
    LocalServer::start(&["--timeout", "2"])
}

/// A normal client is served within the margin, the server still runs, its memory bounded:
/// the figures of that check.
fn still_serves(server: &mut LocalServer, case: &str) -> String {
    let began = Instant::now();
    server.echo(b"normal\n");
    let took = began.elapsed();
    assert!(took < MARGIN, "{case}: the normal client waited {took:?}");
    assert!(server.is_running(), "{case}: the server is gone");
    let (peak, _) = testkit::hostile::memory(server.child.id()).expect("/proc/PID/status");
    assert!(peak < MAX_RSS_MB, "{case}: peak RSS {peak:.1} MB");
    format!(
        "normal client served in {} ms (bound {} ms); server peak RSS {peak:.1} MB (bound \
         {MAX_RSS_MB:.0} MB)",
        took.as_millis(),
        MARGIN.as_millis()
    )
}

/// Print a case's figures, one line, and keep them for the book (with `BLESS=1`) or check the
/// kept ones (without).
fn report(case: &str, figures: &str) {
    eprintln!("hostile {case}: {figures}");
    testkit::hostile::figures::record("hostile", case, figures);
}

/// Read until the server closes (end of stream or an error); how long it took.
fn closed_within(conn: &mut UnixStream, bound: Duration) -> Option<Duration> {
    let began = Instant::now();
    conn.set_read_timeout(Some(bound)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => return Some(began.elapsed()),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None
            }
            Err(_) => return Some(began.elapsed()),
        }
    }
}

#[test]
fn trickle() {
    let mut server = server();
    let mut slow = server.connect();
    let began = Instant::now();
    slow.write_all(b"hello").unwrap();
    let mut writer = slow.try_clone().unwrap();
    let trickler = thread::spawn(move || {
        // One byte every 150 ms, never a newline: a timeout per recv() would never fire.
        let began = Instant::now();
        while began.elapsed() < DEADLINE + MARGIN && writer.write_all(b"x").is_ok() {
            thread::sleep(Duration::from_millis(150));
        }
    });
    // Served while the trickle goes on.
    let served = still_serves(&mut server, "trickle");
    let cut = closed_within(&mut slow, DEADLINE + MARGIN).map(|_| began.elapsed());
    let cut = cut.expect("the trickling client was never cut: no deadline for a whole line");
    trickler.join().unwrap();
    let figures = format!(
        "a byte every 150 ms, cut {} ms after it connected; meanwhile {served}",
        cut.as_millis()
    );
    report("trickle", &figures);
}

#[test]
fn flood() {
    let mut server = server();
    let mut flood = server.connect();
    let began = Instant::now();
    let flooder = thread::spawn(move || {
        // A line that never ends: 32 MiB of `x` as fast as it goes.
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0usize;
        while sent < 32 << 20 {
            match flood.write(&chunk) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return (sent, Some(began.elapsed())),
            }
        }
        (sent, None)
    });
    let (sent, cut) = flooder.join().unwrap();
    let cut = cut.expect("the server took 32 MiB without a newline: no limit on a line");
    assert!(cut < DEADLINE + MARGIN, "cut after {cut:?}");
    let served = still_serves(&mut server, "flood");
    let figures = format!(
        "cut after {} ms, {sent} bytes sent; then {served}",
        cut.as_millis()
    );
    report("flood", &figures);
}

#[test]
fn never_reads() {
    let mut server = server();
    let mut rude = server.connect();
    let began = Instant::now();
    let writer = thread::spawn(move || {
        // Request after request, never reading an echo: the buffers fill, then the server's
        // send() blocks. Its write deadline must free it.
        let mut sent = 0usize;
        loop {
            match rude.write(&b"hello\n".repeat(1000)) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return (sent, began.elapsed()),
            }
            if began.elapsed() > DEADLINE * 2 + MARGIN * 2 {
                return (sent, began.elapsed());
            }
        }
    });
    let served = still_serves(&mut server, "never_reads");
    let (sent, took) = writer.join().unwrap();
    assert!(
        took < DEADLINE * 2 + MARGIN * 2,
        "the server never gave up on a client that never reads"
    );
    let figures = format!(
        "dropped after {} ms, {sent} bytes written; meanwhile {served}",
        took.as_millis()
    );
    report("never_reads", &figures);
}

#[test]
fn a_crowd_beyond_the_limit_is_turned_away_and_the_server_goes_on() {
    let mut server = server();
    // 64 silent clients: each holds a thread, up to the server's limit.
    let crowd: Vec<UnixStream> = (0..64).map(|_| server.connect()).collect();
    // Wait until the server has taken all 64 (one `accept()` line each, in step with them).
    let mut extra = server.connect();
    let refused = closed_within(&mut extra, MARGIN);
    assert!(
        refused.is_some(),
        "the 65th client was served: no limit on threads"
    );
    drop(crowd);
    // The silent ones are dropped at their deadline at the latest; then the server serves again.
    let began = Instant::now();
    loop {
        let mut conn = server.connect();
        conn.write_all(b"again\n").unwrap();
        let mut back = [0u8; 6];
        if conn.read_exact(&mut back).is_ok() {
            assert_eq!(&back, b"again\n");
            break;
        }
        assert!(
            began.elapsed() < DEADLINE + MARGIN,
            "the server never served again"
        );
    }
    let again = began.elapsed();
    let served = still_serves(&mut server, "crowd");
    let figures = format!(
        "65th client closed after {} ms; served again {} ms after the 64 left; then {served}",
        refused.unwrap_or_default().as_millis(),
        again.as_millis()
    );
    report("crowd", &figures);
}

#[test]
fn a_burst_of_clients_is_served() {
    let mut server = server();
    let path = server.path.clone();
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let path = path.clone();
            thread::spawn(move || {
                for _ in 0..25 {
                    let mut conn = UnixStream::connect(&path).expect("connect()");
                    conn.set_read_timeout(Some(testkit::timeout())).unwrap();
                    conn.write_all(b"burst\n").unwrap();
                    let mut back = [0u8; 6];
                    conn.read_exact(&mut back).expect("the echo");
                    assert_eq!(&back, b"burst\n");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let served = still_serves(&mut server, "burst");
    report(
        "burst",
        &format!("200 clients, 8 at a time, all served; then {served}"),
    );
}
