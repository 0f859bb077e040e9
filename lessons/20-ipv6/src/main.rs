//! Lesson 20: IPv6 and dual stack.
//!
//! An IPv6 socket bound to the wildcard `[::]` with the IPV6_V6ONLY option OFF takes IPv4
//! connections too: the kernel shows each IPv4 peer as an IPv4-mapped IPv6 address,
//! `::ffff:127.0.0.1` (RFC 4291, section 2.5.5.2). One socket then holds the port for both
//! families, so a second socket cannot bind `0.0.0.0` on the same port. With IPV6_V6ONLY on,
//! the socket is IPv6 only, IPv4 clients are refused, and `0.0.0.0` on that port is free for
//! a socket of its own. The default differs by system (Linux: `net.ipv6.bindv6only`, 0;
//! Windows and the BSDs: on): a portable server says which it wants.
//!
//! The protocol: the server tells each client where it comes from, `you are ADDR\n`, with
//! the address unmapped, and closes. With `--allow NET` (the exercise), a client that no
//! rule holds is told `not allowed\n` instead; an IPv4 client is IPv4 for the rules, mapped
//! or not.

use std::io::{self, BufRead, BufReader, ErrorKind, Write};
use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6, TcpListener, TcpStream};
use std::process::ExitCode;

use common::error::describe;
use common::listener::Backoff;
use common::{show_bytes, Flag, Lesson, LessonError, Narrated, Narrator, Options, Result};
use lesson_20_ipv6::{allowed, Net};
use socket2::{Domain, Protocol, Socket, Type};

static LESSON: Lesson = Lesson {
    package: "lesson-20-ipv6",
    title: "IPv6 and dual stack: one socket for both families, mapped addresses, V6ONLY",
    port: 7020,
    about: "The server tells each client the address it connected from (`you are ADDR`) and\n\
            closes. Given an IPv6 address ([::]:7020), it makes the socket dual stack\n\
            (IPV6_V6ONLY off: IPv4 clients arrive as ::ffff:a.b.c.d), or IPv6 only with\n\
            --v6only. With --allow NET (repeatable), it serves only the clients those\n\
            networks hold, IPv4 ones by IPv4 rules however they arrive. The demo shows\n\
            both sockets, an allow-list, and the bind of 0.0.0.0 that a dual-stack\n\
            socket refuses. It needs IPv6 on the loopback (::1); without it, it says so.\n\
            Try it with: cargo run -p lesson-20-ipv6 -- server --addr [::]:7020\n\
            then: nc -4 127.0.0.1 7020   and   nc -6 ::1 7020",
    flags: &[
        Flag {
            name: "--clients",
            value: Some("N"),
            help: "server: exit after N clients (default: serve forever)",
        },
        Flag {
            name: "--v6only",
            value: None,
            help: "server: IPV6_V6ONLY on (IPv6 clients only); default off (dual stack)",
        },
        Flag {
            name: "--allow",
            value: Some("NET"),
            help: "server: serve only clients of this network (10.0.0.0/8, ::1); repeatable",
        },
    ],
};

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: listen
/// socket(), setsockopt(IPV6_V6ONLY), bind(), listen(): the option must be set BEFORE bind,
/// which is why std's one-step `TcpListener::bind` cannot do it (it keeps the default).
fn listen_v6(addr: SocketAddr, v6only: bool, say: &Narrator) -> Result<TcpListener> {
    let why = "a TCP socket of the IPv6 family";
    let socket = say.call("socket(AF_INET6, SOCK_STREAM)", why, || {
        Socket::new(Domain::IPV6, Type::STREAM, Some(Protocol::TCP))
    })?;
    // What this system gives a new IPv6 socket (Linux: net.ipv6.bindv6only, 0 = off).
    let why = "the system's default, before we choose";
    say.call_then("getsockopt(IPV6_V6ONLY)", why, || socket.only_v6(), on_off)?;
    let call = format!("setsockopt(IPV6_V6ONLY, {})", on_off(&v6only));
    let why = if v6only {
        "IPv6 clients only"
    } else {
        "IPv4 clients too, as ::ffff:a.b.c.d"
    };
    say.call(call, why, || socket.set_only_v6(v6only))?;
    say.call(
        format!("bind({addr})"),
        "the wildcard: every address",
        || socket.bind(&addr.into()),
    )?;
    say.call("listen(128)", "take connections", || socket.listen(128))?;
    Ok(TcpListener::from(socket))
}

fn on_off(on: &bool) -> String {
    if *on { "on" } else { "off" }.to_string()
}
// ANCHOR_END: listen

