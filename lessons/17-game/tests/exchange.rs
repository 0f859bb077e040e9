//! Lesson 17's game, checked for real: the demo, a server with two client processes (one of
//! them losing an input), a raw player that sends late, repeated and malformed datagrams.
//! Reference build only: the exercise's own checks are in tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use testkit::{lesson, normalize_ports, traced_server, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-17-game");

#[test]
fn the_demo_plays_four_ticks_in_order() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // What really left each side: alice's first copy of input 2 (delayed) and bob's input 3
    // (lost) never did; alice's input 2 went out late, after input 3, and input 4 twice.
    let alice = trace.datagrams("alice", "send");
    let bob = trace.datagrams("bob", "send");
    assert_eq!(alice[0], "hello, may I play?");
    assert!(alice[1].starts_with("join "), "{alice:?}");
    let alice_inputs = [
        "input 1 right",
        "input 3 up",
        "input 2 right",
        "input 4 right",
    ];
    assert_eq!(alice[2..], [&alice_inputs[..], &["input 4 right"]].concat());
    assert_eq!(bob[2..], ["input 1 left", "input 2 up", "input 4 left"]);
    assert_eq!(trace.datagrams("other", "send"), ["\u{fffd}\0hello?"]);
    // The cookie each received is the one each sent back in its join.
    for (who, sent) in [("alice", &alice), ("bob", &bob)] {
        let got = trace.datagrams(who, "recv");
        assert_eq!(got[0].len(), 15, "{got:?}");
        assert_eq!(got[0].replace("cookie", "join"), sent[1], "{who}");
    }
    // The server received every datagram that was sent, in order, and nothing else.
    let received = trace.datagrams("server", "recv");
    assert_eq!(received.len(), 13, "{received:?}");
    assert_eq!(received[4..6], ["input 1 right", "input 1 left"]);
    assert_eq!(
        received[6..],
        [
            "input 2 up",
            "input 3 up",
            "input 2 right",
            "\u{fffd}\0hello?",
            "input 4 right",
            "input 4 right",
            "input 4 left"
        ]
    );
    // Newest wins: the late input 2 and the second input 4 moved nobody; bob's snapshots
    // still acknowledge input 2 after his input 3 was lost.
    assert_eq!(
        trace.datagrams("alice", "recv")[1..],
        [
            "snap 1 ack=1 you=p1 p1=1,0 p2=-1,0",
            "snap 2 ack=1 you=p1 p1=1,0 p2=-1,1",
            "snap 3 ack=3 you=p1 p1=1,1 p2=-1,1",
            "snap 4 ack=4 you=p1 p1=2,1 p2=-2,1"
        ]
    );
    assert_eq!(
        trace.datagrams("bob", "recv")[1..],
        [
            "snap 1 ack=1 you=p2 p1=1,0 p2=-1,0",
            "snap 2 ack=2 you=p2 p1=1,0 p2=-1,1",
            "snap 3 ack=2 you=p2 p1=1,1 p2=-1,1",
            "snap 4 ack=4 you=p2 p1=2,1 p2=-2,1"
        ]
    );
    // Two cookies and eight snapshots: the garbage got no answer.
    assert_eq!(trace.datagrams("server", "send").len(), 10);
    // A UDP server: socket and bind, then datagrams; no listen(), no accept(), no error.
    let calls = trace.calls("server");
    assert_eq!(calls[..2], ["socket", "bind"], "{calls:?}");
    assert!(calls[2..]
        .iter()
        .all(|c| c == "recv_from" || c == "send_to"));
    for who in ["server", "alice", "bob", "other"] {
        assert!(
            trace.errors(who).is_empty(),
            "{who}: {:?}",
            trace.errors(who)
        );
    }
}

/// A player that is not our client: it speaks raw datagrams.
struct Raw {
    socket: UdpSocket,
    server: SocketAddr,
    /// The first snapshot it received (a player's; empty for a stranger).
    first: String,
}

