//! Lesson 16's chat, checked for real: the demo, two processes, three raw clients at once,
//! leaving mid-line, a client that never reads, bytes that are not UTF-8, an oversized line,
//! and bad nicknames.
//! Reference build only: the exercise's own checks are in tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use testkit::hostile::Target;
use testkit::{lesson, BookOutput, Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-16-chat");

/// Connect and join the chat as `nick`.
fn join(server: &Server, nick: &str) -> Conn {
    join_on(Conn::open(server.addr), nick)
}

/// Join as `nick` on this connection (one with small buffers, for a client that stops
/// reading: `Conn::open_small`).
fn join_on(mut conn: Conn, nick: &str) -> Conn {
    conn.send(format!("{nick}\n").as_bytes())
        .expect(format!("* welcome {nick}\n").as_bytes());
    conn
}

/// alice, bob and carol join in that order; each has seen the others' joins.
fn room_of_three(server: &Server) -> (Conn, Conn, Conn) {
    room_with(server, "carol", Conn::open(server.addr))
}

/// alice and bob join, then a third member, `nick`, on the connection `third`.
fn room_with(server: &Server, nick: &str, third: Conn) -> (Conn, Conn, Conn) {
    let mut alice = join(server, "alice");
    let mut bob = join(server, "bob");
    alice.expect(b"* bob joined\n");
    let third = join_on(third, nick);
    alice.expect(format!("* {nick} joined\n").as_bytes());
    bob.expect(format!("* {nick} joined\n").as_bytes());
    (alice, bob, third)
}

#[test]
fn the_demo_chats_in_order() {
    let (run, trace) = testkit::traced(BIN, &[]);
    run.success();
    // What each member's socket received and sent, on the server's side: conn1 is alice,
    // conn2 bob, conn3 carol, conn4 dave (refused).
    let replaced = b"caf\xef\xbf\xbd?\n";
    let exchanges: [(&str, &[u8], Vec<u8>); 4] = [
        (
            "conn1",
            b"alice\nhi all\n",
            [
                &b"* welcome alice\n* bob joined\n* carol joined\nbob: hello alice\ncarol: "[..],
                replaced,
                b"carol: see you\n* carol left\n* bob left\n",
            ]
            .concat(),
        ),
        (
            "conn2",
            b"bob\nhello alice\n",
            [
                &b"* welcome bob\n* carol joined\nalice: hi all\ncarol: "[..],
                replaced,
                b"carol: see you\n* carol left\n",
            ]
            .concat(),
        ),
        (
            "conn3",
            b"carol\ncaf\xe9?\nsee you\n",
            b"* welcome carol\nalice: hi all\nbob: hello alice\n".to_vec(),
        ),
        (
            "conn4",
            b"bob\n",
            b"error: nickname bob is taken\n".to_vec(),
        ),
    ];
    for (conn, received, sent) in &exchanges {
        assert_eq!(trace.received(conn), *received, "{conn} received");
        assert_eq!(trace.sent(conn), *sent, "{conn} sent");
    }
    // Each member read to the end of stream and then sent FIN; dave got FIN after his error.
    for conn in ["conn1", "conn2", "conn3"] {
        assert_eq!(trace.recvs(conn).last(), Some(&Vec::new()), "{conn}");
        assert_eq!(
            trace.calls(conn),
            ["read_line", "write_all", "chat", "shutdown"]
        );
    }
    assert_eq!(trace.calls("conn4"), ["read_line", "write_all", "shutdown"]);
    // Four accepts, then the listener closed, then the wait for the room to empty.
    let server: Vec<String> = trace.calls("server");
    assert_eq!(
        server[3..],
        ["accept", "accept", "accept", "accept", "close", "wait"]
    );
    for who in ["server", "conn1", "conn2", "conn3", "conn4"] {
        assert!(
            trace.errors(who).is_empty(),
            "{who}: {:?}",
            trace.errors(who)
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_rude_demo_frees_a_reset_name_and_cuts_a_trickled_line() {
    let (run, trace) = testkit::traced(BIN, &["--rude"]);
    run.success();
    // oscar (conn0) reset before his welcome: the write failed, and alice (conn1) got the name.
    assert_eq!(trace.received("conn0"), b"alice\n");
    let errors = trace.errors("conn0");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.starts_with("write_all("), "{errors:?}");
    assert!(trace.sent("conn1").starts_with(b"* welcome alice\n"));
    // eve (conn3) started a line and never ended it: told so, then FIN.
    assert_eq!(trace.received("conn3"), b"eve\nhel");
    assert!(trace
        .sent("conn3")
        .ends_with(b"error: no whole line within 300 ms\n"));
    assert_eq!(trace.errors("conn3").len(), 1);
    assert_eq!(
        trace.calls("conn3").last().map(String::as_str),
        Some("shutdown")
    );
}

#[test]
fn a_client_process_and_a_raw_client() {
    let (server, server_trace) = testkit::traced_server(BIN, &["--clients", "2"]);
    let mut bob = join(&server, "bob");
    let alice = thread::spawn({
        let addr = server.addr;
        move || {
            lesson(BIN)
                .client(addr)
                .args(&["--nick", "alice"])
                .stdin(b"hi bob\n")
                .traced()
        }
    });
    bob.expect(b"* alice joined\n")
        .expect(b"alice: hi bob\n")
        .expect(b"* alice left\n");
    let (run, trace) = alice.join().unwrap();
    // The client prints what arrives; at the end of its input it sends FIN, and reads on
    // until the server closes.
    run.success().stdout_has("* welcome alice");
    let calls = trace.calls("client");
    let tail = &calls[calls.len() - 4..];
    assert_eq!(
        tail,
        ["write_all", "write_all", "shutdown", "close"],
        "{calls:?}"
    );
    drop(bob);
    server.finish().success();
    // On the server: alice's nickname and line came in, her welcome went out, and bob got
    // the news of her coming and going.
    let server_trace = server_trace.read();
    assert_eq!(server_trace.received("conn2"), b"alice\nhi bob\n");
    assert_eq!(server_trace.sent("conn2"), b"* welcome alice\n");
    assert_eq!(
        server_trace.sent("conn1"),
        b"* welcome bob\n* alice joined\nalice: hi bob\n* alice left\n"
    );
    let server_calls = server_trace.calls("server");
    assert_eq!(server_calls.last().map(String::as_str), Some("wait"));
}

#[test]
fn three_clients_each_line_goes_to_the_others_only() {
    let server = Server::start(BIN, &[]);
    let (mut alice, mut bob, mut carol) = room_of_three(&server);

    alice.send(b"hello\n");
    bob.expect(b"alice: hello\n");
    carol.expect(b"alice: hello\n");
    // alice's next line is bob's: her own did not come back to her.
    bob.send(b"hey\r\n");
    alice.expect(b"bob: hey\n");
    carol.expect(b"bob: hey\n");
    // Two lines in one send are two messages; an empty line is dropped.
    carol.send(b"one\n\ntwo\n");
    alice.expect(b"carol: one\ncarol: two\n");
    bob.expect(b"carol: one\ncarol: two\n");
}

#[test]
fn a_client_gone_mid_line_is_announced_and_its_half_line_dropped() {
    let server = Server::start(BIN, &[]);
    let (mut alice, mut bob, mut carol) = room_of_three(&server);
    bob.send(b"half a li");
    drop(bob);
    alice.expect(b"* bob left\n");
    carol.expect(b"* bob left\n");
    carol.send(b"still here\n");
    alice.expect(b"carol: still here\n");
    // The name is free again.
    let mut bob_again = join(&server, "bob");
    alice.expect(b"* bob joined\n");
    bob_again.send(b"back\n");
    carol.expect(b"* bob joined\n").expect(b"bob: back\n");
}

#[test]
fn a_client_that_never_reads_holds_up_nobody() {
    // A write limit long enough for slow to fall behind first (the next test has a short one).
    // --members 3: a ring made for this room of three (256 + 3 messages), not for 10,000.
    let server = Server::start(BIN, &["--write-limit", "60000", "--members", "3"]);
    let small = Conn::open_small(server.addr, 4096);
    let (mut alice, mut bob, mut slow) = room_with(&server, "slow", small);
    // slow reads nothing from now on. alice sends 8 MB, far more than slow's socket buffers
    // and its 256-message queue hold; bob reads every line of it, batch by batch.
    let text = "x".repeat(990);
    let batch: String = (0..100).map(|_| format!("{text}\n")).collect();
    let expected: String = (0..100).map(|_| format!("alice: {text}\n")).collect();
    for _ in 0..80 {
        alice.send(batch.as_bytes());
        bob.expect(expected.as_bytes());
    }
    alice.send(b"done\n");
    bob.expect(b"alice: done\n");
    // Now slow reads: what its buffers held, then the news that it fell behind, then the end.
    let mut lines = 0;
    let last = loop {
        let line = slow.read_line();
        lines += 1;
        if !line.starts_with("alice: ") || lines > 20_000 {
            break line;
        }
    };
    assert!(
        last.starts_with("error: too slow, ") && last.ends_with(" messages lost"),
        "after {lines} lines slow got {last:?}"
    );
    slow.expect_eof();
    alice.expect(b"* slow left\n");
    bob.expect(b"* slow left\n");
}

#[test]
fn a_paste_of_a_thousand_lines_reaches_everyone() {
    let server = Server::start(BIN, &[]);
    let (mut alice, mut bob, mut carol) = room_of_three(&server);
    // Four times the room's 256 messages, in one send: the server reads them all at once,
    // and must still let bob and carol take each line before the ring wraps round.
    let paste: String = (0..1000).map(|i| format!("line {i}\n")).collect();
    let expected: String = (0..1000).map(|i| format!("alice: line {i}\n")).collect();
    let reader = thread::spawn(move || {
        carol.expect(expected.as_bytes());
        carol
    });
    alice.send(paste.as_bytes());
    for i in 0..1000 {
        bob.expect(format!("alice: line {i}\n").as_bytes());
    }
    let mut carol = reader.join().unwrap();
    // alice got none of it back, and nobody was dropped.
    carol.send(b"all there\n");
    alice.expect(b"carol: all there\n");
    bob.expect(b"carol: all there\n");
}

#[test]
fn bytes_that_are_not_utf8_arrive_as_replacement_characters() {
    let server = Server::start(BIN, &[]);
    let mut alice = join(&server, "alice");
    let mut bob = join(&server, "bob");
    alice.expect(b"* bob joined\n");
    alice.send(b"caf\xe9 \xff\xfe\n");
    bob.expect(b"alice: caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\n");
}

#[test]
fn a_one_mebibyte_line_is_refused() {
    let server = Server::start(BIN, &[]);
    let mut alice = join(&server, "alice");
    let mut bob = join(&server, "bob");
    alice.expect(b"* bob joined\n");
    let mut big = vec![b'z'; 1 << 20];
    big.push(b'\n');
    bob.send(&big)
        .expect(b"error: line longer than 1024 bytes\n")
        .expect_eof();
    alice.expect(b"* bob left\n");
    // Nothing of the long line reached alice, and the chat goes on.
    let mut carol = join(&server, "carol");
    alice.expect(b"* carol joined\n");
    carol.send(b"hi\n");
    alice.expect(b"carol: hi\n");
}

#[test]
fn bad_and_taken_nicknames_are_refused() {
    let server = Server::start(BIN, &[]);
    let _alice = join(&server, "alice");
    Conn::open(server.addr)
        .send(b"alice\n")
        .expect(b"error: nickname alice is taken\n")
        .expect_eof();
    for bad in [
        &b"two words\n"[..],
        b"\n",
        b"seventeen_letters\n",
        b"caf\xe9\n",
    ] {
        Conn::open(server.addr)
            .send(bad)
            .expect(b"error: invalid nickname (1-16 letters, digits, _ or -)\n")
            .expect_eof();
    }
    join(&server, "sixteen_letters_");
}

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-16-chat").check();
}

#[test]
fn the_std_and_tokio_ways_do_the_same_exchange() {
    testkit::std_and_tokio_say("chat", r#"bob got "alice: hi\n""#);
}

// Clients that misbehave: the lesson's own cases, then the testkit battery.

/// Close `stream` with SO_LINGER 0: the kernel sends RST, not FIN. (std cannot set
/// SO_LINGER yet; tokio can.)
fn reset(stream: TcpStream) {
    stream.set_nonblocking(true).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    rt.block_on(async {
        let stream = tokio::net::TcpStream::from_std(stream).unwrap();
        stream.set_zero_linger().unwrap();
    });
}

/// Join as `nick` once the name is free: a client refused with "taken" tries again at once
/// (up to the test's timeout). A name that is never given back fails the test.
fn join_when_free(server: &Server, nick: &str) -> Conn {
    let deadline = Instant::now() + testkit::timeout();
    let welcome = format!("* welcome {nick}\n");
    loop {
        let mut conn = Conn::open(server.addr);
        conn.send(format!("{nick}\n").as_bytes());
        let reply = conn.read_line();
        if format!("{reply}\n") == welcome {
            return conn;
        }
        assert_eq!(reply, format!("error: nickname {nick} is taken"));
        assert!(Instant::now() < deadline, "{nick} was never free again");
    }
}

#[test]
fn a_client_that_resets_before_its_welcome_leaves_its_name_free() {
    let server = Server::start(BIN, &[]);
    for _ in 0..5 {
        let mut rude = TcpStream::connect(server.addr).unwrap();
        rude.write_all(b"alice\n").unwrap();
        reset(rude);
        // The name is free again: a real alice gets it, then leaves it.
        drop(join_when_free(&server, "alice"));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn the_book_shows_what_the_rude_demo_prints() {
    // Linux words the failed write "broken pipe"; other systems differ.
    BookOutput::new(BIN, "lesson-16-chat")
        .variant(&["--rude"], "output-rude.txt")
        .check();
}

#[test]
fn a_line_trickled_byte_by_byte_is_cut_at_the_line_wait() {
    let server = Server::start(BIN, &["--line-wait", "300"]);
    let mut alice = join(&server, "alice");
    let mut bob = join(&server, "bob");
    alice.expect(b"* bob joined\n");
    // bob sends one byte every 100 ms: each recv gets something, but the line never ends.
    let began = Instant::now();
    let mut trickle = bob.stream().try_clone().unwrap();
    // (Left running: it stops when the server closes, or after 5 s.)
    let _trickler = thread::spawn(move || {
        for _ in 0..50 {
            if trickle.write_all(b"x").is_err() {
                break;
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    bob.expect(b"error: no whole line within 300 ms\n");
    alice.expect(b"* bob left\n");
    let cut = began.elapsed();
    eprintln!(
        "trickled line cut after {} ms (line wait 300 ms)",
        cut.as_millis()
    );
    assert!(cut < Duration::from_secs(3), "cut after {cut:?}");
}

#[test]
fn a_member_that_stops_reading_is_dropped_within_the_write_limit() {
    let server = Server::start(BIN, &["--write-limit", "300"]);
    let small = Conn::open_small(server.addr, 4096);
    let (mut alice, mut bob, mut carol) = room_with(&server, "carol", small);
    // carol reads nothing, ever.
    // alice talks, bob reads, until the server gives up on carol: her socket buffers fill, a
    // write to it waits 300 ms, and it is dropped. Without a write limit, never.
    let text = "y".repeat(990);
    let batch: String = (0..100).map(|_| format!("{text}\n")).collect();
    let began = Instant::now();
    let mut sent = 0;
    let mut left = false;
    while !left && sent < 80 {
        alice.send(batch.as_bytes());
        sent += 1;
        for _ in 0..100 {
            let mut line = bob.read_line();
            if line == "* carol left" {
                left = true;
                line = bob.read_line();
            }
            assert_eq!(line, format!("alice: {text}"));
        }
    }
    if !left {
        bob.expect(b"* carol left\n");
    }
    eprintln!(
        "carol dropped after {} ms, {} KB sent to the room (write limit 300 ms)",
        began.elapsed().as_millis(),
        sent * 100
    );
    // The server closed carol's connection: she reads what her buffers held, then the end.
    carol.read_to_end();
    alice.send(b"still here\n");
    bob.expect(b"alice: still here\n");
}

/// The battery from testkit: a chat server serves many clients at once, so the normal client
/// (a new member, with a name of its own) must be served while the hostile one is connected.
fn target() -> Target {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    Target::server(
        BIN,
        &["--line-wait", "3000", "--write-limit", "3000"],
        b"alice\n",
        |addr: SocketAddr| {
            let nick = format!("normal{}", NEXT.fetch_add(1, Ordering::SeqCst));
            let mut conn = Conn::open(addr);
            conn.send(format!("{nick}\n").as_bytes())
                .expect(format!("* welcome {nick}\n").as_bytes());
        },
    )
    .concurrent(Duration::from_millis(3000))
}

testkit::hostile_battery!(target);

#[test]
fn a_very_long_paste_does_not_make_the_sender_lag_behind_its_own_words() {
    // Without `biased;`, select! picks a ready branch at random: the sender's task reads its
    // client's next line as often as it empties its own inbox (its own lines, to be skipped).
    // Its backlog then wanders like a random walk, about sqrt(n) after n lines: past a ring
    // of 16 in a paste of 10,000 lines (past 256 in about 200,000), almost surely; then the
    // sender is dropped for lagging behind its own words. With `biased;` the inbox is emptied
    // first, every time, and the backlog stays at one message.
    const LINES: usize = 10_000;
    let server = Server::start(BIN, &["--queue", "16", "--members", "3"]);
    let (mut alice, bob, carol) = room_of_three(&server);
    let readers: Vec<_> = [bob, carol]
        .into_iter()
        .map(|mut conn| {
            thread::spawn(move || {
                for i in 0..LINES {
                    assert_eq!(conn.read_line(), format!("alice: {i}"));
                }
                conn
            })
        })
        .collect();
    let began = Instant::now();
    let paste: String = (0..LINES).map(|i| format!("{i}\n")).collect();
    alice.send(paste.as_bytes());
    let mut others: Vec<Conn> = readers.into_iter().map(|r| r.join().unwrap()).collect();
    // alice is still a member: she gets what carol says next.
    others[1].send(b"all there\n");
    alice.expect(b"carol: all there\n");
    others[0].expect(b"carol: all there\n");
    eprintln!(
        "{LINES} lines pasted and delivered to two readers in {} ms",
        began.elapsed().as_millis()
    );
}
