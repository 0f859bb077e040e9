//! Lesson 23, the challenge after part one: a key–value server, built from the spec in
//! book/23-kv.md. Everything in it is from chapters 1 to 8: a listening socket, an accept
//! loop that serves one client after another, lines read whole with a limit and a deadline,
//! replies sent whole, and a close that ends one client and not the server.
//!
//! The protocol: the client sends lines (`SET key value`, `GET key`, `DEL key`, `QUIT`), each
//! ending in `\n`; the server answers each with one line (`OK`, `VALUE value`, `NOTFOUND`,
//! `DELETED`, `BYE`, `ERR …`). The learner's `serve_client` speaks it; this file accepts the
//! clients, narrates, and closes.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use common::listener::{accept, listen_on, Backoff};
use common::{show_bytes, Flag, Lesson, Narrated, Narrator, Options, Result};
use lesson_23_kv::{serve_client, Limits, Store};

static LESSON: Lesson = Lesson {
    package: "lesson-23-kv",
    title: "Challenge: a key–value server",
    port: 7023,
    about: "A key–value store over TCP, one line per request: SET key value -> OK,\n\
            GET key -> VALUE value or NOTFOUND, DEL key -> DELETED or NOTFOUND, QUIT -> BYE.\n\
            Anything else -> ERR bad request. Limits: a line of 1024 bytes, a key of 64,\n\
            a value of 512, 1000 keys; a whole line within --timeout seconds (default 10).\n\
            One client at a time; one store for all of them. The demo sends two clients'\n\
            requests; the client sends the lines of its standard input.\n\
            Try it with: printf 'SET a 1\\nGET a\\n' | nc -N 127.0.0.1 7023",
    flags: &[
        Flag {
            name: "--clients",
            value: Some("N"),
            help: "server: exit after N clients (default: serve forever)",
        },
        Flag {
            name: "--timeout",
            value: Some("SECS"),
            help: "deadline for each whole request line (default 10)",
        },
    ],
};

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

/// The limits, with the deadline from --timeout.
fn limits(opts: &Options) -> Result<Limits> {
    Ok(Limits {
        deadline: opts.seconds("--timeout", 10)?,
        ..Limits::DEFAULT
    })
}

// ANCHOR: serve_one
/// One client, from accept() to close(). Your `serve_client` does everything in between;
/// whatever goes wrong with this client ends this connection only. accept() rides out the
/// errors that pass, with a pause that grows (chapter 4); only a listener that is not
/// listening stops the server.
fn serve_one(
    listener: &TcpListener,
    backoff: &mut Backoff,
    store: &mut Store,
    limits: &Limits,
    say: &Narrator,
) -> Result<()> {
    let (stream, peer) = accept(listener, backoff, say)?;
    match serve_client(&stream, store, limits) {
        Ok(()) => say.note(format!(
            "{peer} is done; the store holds {} key(s)",
            store.len()
        )),
        Err(e) => say.note(format!("dropping {peer}: {e}")),
    }
    say.call("close(connection)", "done with this client", || {
        drop(stream);
        Ok(())
    })
}
// ANCHOR_END: serve_one

// ANCHOR: server
/// Serve clients one after another, with one store: forever, or `--clients N` of them.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let clients: u64 = opts.value("--clients", 0)?;
    let limits = limits(opts)?;
    let listener = listen_on(opts, &say)?;
    let mut store = Store::new();
    let mut backoff = Backoff::new();
    let mut served = 0;
    while clients == 0 || served < clients {
        serve_one(&listener, &mut backoff, &mut store, &limits, &say)?;
        served += 1;
    }
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client_calls
/// connect(), with a timeout for a silent server.
fn connect_to(addr: SocketAddr, say: &Narrator) -> Result<TcpStream> {
    let conn = say.call(format!("connect({addr})"), "open a TCP connection", || {
        TcpStream::connect(addr)
    })?;
    say.call(
        "setsockopt(SO_RCVTIMEO, 10 s)",
        "give up on a silent server",
        || conn.set_read_timeout(Some(Duration::from_secs(10))),
    )?;
    Ok(conn)
}

