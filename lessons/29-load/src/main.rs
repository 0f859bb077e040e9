//! Lesson 29: the performance lab. A load generator that opens C connections (all at once, a
//! storm, or arriving at a rate), drives a server's line protocol in a closed loop or on a
//! timetable (paced), and reports what completed and what failed (by kind), the throughput,
//! the latency percentiles (HDR histograms), the connect times, the kernel's count of SYNs
//! sent again and of handshakes dropped, and what the server spent: peak memory, threads,
//! descriptors, CPU time per round trip (/proc, Linux).
//!
//! `server` is the reference: a minimal one-thread tokio server that sends each line back.
//! `client --addr HOST:PORT` loads any lesson's server; `cargo xtask bench` runs them all.

mod chat;
mod load;
mod plan;
mod reference;
mod server_view;
mod tally;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use common::{Flag, Lesson, Narrated, Options, Result};

use plan::{Drive, Plan, Protocol};

static LESSON: Lesson = Lesson {
    package: "lesson-29-load",
    title: "the performance lab: load, latency percentiles, and what a server costs",
    port: 7029,
    about: "The server is the reference: one thread, tokio, each line sent back as it is\n\
            (b\"ping\\n\" -> b\"ping\\n\"); with --http, one fixed HTTP response per connection.\n\
            The client is the load generator: every connection sends b\"ping\\n\" and waits for\n\
            one whole line back, so it loads lessons 09, 11, 12 and 13 as they are; --http loads\n\
            lesson 14, --chat lesson 16. The demo runs both in one process, a few connections.\n\n\
            Load a lesson's server (two terminals; --quiet: measure the server, not its printing):\n    \
            cargo run --release -p lesson-12-nonblocking -- server --quiet\n    \
            cargo run --release -p lesson-29-load -- client --addr 127.0.0.1:7012 -c 1000 --closed 10s\n\
            Every run is bounded: each wait has --timeout, and the run ends after its length.",
    flags: &[
        Flag { name: "-c", value: Some("N"), help: "client: open N connections (default 10)" },
        Flag { name: "--connections", value: Some("N"), help: "the same as -c" },
        Flag { name: "--closed", value: Some("TIME"), help: "client: closed loop for TIME (10s, 500ms; the default, 5s)" },
        Flag { name: "--paced", value: Some("TIME"), help: "client: --rate lines a second on each connection, for TIME" },
        Flag { name: "--rate", value: Some("N"), help: "client: lines a second per connection, paced and --chat (default 10)" },
        Flag { name: "--warmup", value: Some("TIME"), help: "client, paced: run TIME first and count none of it (default 1s)" },
        Flag { name: "--once", value: None, help: "client: one round trip per connection, then close (a storm)" },
        Flag { name: "--arrive", value: Some("N"), help: "client: open N connections a second (default: all at once)" },
        Flag { name: "--http", value: None, help: "server: answer HTTP; client: a connection per GET (lesson 14)" },
        Flag { name: "--chat", value: None, help: "client: join a chat as m0…mN; m0 speaks, the others time its lines (lesson 16)" },
        Flag { name: "--deadline", value: Some("TIME"), help: "server: the longest a line (or answer) may take (default 10s)" },
        Flag { name: "--timeout", value: Some("TIME"), help: "client: the longest wait for a connect or an answer (default 10s)" },
        Flag { name: "--pid", value: Some("PID"), help: "client: the server's process (default: the one listening on --addr)" },
        Flag { name: "--kv", value: None, help: "client: the report as one line of key=value words, for scripts" },
    ],
};

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

/// A runtime on this thread: every connection of the load is a task on it.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| common::LessonError::io("Runtime::new", e, LESSON.package))
}

// ANCHOR: demo
/// The reference server on a thread of its own, one connection narrated call by call, then
/// the load: a few connections in a closed loop for half a second, and the report.
fn demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let (rt, listener, addr) = bind_reference(opts, &server)?;
    let http = opts.has("--http");
    let deadline = Duration::from_secs(10);
    let quiet = opts.narrator("server");
    std::thread::spawn(move || rt.block_on(reference::serve(listener, http, deadline, quiet)));
    let say = opts.narrator("load");
    one_round_trip(addr, &say)?;
    let plan = Plan::from(opts, addr, Duration::from_millis(500))?;
    say.note(format!(
        "now {} connections at once, a {}; no narration from here",
        plan.connections,
        plan.describe()
    ));
    let (tally, window) = runtime()?.block_on(run_local(&plan));
    // (The server's own numbers need it in a process of its own: see `client`.)
    for line in tally.report(window, None) {
        println!("{line}");
    }
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: one_round_trip
/// One connection, narrated: connect, send `ping\n`, read the line back, close. The client
/// also starts with it, so that a server that is not there is refused clearly.
fn one_round_trip(addr: SocketAddr, say: &common::Narrator) -> Result<()> {
    let stream = say.call_opening(
        format!("connect({addr})"),
        "one connection first, narrated",
        || TcpStream::connect(addr),
        |_| "ok".into(),
    )?;
    // A server that never answers must not hold the run for ever.
    let wait = Some(Duration::from_secs(10));
    let timed = stream.set_read_timeout(wait);
    timed.map_err(|e| say.failed("setsockopt(SO_RCVTIMEO)", e))?;
    let mut stream = BufReader::new(Narrated::new(stream, say.clone()));
    stream
        .get_mut()
        .write_all(b"ping\n")
        .map_err(|e| say.failed("write_all(b\"ping\\n\")", e))?;
    let mut answer = Vec::new();
    stream
        .read_until(b'\n', &mut answer)
        .map_err(|e| say.failed("read_until(b'\\n')", e))?;
    Ok(())
}
// ANCHOR_END: one_round_trip

