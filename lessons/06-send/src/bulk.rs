//! Bulk mode (`--bulk`, server and client): a transfer as fast as it goes, in constant memory.
//!
//! The payload is the same pattern as the demo's (0, 1, … 250, 0, 1, …), but nobody builds
//! it whole. The server sends ONE buffer of 128 KB again and again (its length is a
//! multiple of 251, so each copy continues the pattern where the last one stopped), and the
//! client checks each piece as it arrives and forgets it. Both sides hold a few megabytes,
//! whether the transfer is a kilobyte or a terabyte. And neither side sets SO_SNDBUF or
//! SO_RCVBUF: Linux grows both buffers while the transfer runs (autotuning, chapter 6).

use std::io::Read;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::narrate::family;
use common::talk::recv_line;
use common::{Narrator, Result};
use lesson_06_send::send_all;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

// ANCHOR: chunk
/// The buffer the server sends again and again: 0, 1, … 250, 512 times (128,512 bytes).
/// Big enough that a system call moves a lot; small enough to stay in the CPU's cache, where
/// the kernel copies from (and, on the client's side, where the check reads) fastest.
const CHUNK: usize = 251 * 512;

/// The payload's first `len` bytes: 0, 1, 2, … 250, 0, 1, …
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}
// ANCHOR_END: chunk

// ANCHOR: send_bulk
/// Send `size` payload bytes: the same buffer, again and again, each time with `send_all`.
/// Big pieces mean few system calls; one buffer means no allocation after the first.
/// Each piece must go within `limit`: a client that stops reading cannot hold the server.
pub fn send_bulk(conn: &Socket, size: u64, limit: Duration, say: &Narrator) -> Result<()> {
    let chunk = pattern(CHUNK);
    let started = Instant::now();
    let mut out = conn; // `&Socket` is a Sender: its write is one send()
    let send_every_chunk = || {
        let mut left = size;
        while left > 0 {
            let n = left.min(CHUNK as u64) as usize;
            send_all(&mut out, &chunk[..n], limit)?;
            left -= n as u64;
        }
        Ok(())
    };
    let call = format!("send_all(the same {CHUNK}-byte buffer), again and again");
    let why = "every payload byte, from one buffer that is never rebuilt";
    say.call_then(call, why, send_every_chunk, |_| format!("ok, {size} bytes"))?;
    report("sent", size, started.elapsed());
    Ok(())
}
// ANCHOR_END: send_bulk

// ANCHOR: recv_bulk
/// Receive the greeting, then every payload byte, checking each piece against the pattern
/// as it arrives; nothing is kept but a count.
pub fn recv_bulk(conn: &Socket, say: &Narrator) -> Result<()> {
    let line = recv_line(conn, 1024, say)?;
    let size = announced(&line).ok_or_else(|| say.protocol_error("a bad greeting"))?;
    // One extra period of the pattern, so that a piece may start at any of its 251 phases.
    let expected = pattern(CHUNK + 251);
    let mut buf = vec![0u8; CHUNK];
    let (mut got, started) = (0u64, Instant::now());
    let mut conn_in = conn; // `Read::read` on a socket is the recv() system call (chapter 7)
    let mut recv_and_check = || loop {
        let n = conn_in.read(&mut buf)?;
        let phase = (got % 251) as usize;
        if n == 0 || got + n as u64 > size {
            return Ok(got + n as u64);
        }
        if buf[..n] != expected[phase..phase + n] {
            return Err(std::io::Error::other(format!("a wrong byte after {got}")));
        }
        got += n as u64;
    };
    let call = format!("recv({CHUNK}), again and again");
    let why = "check each piece against the pattern, then forget it";
    let total = say.call_then(call, why, &mut recv_and_check, |n| format!("{n} bytes"))?;
    if total != size {
        let said = format!("{total} payload bytes arrived, {size} were announced");
        return Err(say.protocol_error(said));
    }
    report("received", size, started.elapsed());
    Ok(())
}
// ANCHOR_END: recv_bulk

/// The number in `Grüße! N bytes follow.\n`.
fn announced(line: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(line).ok()?;
    text.split_whitespace().nth(1)?.parse().ok()
}

/// The client's socket, with no SO_RCVBUF: the kernel sizes the buffer as the transfer needs.
pub fn connect_plain(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    let new_socket = || Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP));
    let socket_call = format!("socket({}, SOCK_STREAM)", family(&addr));
    let socket = say.call(socket_call, "make the client's socket", new_socket)?;
    let why = "open a TCP connection to the server";
    say.call(format!("connect({addr})"), why, || {
        socket.connect(&SockAddr::from(addr))
    })?;
    Ok(socket)
}

/// Take the next connection as it is: no SO_SNDBUF, so autotuning stays on.
pub fn accept_plain(listener: &Socket, say: &Narrator) -> Result<Socket> {
    let why = "take the first connection from the accept queue";
    let (conn, _) = say.call_then("accept()", why, || listener.accept(), |_| "ok".into())?;
    Ok(conn)
}

/// One line with the result, printed even with --quiet (cargo xtask bench reads it):
/// `bulk: received N bytes in S s: G GB/s; peak memory M MB (VmHWM)`.
fn report(what: &str, size: u64, took: Duration) {
    let secs = took.as_secs_f64().max(1e-9);
    let rate = size as f64 / secs / 1e9;
    println!(
        "bulk: {what} {size} bytes in {secs:.3} s: {rate:.2} GB/s; peak memory {}",
        peak_memory()
    );
}

/// The process's peak resident memory (VmHWM in /proc/self/status: Linux only).
fn peak_memory() -> String {
    if !cfg!(target_os = "linux") {
        return "not measured (no /proc here)".into();
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok());
    match kb {
        Some(kb) => format!("{:.1} MB (VmHWM)", kb as f64 * 1024.0 / 1e6),
        None => "not measured".into(),
    }
}