/// Send all the requests, then shut down our sending direction: the server answers each,
/// reads end of stream, and closes.
fn send_requests(conn: &TcpStream, requests: &[u8], say: &Narrator) -> Result<()> {
    let mut socket = Narrated::quiet(conn, say.clone());
    let call = format!("write_all({})", show_bytes(requests));
    let shown = |_: &()| format!("{} bytes", requests.len());
    say.call_then(
        call,
        "send every request",
        || socket.write_all(requests),
        shown,
    )?;
    let why = "no more requests: the server reads end of stream";
    say.call("shutdown(Write)", why, || conn.shutdown(Shutdown::Write))
}

/// Read every reply, until the server closes.
fn read_replies(conn: &TcpStream, say: &Narrator) -> Result<Vec<u8>> {
    let mut socket = Narrated::quiet(conn, say.clone());
    let mut replies = Vec::new();
    let shown = |n: &usize| format!("{n} bytes, then end of stream");
    say.call_then(
        "read_to_end()",
        "every reply, until the server closes",
        || socket.read_to_end(&mut replies),
        shown,
    )?;
    Ok(replies)
}

fn close(conn: TcpStream, say: &Narrator) -> Result<()> {
    say.call("close(client socket)", "done", || {
        drop(conn);
        Ok(())
    })
}
// ANCHOR_END: client_calls

/// Print each request next to its reply.
fn show_pairs(requests: &[u8], replies: &[u8]) {
    let asked = requests.split_inclusive(|&b| b == b'\n');
    let answered = replies.split_inclusive(|&b| b == b'\n');
    for (request, reply) in asked.zip(answered) {
        println!("{:<22} -> {}", show_bytes(request), show_bytes(reply));
    }
}

// ANCHOR: client
/// Send the lines of standard input as requests, print each reply.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let mut requests = Vec::new();
    if common::narrate::step_mode() {
        say.note("step mode reads Enter from standard input: sending two sample requests");
        requests.extend_from_slice(b"SET a 1\nGET a\n");
    } else {
        let _ = std::io::stdin().lock().read_to_end(&mut requests);
        if !requests.is_empty() && !requests.ends_with(b"\n") {
            requests.push(b'\n');
        }
    }
    let conn = connect_to(opts.addr, &say)?;
    send_requests(&conn, &requests, &say)?;
    let replies = read_replies(&conn, &say)?;
    close(conn, &say)?;
    show_pairs(&requests, &replies);
    Ok(())
}
// ANCHOR_END: client

// ANCHOR: demo
/// Two clients, one after another, in one thread. Each sends all its requests and
/// half-closes BEFORE the server accepts it: the kernel holds the bytes, so nothing waits.
fn demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    let lesson = opts.narrator("lesson");
    let listener = listen_on(opts, &server)?;
    let addr = listener
        .local_addr()
        .map_err(|e| server.failed("getsockname()", e))?;
    let limits = limits(opts)?;
    let mut store = Store::new();
    let mut backoff = Backoff::new();

    let first: &[u8] = b"SET fruit apple\nGET fruit\nGET plum\nSET k\nDEL fruit\nSET city Paris\n";
    let second: &[u8] = b"GET city\nGET fruit\nQUIT\n";
    for (n, requests) in [first, second].into_iter().enumerate() {
        lesson.note(format!(
            "client {}: {} request(s)",
            n + 1,
            requests.split(|&b| b == b'\n').count() - 1
        ));
        let conn = connect_to(addr, &client)?;
        send_requests(&conn, requests, &client)?;
        serve_one(&listener, &mut backoff, &mut store, &limits, &server)?;
        let replies = read_replies(&conn, &client)?;
        close(conn, &client)?;
        show_pairs(requests, &replies);
    }
    Ok(())
}
// ANCHOR_END: demo