// ANCHOR: serve
/// Accept one client and tell it where it comes from (the address accept() gave, unmapped),
/// or, when `rules` are given and none holds it, that it is not allowed.
fn serve_one(listener: &TcpListener, rules: &[Net], say: &Narrator) -> Result<()> {
    let (conn, peer) = accept(listener, say)?;
    answer(conn, peer, rules, say)
}

fn accept(listener: &TcpListener, say: &Narrator) -> Result<(TcpStream, SocketAddr)> {
    say.call("accept()", "the next client, of either family", || {
        listener.accept()
    })
}

fn answer(conn: TcpStream, peer: SocketAddr, rules: &[Net], say: &Narrator) -> Result<()> {
    say.kernel(&conn);
    // std's to_canonical turns ::ffff:a.b.c.d (only that) into a.b.c.d.
    let shown = SocketAddr::new(peer.ip().to_canonical(), peer.port());
    if shown != peer {
        say.note(format!(
            "{peer} is an IPv4-mapped address: the client is {shown}, over IPv4"
        ));
    }
    let answer = if rules.is_empty() {
        format!("you are {shown}\n")
    } else if allowed(peer, rules) {
        say.note(format!("an --allow rule holds {}: served", shown.ip()));
        format!("you are {shown}\n")
    } else {
        say.note(format!("no --allow rule holds {}: refused", shown.ip()));
        "not allowed\n".to_string()
    };
    let mut socket = Narrated::quiet(&conn, say.clone());
    let call = format!("write_all({})", show_bytes(answer.as_bytes()));
    let bytes = |_: &()| format!("{} bytes", answer.len());
    say.call_then(
        call,
        "tell it",
        || socket.write_all(answer.as_bytes()),
        bytes,
    )?;
    say.call("close(connection)", "done with this client", || {
        drop(conn);
        Ok(())
    })
}
// ANCHOR_END: serve

/// The server: dual stack (or IPv6 only) for an IPv6 address, plain for an IPv4 one.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let clients: u64 = opts.value("--clients", 0)?;
    let rules = allow_rules(opts)?;
    let listener = if opts.addr.is_ipv6() {
        listen_v6(opts.addr, opts.has("--v6only"), &say)?
    } else {
        let call = format!("socket() + bind({}) + listen()", opts.addr);
        say.call(call, "an IPv4 socket", || TcpListener::bind(opts.addr))?
    };
    opts.ready(
        listener
            .local_addr()
            .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?,
    );
    let mut served = 0;
    let mut pause = Backoff::new();
    while clients == 0 || served < clients {
        // A failed accept() (no descriptor left, say) is waited out, a little longer each time
        // (chapter 11); a client that reset before its answer ends that client, not the
        // server. Either way the error is already on screen.
        let Ok((conn, peer)) = accept(&listener, &say) else {
            pause.wait(&say);
            continue;
        };
        pause.reset();
        let _ = answer(conn, peer, &rules, &say);
        served += 1;
    }
    Ok(())
}

/// The networks of every --allow, read before the server starts: a bad one is an error.
fn allow_rules(opts: &Options) -> Result<Vec<Net>> {
    let read = |text: &str| {
        text.parse()
            .map_err(|e| LessonError::protocol("command line", format!("--allow {e}")))
    };
    opts.values("--allow").into_iter().map(read).collect()
}

