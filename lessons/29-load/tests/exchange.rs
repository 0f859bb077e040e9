//! The load generator against real servers: the reference (line and HTTP), lesson 12's
//! readiness loop and lesson 16's chat when they are built, a server that stops answering;
//! and the output the book shows. Small C, short runs: each run is bounded by its flags.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use testkit::{lesson, Server, TraceFile};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-29-load");

/// Run the load generator against `addr` with `args` and `--kv`; its report as a map.
fn load(addr: std::net::SocketAddr, args: &[&str]) -> HashMap<String, String> {
    let addr = addr.to_string();
    let mut all = vec!["client", "--addr", addr.as_str(), "--kv"];
    all.extend(args);
    // The first --timeout given is the one that counts: 5 s unless the test gives its own.
    if !args.contains(&"--timeout") {
        all.extend(["--timeout", "5s"]);
    }
    let run = lesson(BIN).args(&all).run();
    run.success();
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("completed="))
        .unwrap_or_else(|| panic!("no key=value report:\n{}", run.transcript()));
    line.split_whitespace()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn number(report: &HashMap<String, String>, key: &str) -> f64 {
    report[key]
        .parse()
        .unwrap_or_else(|_| panic!("{key}={}", report[key]))
}

#[test]
fn a_closed_loop_against_the_reference_completes_and_measures_the_server() {
    let server = Server::start(BIN, &[]);
    let report = load(server.addr, &["-c", "5", "--closed", "300ms"]);
    assert_eq!(report["failed"], "0", "{report:?}");
    assert!(number(&report, "completed") >= 50.0, "{report:?}");
    assert!(number(&report, "p50_us") > 0.0, "{report:?}");
    if cfg!(target_os = "linux") {
        // The reference is one thread; it holds its listener and our 5 (+1) connections.
        assert_eq!(report["threads"], "1", "{report:?}");
        assert!(number(&report, "fds") >= 6.0, "{report:?}");
        assert!(number(&report, "rss_kib") > 0.0, "{report:?}");
    }
}

#[test]
fn paced_connections_keep_to_their_timetable_after_a_warm_up_not_counted() {
    let server = Server::start(BIN, &[]);
    // 3 connections, 20 lines a second each (one every 50 ms), for half a second after a
    // quarter of a second: 5 lines each in the warm-up, 10 each counted.
    let report = load(
        server.addr,
        &[
            "-c", "3", "--paced", "500ms", "--rate", "20", "--warmup", "250ms",
        ],
    );
    assert_eq!(report["failed"], "0", "{report:?}");
    assert_eq!(report["warm_up"], "15", "{report:?}");
    assert_eq!(report["completed"], "30", "{report:?}");
    // The generator's own lateness is reported apart, and is below the latency.
    let late = number(&report, "late_max_us");
    assert!(late <= number(&report, "max_us"), "{report:?}");
}

#[test]
fn a_storm_counts_every_connection_once() {
    let server = Server::start(BIN, &[]);
    let report = load(server.addr, &["-c", "50", "--once"]);
    assert_eq!(report["completed"], "50", "{report:?}");
    assert_eq!(report["failed"], "0", "{report:?}");
}

#[test]
fn a_connection_per_request_against_the_http_reference() {
    let server = Server::start(BIN, &["--http"]);
    let report = load(server.addr, &["-c", "3", "--closed", "300ms", "--http"]);
    assert_eq!(report["failed"], "0", "{report:?}");
    assert!(number(&report, "completed") >= 10.0, "{report:?}");
}

/// A server that answers the first connection (the client's narrated check), then on every
/// other connection answers the first `answers` lines and from then on reads and never
/// answers (a stalled server), until the client closes.
fn stalling_server(answers: usize) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().flatten().enumerate() {
            let answers = if n == 0 { 1 } else { answers };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = Vec::new();
                for answered in 0.. {
                    line.clear();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) if answered < answers => {
                            let _ = (&stream).write_all(&line);
                        }
                        Ok(_) => {}
                    }
                }
            });
        }
    });
    addr
}