impl Raw {
    /// A socket that has not joined (a stranger).
    fn stranger(server: SocketAddr) -> Raw {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(testkit::timeout())).unwrap();
        Raw {
            socket,
            server,
            first: String::new(),
        }
    }

    /// A player: hello, cookie, join, and the first snapshot.
    fn new(server: SocketAddr) -> Raw {
        let mut raw = Raw::stranger(server);
        raw.send(b"hello, may I play?");
        let cookie = raw.recv();
        assert!(cookie.starts_with("cookie "), "{cookie:?}");
        raw.send(format!("join {}", &cookie[7..]).as_bytes());
        let first = raw.recv();
        assert!(first.starts_with("snap "), "{first:?}");
        raw.first = first;
        raw
    }

    fn send(&self, bytes: &[u8]) {
        self.socket.send_to(bytes, self.server).unwrap();
    }

    /// The next datagram, as text (within the test timeout).
    #[track_caller]
    fn recv(&self) -> String {
        let mut buf = [0u8; 2048];
        let (n, _) = testkit::uninterrupted(|| self.socket.recv_from(&mut buf))
            .unwrap_or_else(|e| panic!("no datagram: {e}"));
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    /// Every datagram already waiting, without waiting for more.
    fn drain(&self) -> Vec<String> {
        self.socket.set_nonblocking(true).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 2048];
        while let Ok((n, _)) = testkit::uninterrupted(|| self.socket.recv_from(&mut buf)) {
            got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        self.socket.set_nonblocking(false).unwrap();
        got
    }

    /// Read snapshots until one has a tick of at least `tick`; return it.
    #[track_caller]
    fn snapshot_from_tick(&self, tick: u64) -> String {
        loop {
            let snap = self.recv();
            if tick_of(&snap).is_some_and(|t| t >= tick) {
                return snap;
            }
        }
    }

    /// Read snapshots until one acknowledges `seq`; return it. Fails after the test timeout.
    #[track_caller]
    fn snapshot_acking(&self, seq: u32) -> String {
        let deadline = Instant::now() + testkit::timeout();
        let mut buf = [0u8; 1500];
        let mut last = String::new();
        while Instant::now() < deadline {
            match testkit::uninterrupted(|| self.socket.recv_from(&mut buf)) {
                Ok((n, _)) => {
                    last = String::from_utf8_lossy(&buf[..n]).into_owned();
                    if last.contains(&format!(" ack={seq} ")) {
                        return last;
                    }
                }
                Err(e) => panic!("no snapshot acknowledging input {seq}: {e} (last: {last:?})"),
            }
        }
        panic!("no snapshot acknowledging input {seq} in time (last: {last:?})");
    }
}

