//! A storm of connects, and the accept queue that must hold it (lessons 11 and 12, issue 15).
//!
//! The kernel completes a TCP handshake by itself and keeps the connection in the listener's
//! accept queue until the server takes it with `accept()`; when the queue is full, it drops
//! the client's SYN, and that `connect()` waits for its retry (1 s, then 3 s, 7 s...). So
//! [`connect_while_stopped`] stops the server (SIGSTOP) and connects `count` clients: with a
//! backlog of at least `count`, every handshake completes at once, server or no server; with
//! std's 128, the 130th connect waits. The server is continued before it returns, and the
//! caller checks that every client is answered. Linux only (signals, `/proc`).
//!
//! [`backlog_in`] reads the backlog the kernel granted from the server's trace (the kernel
//! view after `listen()`: `LISTEN 127.0.0.1:40001, accept queue 0 (backlog 4096)`).

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use crate::hostile::{kill, prlimit};
use crate::{Server, Trace};

/// A connect whose SYN was dropped waits 1 s for its first retry (RFC 6298's initial
/// retransmission timeout): a connect that takes longer than this waited for a retry.
pub const NO_RETRY: Duration = Duration::from_millis(900);

/// Stop the server, open `count` connections to it one after another, continue it; every
/// connect must complete within [`NO_RETRY`], or the test fails saying how many the accept
/// queue held.
pub fn connect_while_stopped(server: &Server, count: usize) -> Vec<TcpStream> {
    let somaxconn = std::fs::read_to_string("/proc/sys/net/core/somaxconn").unwrap_or_default();
    let somaxconn: usize = somaxconn.trim().parse().unwrap_or(0);
    assert!(
        somaxconn >= count,
        "net.core.somaxconn is {somaxconn} here: no listener may queue {count} connections \
         (it is 4096 by default since Linux 5.4; sysctl -w net.core.somaxconn=4096)"
    );
    // This test process holds `count` sockets: raise its own soft descriptor limit (often
    // 1024) to what the hard limit allows.
    let me = std::process::id().to_string();
    prlimit(&["--pid", &me, &format!("--nofile={}:", count + 1024)]);

    let pid = server.pid();
    kill("STOP", pid);
    let _continue = Continued(pid);
    let mut streams = Vec::with_capacity(count);
    for k in 1..=count {
        match TcpStream::connect_timeout(&server.addr, NO_RETRY) {
            Ok(stream) => streams.push(stream),
            Err(e) => panic!(
                "connect {k} of {count} got no handshake within {NO_RETRY:?} while the server \
                 (pid {pid}) was stopped ({e}): its accept queue was full after {} connections, \
                 and the kernel dropped this SYN",
                k - 1
            ),
        }
    }
    streams
}

/// Sends SIGCONT when dropped, so that a failing test never leaves its server stopped.
struct Continued(u32);

impl Drop for Continued {
    fn drop(&mut self) {
        kill("CONT", self.0);
    }
}

/// Send `line(k)` on the k-th stream and close our side, then read one line from each: how
/// many got `answer(k)`, each read waiting at most [`crate::timeout`].
pub fn ask_each(
    streams: Vec<TcpStream>,
    line: impl Fn(usize) -> Vec<u8>,
    answer: impl Fn(usize) -> Vec<u8>,
) -> usize {
    for (k, mut stream) in streams.iter().enumerate() {
        stream.write_all(&line(k)).expect("send a line");
        stream.shutdown(Shutdown::Write).expect("shutdown(SHUT_WR)");
    }
    let mut answered = 0;
    for (k, stream) in streams.into_iter().enumerate() {
        stream.set_read_timeout(Some(crate::timeout())).unwrap();
        let mut got = Vec::new();
        let read = BufReader::new(stream).read_until(b'\n', &mut got);
        answered += usize::from(read.is_ok() && got == answer(k));
    }
    answered
}

/// The accept queue's limit the kernel granted the server's listener, from the kernel view
/// after `listen()` in its trace.
pub fn backlog_in(trace: &Trace, who: &str) -> usize {
    let listening = trace
        .of(who)
        .find(|e| e.kind == "kernel" && e.text.starts_with("LISTEN"))
        .expect("the kernel view of the listener, after listen()");
    listening
        .text
        .split("(backlog ")
        .nth(1)
        .and_then(|b| b.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("no backlog in {:?}", listening.text))
}