#[test]
fn answers_that_never_come_are_counted_as_timeouts_and_the_run_ends() {
    let addr = stalling_server(0);
    let report = load(
        addr,
        &["-c", "3", "--closed", "200ms", "--timeout", "300ms"],
    );
    assert_eq!(report["completed"], "0", "{report:?}");
    assert_eq!(report["failures"], "answer:_timed_out:3", "{report:?}");
}

/// One paced connection, 20 lines a second for one second, no warm-up, and 3 s to wait for
/// an answer (each of the 5 answers must come within it, on a busy machine too): against
/// `stalling_server(5)`, the run of the two tests below.
#[rustfmt::skip]
const STALLED_RUN: [&str; 10] = [
    "-c", "1", "--paced", "1s", "--rate", "20", "--warmup", "0", "--timeout", "3s",
];

/// Coordinated omission's second half: the requests a stalled server never answered. One
/// connection, 20 lines a second for one second (due at 0, 50, …, 950 ms), no warm-up; the
/// server answers 5 lines and then nothing. The 6th (due at 250 ms) waits for the timeout;
/// it and the 14 due after it, never sent, are the run's worst: 15 requests of at least 50 to
/// 750 ms. A generator that counts only what was answered reports 5 quick round trips.
#[test]
fn a_stalled_server_s_unanswered_requests_are_counted_not_dropped() {
    let addr = stalling_server(5);
    let report = load(addr, &STALLED_RUN);
    assert_eq!(report["completed"], "5", "{report:?}");
    assert_eq!(report["failures"], "answer:_timed_out:1", "{report:?}");
    assert_eq!(report["unanswered"], "15", "{report:?}");
    // The one due at 250 ms had waited 750 ms when the run ended (the histogram keeps 3
    // significant digits).
    assert!(number(&report, "max_us") >= 749_000.0, "{report:?}");
    // 15 of the 20 requests are at least 50 ms: the median is one of them.
    assert!(number(&report, "p50_us") >= 50_000.0, "{report:?}");
}

#[test]
fn lesson_12_and_lesson_16_are_loaded_as_they_are() {
    let Some(nonblocking) = testkit::lesson_bin("lesson-12-nonblocking") else {
        return eprintln!("lesson-12-nonblocking is not built: run the whole `cargo test`");
    };
    let server = Server::start(&nonblocking, &["--quiet"]);
    let report = load(server.addr, &["-c", "20", "--closed", "300ms"]);
    assert_eq!(report["failed"], "0", "{report:?}");
    assert!(number(&report, "completed") >= 20.0, "{report:?}");
    let Some(chat) = testkit::lesson_bin("lesson-16-chat") else {
        return eprintln!("lesson-16-chat is not built: run the whole `cargo test`");
    };
    let server = Server::start(&chat, &["--quiet"]);
    // 5 members; m0 says 5 lines (10 a second for 500 ms); each of the 4 others gets all 5.
    let report = load(
        server.addr,
        &["-c", "5", "--chat", "--paced", "500ms", "--rate", "10"],
    );
    assert_eq!(report["joined"], "5", "{report:?}");
    assert_eq!(report["failed"], "0", "{report:?}");
    let spoken = number(&report, "spoken");
    assert!(spoken >= 4.0, "{report:?}");
    assert_eq!(number(&report, "completed"), spoken * 4.0, "{report:?}");
}

