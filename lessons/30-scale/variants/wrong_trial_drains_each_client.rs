// WRONG: a readiness loop that reads a client until it has nothing more to read (WouldBlock)
// before it looks at any other. A client that sends as fast as the server reads never runs
// dry, and while the server reads one, the kernel's buffers of the other fast clients fill
// (MBs each) to be read to the end in their turn: a polite client waits as long as the flood
// goes on. (Otherwise the correct readiness loop.) With one flooder the fairness check caught
// it only when the flood outpaced the server (5 runs in 10 here; CI's fresh clone saw it pass
// on 2026-12-02); with 8 flooders the polite client waited the whole flood, 10 runs in 10.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use mio::net::{TcpListener as Listening, TcpStream};
use mio::{Events, Interest, Poll, Token};

use crate::{Limits, Report};

const LISTENER: Token = Token(0);
/// Answers waiting for one connection before it is read no more.
const OUT_MAX: usize = 16 * 1024;
/// How often the deadlines are looked at.
const TICK: Duration = Duration::from_millis(50);

struct Conn {
    stream: TcpStream,
    line: Vec<u8>,
    out: Vec<u8>,
    /// It may have more to read: we stopped before WouldBlock.
    more: bool,
    /// End of stream read, or a line too long answered: close once `out` is written.
    done: bool,
    /// When the client has kept us waiting too long (for a line, or for room to write).
    deadline: Instant,
}

pub fn serve(listener: TcpListener, limits: Limits, report: Report) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut listener = Listening::from_std(listener);
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut events = Events::with_capacity(1024);
    let mut conns: HashMap<Token, Conn> = HashMap::new();
    let mut next_token = 1;
    let mut accept_again: Option<Instant> = None;
    let mut swept = Instant::now();
    loop {
        let busy = conns
            .values()
            .any(|c| c.more && !c.done && c.out.len() < OUT_MAX);
        let wait = if busy { Duration::ZERO } else { TICK };
        match poll.poll(&mut events, Some(wait)) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            other => other?,
        }
        let mut touched = Vec::new();
        for event in events.iter() {
            if event.token() == LISTENER {
                accept_again = Some(Instant::now());
            } else if let Some(conn) = conns.get_mut(&event.token()) {
                conn.more |= event.is_readable() || event.is_read_closed();
                touched.push(event.token());
            }
        }
        if accept_again.is_some_and(|at| at <= Instant::now()) {
            accept_again = accept_all(
                &listener,
                &poll,
                &mut conns,
                &mut next_token,
                limits,
                &report,
            );
        }
        // Every connection with something to do: those with events, and those left with more.
        touched.extend(conns.iter().filter(|(_, c)| c.more).map(|(t, _)| *t));
        for token in touched {
            let keep = match conns.get_mut(&token) {
                Some(conn) => turn(conn, limits).unwrap_or(false),
                None => continue,
            };
            if !keep {
                conns.remove(&token);
            }
        }
        if swept.elapsed() >= TICK {
            let now = Instant::now();
            conns.retain(|_, c| c.deadline > now);
            swept = now;
        }
    }
}

/// Accept every waiting connection. On an error that is not WouldBlock: report it and
/// return when to try again (the listener's edge will not come back by itself).
fn accept_all(
    listener: &Listening,
    poll: &Poll,
    conns: &mut HashMap<Token, Conn>,
    next_token: &mut usize,
    limits: Limits,
    report: &Report,
) -> Option<Instant> {
    loop {
        match listener.accept() {
            Ok((mut stream, _)) => {
                let token = Token(*next_token);
                *next_token += 1;
                let interest = Interest::READABLE | Interest::WRITABLE;
                if poll
                    .registry()
                    .register(&mut stream, token, interest)
                    .is_ok()
                {
                    let conn = Conn {
                        stream,
                        line: Vec::new(),
                        out: Vec::new(),
                        more: true,
                        done: false,
                        deadline: Instant::now() + limits.idle,
                    };
                    conns.insert(token, conn);
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return None,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                report.accept_failed(&e);
                return Some(Instant::now() + Duration::from_millis(10));
            }
        }
    }
}

/// Write what waits, read a little, write again. Ok(false): close the connection.
fn turn(conn: &mut Conn, limits: Limits) -> io::Result<bool> {
    flush(conn, limits)?;
    let mut buf = [0u8; 4096];
    loop {
        if conn.done || conn.out.len() >= OUT_MAX {
            break;
        }
        match conn.stream.read(&mut buf) {
            Ok(0) => conn.done = true,
            Ok(n) => take(conn, &buf[..n], limits),
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                conn.more = false;
                break;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        flush(conn, limits)?;
    }
    Ok(!(conn.done && conn.out.is_empty()))
}

/// The bytes read: each whole line to the answers; a line too long refused.
fn take(conn: &mut Conn, bytes: &[u8], limits: Limits) {
    for &byte in bytes {
        conn.line.push(byte);
        if byte == b'\n' {
            conn.out.append(&mut conn.line);
            conn.deadline = Instant::now() + limits.idle;
        } else if conn.line.len() == limits.max_line {
            conn.line.clear();
            conn.out.extend_from_slice(b"ERR line too long\n");
            conn.done = true;
            return;
        }
    }
}

/// Write the answers until they are all out or the socket is full.
fn flush(conn: &mut Conn, limits: Limits) -> io::Result<()> {
    while !conn.out.is_empty() {
        match conn.stream.write(&conn.out) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => {
                conn.out.drain(..n);
                conn.deadline = Instant::now() + limits.idle;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
