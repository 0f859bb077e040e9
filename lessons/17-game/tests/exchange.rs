//! Lesson 17's game, checked for real: the demo, a server with two client processes (one of
//! them losing an input), a raw player that sends late, repeated and malformed datagrams.

use std::net::{SocketAddr, UdpSocket};
use std::time::Instant;

use testkit::{lesson, BookOutput, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-17-game");

#[test]
fn the_demo_plays_four_ticks_in_order() {
    lesson(BIN).run().success().lines_in_order(&[
        "server  bind(127.0.0.1:0) -> ok, bound to 127.0.0.1:",
        "listening on 127.0.0.1:",
        "alice   send_to(127.0.0.1:",
        "server  -- p1 input 1 right: applied, now at 1,0",
        "server  -- p2 input 1 left: applied, now at -1,0",
        "server  -- end of tick 1",
        "alice   recv_from() -> 34 bytes: b\"snap 1 ack=1 you=p1 p1=1,0 p2=-1,0\"",
        "b\"input 2 right\") -> 13 bytes — delayed",
        "bob     recv_from() -> 34 bytes: b\"snap 2 ack=2 you=p2 p1=1,0 p2=-1,1\"",
        "server  -- p1 input 3 up: applied, now at 1,1",
        "server  -- p1 input 2 right: ignored, not newer than 3",
        "b\"input 3 up\") -> 10 bytes — lost on the way",
        "server  -- ignored 8 bytes from 127.0.0.1:",
        "bob     recv_from() -> 34 bytes: b\"snap 3 ack=2 you=p2 p1=1,1 p2=-1,1\"",
        "server  -- p1 input 4 right: applied, now at 2,1",
        "server  -- p1 input 4 right: ignored, not newer than 4",
        "server  -- p2 input 4 left: applied, now at -2,1",
        "alice   -- the server says: I am p1, at 2,1",
        "bob     -- the server says: I am p2, at -2,1",
    ]);
}

/// A player that is not our client: it speaks raw datagrams.
struct Raw {
    socket: UdpSocket,
    server: SocketAddr,
}

impl Raw {
    fn new(server: SocketAddr) -> Raw {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(testkit::timeout())).unwrap();
        Raw { socket, server }
    }

    fn send(&self, bytes: &[u8]) {
        self.socket.send_to(bytes, self.server).unwrap();
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

#[test]
fn two_clients_and_a_lost_input() {
    let mut server = Server::start(BIN, &[]);
    let a =
        lesson(BIN)
            .client(server.addr)
            .args(&["--moves", "right,right,up,right", "--drop", "2"]);
    let b = lesson(BIN)
        .client(server.addr)
        .args(&["--moves", "left,up"]);
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| a.run());
        let b = s.spawn(|| b.run());
        (a.join().unwrap(), b.join().unwrap())
    });
    // Input 2 was never sent: the server skipped its step and applied 1, 3 and 4.
    a.success().lines_in_order(&[
        "b\"input 1 right\") -> 13 bytes",
        "b\"input 2 right\") -> 13 bytes — lost on the way (simulated)",
        "b\"input 3 up\") -> 10 bytes",
        "b\"input 4 right\") -> 13 bytes",
        ", at 2,1",
    ]);
    b.success()
        .lines_in_order(&["b\"input 2 up\") -> 10 bytes", ", at -1,1"]);
    server.wait_for("input 4 right: applied, now at 2,1");
    let run = server.stop();
    assert!(!run.stdout.contains("input 2 right"), "{}", run.stdout);
    for line in [
        "new player p1 at 127.0.0.1:",
        "new player p2 at 127.0.0.1:",
        "input 1 left: applied, now at -1,0",
    ] {
        assert!(
            run.stdout.contains(line),
            "missing {line:?} in\n{}",
            run.stdout
        );
    }
}

#[test]
fn late_repeated_and_malformed_datagrams_are_ignored() {
    let mut server = Server::start(BIN, &[]);
    let raw = Raw::new(server.addr);
    raw.send(b"input 5 right");
    raw.send(b"input 7 up");
    assert_eq!(my_position(&raw.snapshot_acking(7)), "1,1");
    // Overtaken on the way (6 after 7), and a duplicate of 7: neither may move the player.
    raw.send(b"input 6 left");
    server.wait_for("input 6 left: ignored, not newer than 7");
    raw.send(b"input 7 up");
    server.wait_for("input 7 up: ignored, not newer than 7");
    // Garbage, and near misses: ignored with a log line, and the game goes on.
    raw.send(b"\xff\x00\x01garbage");
    server.wait_for("ignored 10 bytes from 127.0.0.1:");
    raw.send(b"input 8 sideways");
    server.wait_for("ignored 16 bytes from");
    raw.send(b"input 8");
    server.wait_for("ignored 7 bytes from");
    raw.send(&[b'x'; 500]);
    server.wait_for("ignored 129 bytes from");
    raw.send(b"input 8 right\n"); // what `nc -u` sends
    let snapshot = raw.snapshot_acking(8);
    assert_eq!(my_position(&snapshot), "2,1", "{snapshot}");
    assert!(!server.stop().stdout.contains("panicked"));
}

#[test]
fn the_server_stops_after_its_ticks() {
    Server::start(BIN, &["--ticks", "3"])
        .finish()
        .success()
        .stdout_has("server  -- 3 ticks: stopping");
}

#[test]
fn a_client_without_a_server_gives_up_with_a_clear_error() {
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    lesson(BIN)
        .client(addr)
        .args(&["--moves", "up"])
        .run()
        .clean_failure()
        .stderr_has("the server never acknowledged input 1")
        .stderr_has("is the server running?");
}

#[test]
fn bad_moves_are_a_clear_error() {
    lesson(BIN)
        .args(&["client", "--addr", "127.0.0.1:9", "--moves", "up,jump"])
        .run()
        .clean_failure()
        .stderr_has("--moves up,jump: not a list of left, right, up, down, stay");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-17-game").check();
}

#[test]
fn the_std_and_tokio_ways_play_one_tick() {
    lesson(&testkit::example("game_std_way"))
        .run()
        .success()
        .stdout_has("std: snap 1 ack=1 p1=1,0");
    lesson(&testkit::example("game_tokio_way"))
        .run()
        .success()
        .stdout_has("tokio: snap 1 ack=1 p1=1,0");
}

#[test]
fn step_mode_pauses_before_each_call() {
    let enters = "\n".repeat(80);
    lesson(BIN)
        .args(&["--step"])
        .stdin(enters.as_bytes())
        .run()
        .success()
        .lines_in_order(&[
            "[step] next: server recv_from() — the next datagram from any player.",
            "server  recv_from() -> 13 bytes",
            "bob     -- the server says: I am p2, at -2,1",
        ])
        .stdout_lacks("step mode off");
}

#[test]
fn step_mode_never_hangs_when_stdin_closes() {
    lesson(BIN)
        .args(&["--step"])
        .stdin(b"\n")
        .run()
        .success()
        .lines_in_order(&[
            "[step] standard input closed: step mode off, running to the end.",
            "bob     -- the server says: I am p2, at -2,1",
        ]);
}