/// The load's tasks share one tally without locks: they run on a LocalSet, on this thread.
async fn run_local(plan: &Plan) -> (tally::Tally, Duration) {
    tokio::task::LocalSet::new()
        .run_until(load::run(plan))
        .await
}

/// The reference server's listening socket, on a runtime of its own.
fn bind_reference(
    opts: &Options,
    say: &common::Narrator,
) -> Result<(tokio::runtime::Runtime, tokio::net::TcpListener, SocketAddr)> {
    let rt = runtime()?;
    let listener = say.call_then(
        format!("TcpListener::bind({})", opts.addr),
        "the reference server: socket, bind, listen(1024), tokio's backlog",
        || rt.block_on(reference::bind(opts.addr)),
        |l| format!("ok, bound to {}", l.local_addr().map_or(opts.addr, |a| a)),
    )?;
    let addr = listener
        .local_addr()
        .map_err(|e| say.failed("getsockname()", e))?;
    Ok((rt, listener, addr))
}

/// The reference server: bind, say it is ready, serve until stopped.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let (rt, listener, addr) = bind_reference(opts, &say)?;
    opts.ready(addr);
    let deadline = opts
        .value("--deadline", plan::Span(Duration::from_secs(10)))?
        .0;
    rt.block_on(reference::serve(
        listener,
        opts.has("--http"),
        deadline,
        say,
    ));
    Ok(())
}

// ANCHOR: client
/// The load generator: check the server is there, allow enough descriptors, watch the
/// server's process, run the load, report.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("load");
    let plan = Plan::from(opts, opts.addr, Duration::from_secs(5))?;
    if plan.protocol == Protocol::Line {
        one_round_trip(plan.addr, &say)?;
    }
    let limit = allow_descriptors(plan.connections as u64 + 64);
    say.note(format!("descriptors: this process may open {limit}"));
    let pid = match opts.value("--pid", 0u32)? {
        0 => server_view::listener_pid(plan.addr.port()),
        pid => Some(pid),
    };
    say.note(format!(
        "{} connections, a {}",
        plan.connections,
        plan.describe()
    ));
    let watch = server_view::Watch::start(pid);
    let (tally, window) = runtime()?.block_on(run_local(&plan));
    let server = watch.stop();
    if opts.has("--kv") {
        // The load generator's own CPU time too: a bench can tell what else ran meanwhile.
        let own = server_view::own_cpu_seconds().unwrap_or(0.0);
        println!("{} load_cpu_s={own:.3}", tally.kv(window, &server));
    } else {
        for line in tally.report(window, Some(&server)) {
            println!("{line}");
        }
    }
    Ok(())
}
// ANCHOR_END: client

/// Raise this process's soft limit on open descriptors (RLIMIT_NOFILE, getrlimit(2)) up to
/// `wanted`, as far as the hard limit allows; return the limit now in force.
#[cfg(target_os = "linux")]
fn allow_descriptors(wanted: u64) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read and write the struct we pass, nothing else.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        if limit.rlim_cur < wanted {
            let raised = libc::rlimit {
                rlim_cur: wanted.min(limit.rlim_max),
                ..limit
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    limit.rlim_cur
}

#[cfg(not(target_os = "linux"))]
fn allow_descriptors(_wanted: u64) -> u64 {
    0
}

impl Plan {
    /// `closed loop for 5 s`, `paced 10 lines/s each for 5 s`, `storm: one round trip each`.
    fn describe(&self) -> String {
        let what = match (self.protocol, self.drive) {
            (_, Drive::Once) => "storm: one round trip each".to_string(),
            (Protocol::Chat, d) => {
                format!("chat: m0 speaks {} lines/s for {:?}", self.rate, length(d))
            }
            (_, Drive::Closed(d)) => format!("closed loop for {:?}", d),
            (_, Drive::Paced(d)) => format!(
                "paced {} lines/s each for {:?} after a {:?} warm-up",
                self.rate, d, self.warmup
            ),
        };
        match self.arrive {
            Some(rate) => format!("{what}, arriving {rate}/s"),
            None => what,
        }
    }
}

fn length(drive: Drive) -> Duration {
    match drive {
        Drive::Closed(d) | Drive::Paced(d) => d,
        Drive::Once => Duration::ZERO,
    }
}