// ANCHOR: client
/// Connect (to each address of --addr in turn, lesson 19) and print what the server says.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let mut last = None;
    for &addr in &opts.addrs {
        match say.call(format!("connect({addr})"), "open a connection", || {
            TcpStream::connect(addr)
        }) {
            Ok(conn) => {
                let line = read_answer(&conn, &say)?;
                println!("{}", String::from_utf8_lossy(&line).trim_end());
                return Ok(());
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.expect("--addr gives at least one address"))
}

/// Read the server's one line.
fn read_answer(conn: &TcpStream, say: &Narrator) -> Result<Vec<u8>> {
    conn.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .map_err(|e| LessonError::io("setsockopt(SO_RCVTIMEO)", e, LESSON.package))?;
    let mut reader = BufReader::new(Narrated::quiet(conn, say.clone()));
    let mut line = Vec::new();
    say.call("read_until(b'\\n')", "the server's answer", || {
        reader.read_until(b'\n', &mut line)
    })?;
    Ok(line)
}
// ANCHOR_END: client

/// A call that is expected to fail (the point of the step): narrate its error as its result.
fn expect_refusal<T>(
    say: &Narrator,
    call: String,
    why: &str,
    run: impl FnOnce() -> io::Result<T>,
) -> Option<T> {
    let shown = |result: &io::Result<T>| match result {
        Ok(_) => "ok".to_string(),
        Err(e) => format!("error: {}", describe(e)),
    };
    // The call's error is its outcome here: Ok(run()) never fails as a narrated call.
    say.call_then(call, why, || Ok(run()), shown).ok()?.ok()
}

// ANCHOR: demo
/// One dual-stack socket and two clients (one per family); the bind it forbids; then an
/// IPv6-only socket, which refuses IPv4 and leaves 0.0.0.0 free.
fn demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let client = opts.narrator("client");
    no_ipv6_is_said_clearly(&server)?;
    let any = SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0));
    let dual = listen_v6(any, false, &server)?;
    let port = dual
        .local_addr()
        .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?
        .port();
    opts.ready(SocketAddr::from((Ipv6Addr::UNSPECIFIED, port)));

    // One client per family, to the same socket.
    one_of_each_family(&dual, &[], &server, &client)?;

    // The same socket with an allow-list: the IPv4 client, mapped, is held by an IPv4 rule.
    let rule = "127.0.0.0/8".parse();
    let rules: Vec<Net> = vec![rule.map_err(|e: String| LessonError::protocol("--allow", e))?];
    server.note("now --allow 127.0.0.0/8: IPv4's loopback only");
    one_of_each_family(&dual, &rules, &server, &client)?;

    // The port is taken for IPv4 too.
    let v4 = SocketAddr::from(([0, 0, 0, 0], port));
    let why = "an IPv4 socket on the same port";
    expect_refusal(&server, format!("bind({v4})"), why, || {
        TcpListener::bind(v4)
    });
    drop(dual);

    // IPV6_V6ONLY on: IPv6 only, and IPv4's wildcard on that port is free.
    let only = listen_v6(any, true, &server)?;
    let port = only
        .local_addr()
        .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?
        .port();
    let to = SocketAddr::from(([127, 0, 0, 1], port));
    let why = "an IPv4 client to the IPv6-only socket";
    expect_refusal(&client, format!("connect({to})"), why, || {
        TcpStream::connect(to)
    });
    let v4 = SocketAddr::from(([0, 0, 0, 0], port));
    let why = "now the port is free for IPv4";
    let _v4_listener = expect_refusal(&server, format!("bind({v4})"), why, || {
        TcpListener::bind(v4)
    });

    // Scope ids: a link-local address means nothing without its interface.
    let link_local = SocketAddrV6::new(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1), 7020, 0, 1);
    server.note(format!(
        "a link-local address names its interface: {link_local} is fe80::1 on interface 1 (scope_id {})",
        link_local.scope_id()
    ));
    Ok(())
}

/// A client from 127.0.0.1, then one from ::1, each served (or refused) by the socket.
fn one_of_each_family(
    listener: &TcpListener,
    rules: &[Net],
    server: &Narrator,
    client: &Narrator,
) -> Result<()> {
    let port = listener
        .local_addr()
        .map_err(|e| LessonError::io("getsockname", e, LESSON.package))?
        .port();
    for to in [
        SocketAddr::from(([127, 0, 0, 1], port)),
        SocketAddr::from((Ipv6Addr::LOCALHOST, port)),
    ] {
        let conn = client.call(format!("connect({to})"), "one client", || {
            TcpStream::connect(to)
        })?;
        serve_one(listener, rules, server)?;
        read_answer(&conn, client)?;
    }
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: no_ipv6
/// A machine may have no IPv6 at all (a kernel without it, `ipv6.disable=1`, a container
/// without `::1`): then the lesson has nothing to show, and says so rather than fail later.
fn no_ipv6_is_said_clearly(say: &Narrator) -> Result<()> {
    let probe = SocketAddr::from((Ipv6Addr::LOCALHOST, 0));
    // No IPv6 is an outcome of this bind (`Some(why)`), not a failure of the call.
    let bind = || match TcpListener::bind(probe) {
        Ok(_) => Ok(None),
        Err(e) if no_ipv6(&e) => Ok(Some(e)),
        Err(e) => Err(e),
    };
    let shown = |missing: &Option<io::Error>| match missing {
        None => "ok: ::1 is there".to_string(),
        Some(e) => format!("error: {}: no IPv6 here", describe(e)),
    };
    let why = "is there IPv6 on the loopback?";
    match say.call_then(format!("bind({probe})"), why, bind, shown)? {
        None => Ok(()),
        Some(e) => Err(LessonError::protocol(
            "bind([::1]:0)",
            format!(
                "this machine has no IPv6 on its loopback ({}): the lesson needs ::1 \
                 (Linux: ip -6 addr show lo; sysctl net.ipv6.conf.lo.disable_ipv6)",
                describe(&e)
            ),
        )),
    }
}

/// The errors of a machine without IPv6: no ::1, no IPv6 at all, EAFNOSUPPORT (97 on Linux).
fn no_ipv6(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::AddrNotAvailable | ErrorKind::Unsupported
    ) || e.raw_os_error() == Some(97)
}
// ANCHOR_END: no_ipv6