/// The tick of a snapshot.
fn tick_of(snapshot: &str) -> Option<u64> {
    snapshot
        .strip_prefix("snap ")?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

/// Where a snapshot puts its receiver: "x,y".
fn my_position(snapshot: &str) -> String {
    let me = snapshot
        .split(' ')
        .find_map(|w| w.strip_prefix("you="))
        .expect("you=");
    snapshot
        .split(' ')
        .find_map(|w| w.strip_prefix(&format!("{me}=")))
        .expect("my position")
        .to_string()
}

/// The input datagrams in a list of datagrams, each once (a client may send its last input
/// again when the snapshot that acknowledges it is slow to come).
fn inputs(datagrams: &[String]) -> Vec<&str> {
    let mut seen: Vec<&str> = Vec::new();
    for d in datagrams.iter().filter(|d| d.starts_with("input ")) {
        if !seen.contains(&d.as_str()) {
            seen.push(d);
        }
    }
    seen
}

#[test]
fn two_clients_and_a_lost_input() {
    let (mut server, server_trace) = traced_server(BIN, &[]);
    let a =
        lesson(BIN)
            .client(server.addr)
            .args(&["--moves", "right,right,up,right", "--drop", "2"]);
    let b = lesson(BIN)
        .client(server.addr)
        .args(&["--moves", "left,up"]);
    let ((a, a_trace), (b, b_trace)) = std::thread::scope(|s| {
        let a = s.spawn(|| a.traced());
        let b = s.spawn(|| b.traced());
        (a.join().unwrap(), b.join().unwrap())
    });
    // Input 2 never left a's socket: the server skipped its step and applied 1, 3 and 4.
    a.success().stdout_has(", at 2,1");
    b.success().stdout_has(", at -1,1");
    let a_sent = a_trace.datagrams("client", "send");
    assert_eq!(
        inputs(&a_sent),
        ["input 1 right", "input 3 up", "input 4 right"]
    );
    assert_eq!(
        inputs(&b_trace.datagrams("client", "send")),
        ["input 1 left", "input 2 up"]
    );
    // Each client ended on the snapshot that acknowledges its last input.
    let last_a = a_trace.datagrams("client", "recv").pop().unwrap();
    assert!(last_a.contains(" ack=4 "), "{last_a}");
    // The server got both players' inputs (both clients finished, so it has), and never a's
    // input 2; it answered each hello with a cookie and sent snapshots, and nothing failed.
    let run = server.stop();
    let trace = server_trace.read();
    let received = trace.datagrams("server", "recv");
    assert!(
        !received.iter().any(|d| d == "input 2 right"),
        "{received:?}"
    );
    let mut got = inputs(&received);
    got.sort();
    let all = [
        "input 1 left",
        "input 1 right",
        "input 2 up",
        "input 3 up",
        "input 4 right",
    ];
    assert_eq!(got, all, "{received:?}");
    assert!(
        trace.errors("server").is_empty(),
        "{:?}",
        trace.errors("server")
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn late_repeated_and_malformed_datagrams_are_ignored() {
    let (mut server, trace) = traced_server(BIN, &[]);
    let raw = Raw::new(server.addr);
    raw.send(b"input 5 right");
    raw.send(b"input 7 up");
    assert_eq!(my_position(&raw.snapshot_acking(7)), "1,1");
    // Overtaken on the way (6 after 7), a duplicate of 7, garbage and near misses: none of
    // them may move the player, or stop the game.
    let ignored: [&[u8]; 7] = [
        b"input 6 left",
        b"input 7 up",
        b"\xff\x00\x01garbage",
        b"input 8 sideways",
        b"input 8",
        &[b'x'; 500],
        b"join zz",
    ];
    for datagram in ignored {
        raw.send(datagram);
    }
    raw.send(b"input 8 right\n"); // what `nc -u` sends
                                  // The server takes datagrams in the order they came: the snapshot that acknowledges
                                  // input 8 comes after it has handled every one before it.
    let snapshot = raw.snapshot_acking(8);
    assert_eq!(my_position(&snapshot), "2,1", "{snapshot}");
    let run = server.stop();
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    // It received each of them whole (the 500 bytes cut to its 129-byte buffer), answered
    // none, and logged each one: a note after every datagram it received.
    let trace = trace.read();
    let server: Vec<_> = trace
        .of("server")
        .filter(|e| e.kind != "call")
        .map(|e| (e.kind.as_str(), e.bytes.clone().unwrap_or_default()))
        .collect();
    let mut expected: Vec<Vec<u8>> = ignored.iter().map(|d| d.to_vec()).collect();
    expected[5].truncate(129);
    expected.push(b"input 8 right\n".to_vec());
    let got: Vec<Vec<u8>> = server
        .iter()
        .filter(|(kind, _)| *kind == "recv")
        .map(|(_, bytes)| bytes.clone())
        .collect();
    assert_eq!(got[got.len() - expected.len()..], expected);
    let after_recv: Vec<&str> = server
        .windows(2)
        .filter(|w| w[0].0 == "recv")
        .map(|w| w[1].0)
        .collect();
    assert!(after_recv.iter().all(|k| *k == "note"), "{after_recv:?}");
    // Only cookies and snapshots went out: nothing answered the garbage.
    assert!(trace
        .datagrams("server", "send")
        .iter()
        .all(|d| d.starts_with("cookie ") || d.starts_with("snap ")));
}

#[test]
fn the_server_stops_after_its_ticks() {
    let (server, trace) = traced_server(BIN, &["--ticks", "3"]);
    server.finish().success();
    // Three silent ticks: socket and bind, and nothing to receive or send.
    let trace = trace.read();
    assert_eq!(trace.calls("server"), ["socket", "bind"]);
    assert!(trace.errors("server").is_empty());
}

#[test]
fn a_client_without_a_server_gives_up_with_a_clear_error() {
    let addr = testkit::free_udp_addr();
    let (run, trace) = lesson(BIN).client(addr).args(&["--moves", "up"]).traced();
    run.clean_failure()
        .stderr_has("the server never let us join")
        .stderr_has("is the server running?");
    // A hello each tick, 50 of them, and never a join: no cookie ever came.
    let sent = trace.datagrams("client", "send");
    assert_eq!(sent.len(), 50, "{sent:?}");
    assert!(sent.iter().all(|d| d == "hello, may I play?"), "{sent:?}");
    assert!(trace.datagrams("client", "recv").is_empty());
    assert_eq!(
        trace.errors("client").len(),
        1,
        "{:?}",
        trace.errors("client")
    );
}

#[test]
fn bad_moves_are_a_clear_error() {
    lesson(BIN)
        .args(&["client", "--addr", "127.0.0.1:9", "--moves", "up,jump"])
        .run()
        .clean_failure()
        .stderr_has("--moves up,jump: not a list of left, right, up, down, stay");
}

/// The book's copy of a demo's output, as testkit's `BookOutput` makes it (ports renumbered
/// 40001, 40002, ...), with the cookies renumbered too: they depend on the ports and on a
/// secret the server draws at random, so they change from run to run.
#[track_caller]
fn book_output(args: &[&str], file: &str, diagram: Option<&str>) {
    let trace_file = tempfile::NamedTempFile::new().unwrap();
    let trace_path = trace_file.path().to_string_lossy().into_owned();
    let mut traced = args.to_vec();
    traced.extend(["--trace", trace_path.as_str()]);
    let run = lesson(BIN).args(&traced).run();
    run.success();
    let mut command = "$ cargo run -p lesson-17-game".to_string();
    if !args.is_empty() {
        command = format!("{command} -- {}", args.join(" "));
    }
    let mut text = format!("{command}\n{}", normalize_ports(&run.stdout, &[]));
    let cookies: Vec<String> = text
        .match_indices("\"cookie ")
        .map(|(i, _)| text[i + 8..i + 16].to_string())
        .collect();
    for (n, cookie) in cookies.iter().enumerate() {
        text = text.replace(cookie.as_str(), &format!("c0de{:04}", n + 1));
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![(file, text.clone())];
    if let Some(diagram) = diagram {
        let trace = testkit::Trace::read(trace_file.path());
        let mut drawn = testkit::diagram_of(&trace, &run.stdout, &[]);
        for (n, cookie) in cookies.iter().enumerate() {
            drawn = drawn.replace(cookie.as_str(), &format!("c0de{:04}", n + 1));
        }
        files.push((diagram, drawn));
    }
    for (file, actual) in files {
        let path = dir.join(file);
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            expected == actual,
            "{} no longer matches what the lesson prints; if that is intended: \
             BLESS=1 cargo test -p lesson-17-game\n--- expected ---\n{expected}\n--- now ---\n{actual}",
            path.display()
        );
    }
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    book_output(&[], "output.txt", Some("diagram.mmd"));
}

#[test]
fn the_book_shows_what_the_strangers_demo_prints() {
    book_output(&["--strangers"], "output-strangers.txt", None);
}

// Peers that misbehave. A UDP server cannot refuse a datagram: anyone can send it anything,
// from any source address, forged or not. What it controls is what it sends back.

#[test]
fn a_forged_hello_gets_one_small_answer_and_never_a_snapshot() {
    let server = Server::start(BIN, &[]);
    // A socket that says hello and never answers the cookie: what the server sees when a
    // forger writes a victim's address as the source.
    let victim = Raw::stranger(server.addr);
    victim.send(b"hello, may I play?");
    // A real player, to count the ticks by: 25 ticks (half a second) after it joined...
    let player = Raw::new(server.addr);
    let now = tick_of(&player.recv()).unwrap();
    player.snapshot_from_tick(now + 25);
    // ...the victim has received exactly one datagram: the 15-byte cookie.
    let got = victim.drain();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].starts_with("cookie ") && got[0].len() == 15,
        "{got:?}"
    );
}

#[test]
fn strangers_never_get_more_bytes_than_they_sent() {
    let server = Server::start(BIN, &[]);
    let stranger = Raw::stranger(server.addr);
    let mut sent = 0;
    // Hellos from 5 to 40 bytes, a guessed cookie, an input without joining, garbage.
    let mut datagrams: Vec<Vec<u8>> = (5..=40)
        .map(|n| format!("hello{}", ".".repeat(n - 5)).into_bytes())
        .collect();
    datagrams.push(b"join 12345678".to_vec());
    datagrams.push(b"input 1 up".to_vec());
    datagrams.push(vec![0xff; 128]);
    for datagram in &datagrams {
        stranger.send(datagram);
        sent += datagram.len();
    }
    let player = Raw::new(server.addr);
    let now = tick_of(&player.recv()).unwrap();
    player.snapshot_from_tick(now + 10);
    let got = stranger.drain();
    let received: usize = got.iter().map(String::len).sum();
    // One cookie for each hello of 15 bytes or more (15..=40: 26 of them), nothing else.
    assert_eq!(got.len(), 26, "{got:?}");
    assert!(got
        .iter()
        .all(|g| g.starts_with("cookie ") && g.len() == 15));
    assert!(received <= sent, "sent {sent} bytes, received {received}");
    eprintln!(
        "stranger: sent {sent} bytes in {} datagrams, received {received} bytes in {} datagrams",
        datagrams.len(),
        got.len()
    );
}

#[test]
fn the_thirty_third_player_is_told_the_game_is_full_and_snapshots_stay_small() {
    let server = Server::start(BIN, &[]);
    let players: Vec<Raw> = (0..32).map(|_| Raw::new(server.addr)).collect();
    let late = Raw::stranger(server.addr);
    late.send(b"hello, may I play?");
    let cookie = late.recv();
    late.send(format!("join {}", &cookie[7..]).as_bytes());
    assert_eq!(late.recv(), "full");
    // A snapshot of the full game: 32 players, under the limit the client's buffer is sized by.
    players[0].drain();
    let full = players[0].recv();
    assert_eq!(full.matches(',').count(), 32, "{full}");
    assert!(full.len() <= 1200, "{} bytes: {full}", full.len());
    eprintln!("a snapshot of 32 players: {} bytes", full.len());
}

#[test]
fn a_silent_player_expires_and_gets_no_more_snapshots() {
    let server = Server::start(BIN, &["--expire", "10"]);
    let silent = Raw::new(server.addr);
    let joined = tick_of(&silent.first).unwrap();
    // Another player, who keeps talking (one input per snapshot), watches the board until
    // the silent one, p1, is no longer on it.
    let player = Raw::new(server.addr);
    let mut seq = 0;
    let gone = loop {
        seq += 1;
        player.send(format!("input {seq} stay").as_bytes());
        let snap = player.recv();
        if !snap.contains(" p1=") {
            break snap;
        }
    };
    // Not before 10 silent ticks: its last snapshot was from tick joined + 8 at the latest.
    assert!(
        tick_of(&gone).unwrap() >= joined + 9,
        "joined {joined}: {gone}"
    );
    // The silent one got its first snapshot (read by Raw::new) and at most 10 more, then none.
    let got = silent.drain();
    assert!(
        got.len() <= 10,
        "{} snapshots after the first: {got:?}",
        got.len()
    );
    // A newcomer takes the seat it left: p1.
    let newcomer = Raw::new(server.addr);
    assert!(newcomer.first.contains(" you=p1 "), "{}", newcomer.first);
}

#[cfg(target_os = "linux")]
#[test]
fn a_stop_and_continue_does_not_end_the_server() {
    let server = Server::start(BIN, &[]);
    let pid = server.pid();
    let player = Raw::new(server.addr);
    for seq in 1..=3 {
        // Stop the server while it waits in recv_from (it nearly always is), wait until the
        // kernel says it is stopped (state T), then continue it: Ctrl-Z and fg.
        testkit::hostile::kill("STOP", pid);
        let stat = format!("/proc/{pid}/stat");
        let deadline = Instant::now() + testkit::timeout();
        while !std::fs::read_to_string(&stat).is_ok_and(|s| s.contains(") T ")) {
            assert!(Instant::now() < deadline, "the server never stopped");
            std::thread::yield_now();
        }
        testkit::hostile::kill("CONT", pid);
        // Still playing: an input is applied and acknowledged.
        player.send(format!("input {seq} up").as_bytes());
        player.snapshot_acking(seq);
    }
}

#[test]
fn a_client_ignores_a_snapshot_cut_by_its_buffer() {
    // A fake server that sends one snapshot of 1,500 bytes, longer than any real one.
    let fake = UdpSocket::bind("127.0.0.1:0").unwrap();
    fake.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let addr = fake.local_addr().unwrap();
    let done = AtomicBool::new(false);
    // Which datagram comes when is the client's business: under load it asks again (its
    // hello, its join) after one tick of silence. So the fake answers by content: the FIRST
    // join gets the long snapshot, any later one a short one.
    let mut cut_sent = false;
    let (run, trace) = std::thread::scope(|s| {
        let client = s.spawn(|| {
            let traced = lesson(BIN).client(addr).args(&["--moves", "up"]).traced();
            done.store(true, Ordering::SeqCst);
            traced
        });
        let mut buf = [0u8; 256];
        let mut tick = 0;
        while !done.load(Ordering::SeqCst) {
            let Ok((n, from)) = testkit::uninterrupted(|| fake.recv_from(&mut buf)) else {
                continue;
            };
            tick += 1;
            let answer = match &buf[..n] {
                b"hello, may I play?" => "cookie 00000001".to_string(),
                // The first answer to a join: a long snapshot, cut by the client's buffer.
                b"join 00000001" if !cut_sent => {
                    cut_sent = true;
                    format!("snap {tick} ack=0 you=p1 p1=0,0 {}", "x".repeat(1500))
                }
                b"join 00000001" => format!("snap {tick} ack=0 you=p1 p1=0,0"),
                _ => format!("snap {tick} ack=1 you=p1 p1=0,1"),
            };
            fake.send_to(answer.as_bytes(), from).unwrap();
        }
        client.join().unwrap()
    });
    run.success().stdout_has("final: I am p1, at 0,1");
    // The client received the long snapshot cut to its 1201-byte buffer, and did not take it
    // for its first snapshot: it sent its join again, and its input only after that.
    let client: Vec<_> = trace
        .of("client")
        .filter(|e| e.kind == "send" || e.kind == "recv")
        .map(|e| (e.kind.as_str(), e.bytes.clone().unwrap_or_default()))
        .collect();
    let cut = client
        .iter()
        .position(|(kind, bytes)| *kind == "recv" && bytes.len() == 1201)
        .expect("the cut snapshot was received");
    let next_sent = client[cut..].iter().find(|(kind, _)| *kind == "send");
    assert_eq!(
        next_sent.map(|(_, bytes)| bytes.as_slice()),
        Some(&b"join 00000001"[..])
    );
}

#[test]
fn the_std_and_tokio_ways_play_one_tick() {
    testkit::std_and_tokio_say("game", "snap 1 ack=1 p1=1,0");
}

/// The client counts acknowledgements round the circle of sequence numbers, as the server
/// counts inputs: after input 4294967295 comes input 0, and a snapshot that still says
/// `ack=4294967295` has not applied input 0. A fake server takes the first input, loses the
/// first copy of the second (input 0) and answers it with the old ack: the client must send
/// input 0 again and end where both moves put it. (With a plain `ack >= seq` the client took
/// 4294967295 >= 0 for "applied" and stopped at 1,0 with input 0 lost.)
#[test]
fn the_client_compares_acknowledgements_round_the_wrap() {
    let fake = UdpSocket::bind("127.0.0.1:0").unwrap();
    fake.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let addr = fake.local_addr().unwrap();
    let done = AtomicBool::new(false);
    let (run, trace) = std::thread::scope(|s| {
        let client = s.spawn(|| {
            let args = ["--first", "4294967295", "--moves", "right,right"];
            let traced = lesson(BIN).client(addr).args(&args).traced();
            done.store(true, Ordering::SeqCst);
            traced
        });
        let mut buf = [0u8; 256];
        let (mut tick, mut ack, mut x, mut zero_lost) = (0, 0u32, 0, false);
        while !done.load(Ordering::SeqCst) {
            let Ok((n, from)) = testkit::uninterrupted(|| fake.recv_from(&mut buf)) else {
                continue;
            };
            tick += 1;
            let answer = match &buf[..n] {
                b"hello, may I play?" => "cookie 00000001".to_string(),
                b"input 4294967295 right" if ack == 0 && x == 0 => {
                    (ack, x) = (u32::MAX, 1);
                    String::new()
                }
                // The first copy of input 0 is lost on the way: the snapshot keeps the old ack.
                b"input 0 right" if !zero_lost => {
                    zero_lost = true;
                    String::new()
                }
                b"input 0 right" if ack == u32::MAX => {
                    (ack, x) = (0, 2);
                    String::new()
                }
                _ => String::new(),
            };
            let answer = match answer.is_empty() {
                true => format!("snap {tick} ack={ack} you=p1 p1={x},0"),
                false => answer,
            };
            fake.send_to(answer.as_bytes(), from).unwrap();
        }
        client.join().unwrap()
    });
    run.success().stdout_has("final: I am p1, at 2,0");
    let sent = trace.datagrams("client", "send");
    let zeros = sent.iter().filter(|d| *d == "input 0 right").count();
    assert_eq!(inputs(&sent), ["input 4294967295 right", "input 0 right"]);
    assert!(
        zeros >= 2,
        "input 0 must be sent again until a snapshot acknowledges it: {sent:?}"
    );
}