/// The speaking lasts the plan's length from the moment the last member joined, however
/// long the joining took. Lesson 16 is stopped (SIGSTOP) for 800 ms as its members arrive:
/// the joins take longer than the 500 ms of speaking. When the speaking was timed from the
/// start of the run, m0 said nothing at all, and the run reported 0 failures.
#[cfg(target_os = "linux")]
#[test]
fn a_slow_join_does_not_eat_the_chats_speaking() {
    let Some(chat) = testkit::lesson_bin("lesson-16-chat") else {
        return eprintln!("lesson-16-chat is not built: run the whole `cargo test`");
    };
    let server = Server::start(&chat, &["--quiet"]);
    let pid = server.pid();
    testkit::hostile::kill("STOP", pid);
    let resume = std::thread::spawn(move || {
        // The joins must wait on a stopped server: that is the case under test.
        std::thread::sleep(std::time::Duration::from_millis(800));
        testkit::hostile::kill("CONT", pid);
    });
    let report = load(
        server.addr,
        &["-c", "5", "--chat", "--paced", "500ms", "--rate", "10"],
    );
    resume.join().unwrap();
    assert_eq!(report["joined"], "5", "{report:?}");
    assert_eq!(report["failed"], "0", "{report:?}");
    assert!(number(&report, "spoken") >= 4.0, "{report:?}");
    assert_eq!(
        number(&report, "completed"),
        number(&report, "spoken") * 4.0,
        "{report:?}"
    );
}

#[test]
fn two_drives_at_once_are_refused() {
    lesson(BIN)
        .args(&["client", "--closed", "1s", "--paced", "1s"])
        .run()
        .clean_failure()
        .stderr_has("choose one of --closed, --paced and --once");
}

#[test]
fn a_rate_too_small_for_a_duration_is_refused_not_a_panic() {
    // 1/rate seconds is 1e300 s: more than a Duration holds (from_secs_f64 would panic).
    for (flag, value) in [("--rate", "1e-300"), ("--arrive", "1e-300")] {
        let run = lesson(BIN)
            .args(&["client", "--paced", "1s", "-c", "2", flag, value])
            .run();
        run.clean_failure().stderr_has(flag);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

#[test]
fn a_paced_run_of_more_than_a_million_lines_a_connection_is_refused() {
    // 100000 lines a second for 10 s after the 1 s warm-up: 1100000 due on each connection,
    // more than a report counts (lesson_29_load::MOST_DUE). Refused before any connect.
    let run = lesson(BIN)
        .args(&[
            "client",
            "--paced",
            "10s",
            "--rate",
            "100000",
            "--addr",
            "127.0.0.1:9",
        ])
        .run();
    run.clean_failure().stderr_has("--paced");
    assert!(run.stderr.contains("1100000"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

/// Numbers change from run to run: compare the book's output with every number masked.
fn masked(text: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in text.chars() {
        let digit = c.is_ascii_digit() || (in_number && c == '.');
        if digit && !in_number {
            out.push('N');
        } else if !digit {
            out.push(c);
        }
        in_number = digit;
    }
    out
}

/// The book shows `now` from `file`, numbers aside; `BLESS=1` writes it.
fn shown(file: &str, now: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, now).unwrap();
        return;
    }
    let shown = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        masked(&shown),
        masked(now),
        "{file} no longer matches the lesson's run (numbers aside): BLESS=1 cargo test -p lesson-29-load"
    );
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    let trace = TraceFile::new();
    let run = lesson(BIN).args(&["--trace", trace.path()]).run();
    run.success();
    let text = format!(
        "$ cargo run -p lesson-29-load\n{}",
        testkit::normalize_ports(&run.stdout, &[])
    );
    shown("output.txt", &text);
    shown(
        "diagram.mmd",
        &testkit::diagram_of(&trace.read(), &run.stdout, &[]),
    );
}

/// The report of a paced run against a server that stops answering (the test's
/// `stalling_server`, a thread of this test: the report's `server` line, which would describe
/// this test's process, is left out).
#[test]
fn the_book_shows_a_stalled_run() {
    let addr = stalling_server(5).to_string();
    let mut args = vec!["client", "--addr", &addr];
    args.extend(STALLED_RUN);
    let run = lesson(BIN).args(&args).run();
    run.success();
    let report: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| !l.starts_with("server "))
        .collect();
    let text = format!(
        "$ cargo run -p lesson-29-load -- {}\n{}\n",
        args.join(" "),
        report.join("\n")
    );
    shown("output-stall.txt", &testkit::normalize_ports(&text, &[]));
}
