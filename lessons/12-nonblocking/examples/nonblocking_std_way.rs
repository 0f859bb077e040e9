//! One thread, many connections, with only the standard library:
//! `cargo run -p lesson-12-nonblocking --example nonblocking_std_way`.
//!
//! std can make sockets non-blocking, but it has no poll(): it cannot tell which socket is
//! ready. So this loop asks every socket in turn, and sleeps a little when none had anything —
//! too long a sleep adds delay, too short a one burns the CPU. A readiness API (mio, the
//! lesson) ends that guessing: the thread sleeps until the kernel says something is ready.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    // Two clients in threads of their own (only the server is the point here).
    let clients: Vec<_> = ["alice", "bob"]
        .into_iter()
        .map(|name| {
            thread::spawn(move || -> std::io::Result<String> {
                let mut conn = TcpStream::connect(addr)?;
                conn.write_all(format!("hi from {name}\n").as_bytes())?;
                conn.shutdown(std::net::Shutdown::Write)?;
                let mut answer = String::new();
                conn.read_to_string(&mut answer)?;
                Ok(answer)
            })
        })
        .collect();

    // ANCHOR: std
    listener.set_nonblocking(true)?;
    let mut conns: Vec<(TcpStream, Vec<u8>)> = Vec::new();
    let mut served = 0;
    while served < 2 {
        let mut busy = false;
        match listener.accept() {
            Ok((conn, _peer)) => {
                conn.set_nonblocking(true)?;
                conns.push((conn, Vec::new()));
                busy = true;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        let mut buf = [0u8; 4096];
        // Ask every connection; keep those that are not finished.
        conns.retain_mut(|(conn, pending)| match conn.read(&mut buf) {
            Ok(0) => {
                // (A real server would keep unsent bytes too: see the lesson's `flush`.)
                let _ = conn.write_all(&pending.to_ascii_uppercase());
                served += 1;
                busy = true;
                false
            }
            Ok(n) => {
                // (A real server would limit `pending`, as the lesson's read_ready does.)
                pending.extend_from_slice(&buf[..n]);
                busy = true;
                true
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => true,
            Err(e) => {
                eprintln!("recv: {e}"); // this connection ends, the others go on
                false
            }
        });
        if !busy {
            thread::sleep(Duration::from_millis(1)); // guesswork: nothing tells us when
        }
    }
    // ANCHOR_END: std
    let mut answers = Vec::new();
    for client in clients {
        answers.push(client.join().expect("client thread")?);
    }
    println!("std: one thread served {answers:?}");
    Ok(())
}
