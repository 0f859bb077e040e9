//! The challenge's battery: your `serve` runs in this test behind a real listening socket, and
//! each check talks to it over the wire as chat clients would. Each check names the section of
//! the spec (book/27-rooms.md) it tests and compares the lines each client gets, never
//! anything printed. (`cargo exercise lesson-27-rooms` runs them on src/exercise.rs.)

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use lesson_27_rooms::{serve, Limits};
use testkit::{fail, timeout, yours, Conn};

/// Small limits, so that the checks can reach them.
const LIMITS: Limits = Limits {
    max_line: 64,
    line_wait: Duration::from_secs(5),
    queue: 8,
};

/// Start your server on a port of its own (the test accepts, your `serve` does the rest), and
/// return its address. Its thread lives as long as the test process.
fn yours_at(limits: Limits) -> SocketAddr {
    yours_at_with(limits, None)
}

/// [`yours_at`], and every connection your server gets has a send buffer of about `send_buffer`
/// bytes (the test accepts them, so it may set that): your writes to a client that does not
/// read stop after a few kilobytes, not hundreds.
fn yours_at_with(limits: Limits, send_buffer: Option<usize>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind(127.0.0.1:0)");
    let addr = listener.local_addr().unwrap();
    let incoming = std::iter::from_fn(move || loop {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Some(bytes) = send_buffer {
                    socket2::SockRef::from(&stream)
                        .set_send_buffer_size(bytes)
                        .expect("setsockopt(SO_SNDBUF)");
                }
                return Some(stream);
            }
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    });
    let name = thread::current().name().unwrap_or("server").to_string();
    thread::Builder::new()
        .name(name)
        .spawn(move || yours(|| serve(incoming, limits)))
        .expect("a thread for your server");
    addr
}

fn show(bytes: &[u8]) -> String {
    format!("b\"{}\"", bytes.escape_ascii())
}

/// A chat client for the checks: lines in and out, a timeout on every wait.
struct Client {
    who: String,
    lines: BufReader<TcpStream>,
    conn: TcpStream,
}

impl Client {
    fn open(addr: SocketAddr, who: &str) -> Client {
        Client::over(Conn::open(addr).stream().try_clone().unwrap(), who)
    }

    /// A client with small kernel buffers: if it stops reading, its server's writes block
    /// after a few kilobytes.
    fn small(addr: SocketAddr, who: &str) -> Client {
        Client::over(
            Conn::open_small(addr, 4096).stream().try_clone().unwrap(),
            who,
        )
    }

    fn over(conn: TcpStream, who: &str) -> Client {
        conn.set_read_timeout(Some(timeout())).unwrap();
        conn.set_write_timeout(Some(timeout())).unwrap();
        Client {
            who: who.to_string(),
            lines: BufReader::new(conn.try_clone().unwrap()),
            conn,
        }
    }

    #[track_caller]
    fn send(&mut self, bytes: &[u8]) {
        if let Err(e) = self.conn.write_all(bytes) {
            fail(
                &format!("{} could not send: {e}.", self.who),
                &format!("{} taken by the server", show(bytes)),
                &format!("{e}"),
            );
        }
    }

    /// The next line, `\n` included; empty at end of stream.
    fn next(&mut self) -> std::io::Result<Vec<u8>> {
        let mut line = Vec::new();
        loop {
            match self.lines.read_until(b'\n', &mut line) {
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
                Ok(_) => return Ok(line),
            }
        }
    }

    /// The next line, which must be `expected` (given without its `\n`).
    #[track_caller]
    fn expect(&mut self, expected: &str) {
        let want = format!("{expected}\n").into_bytes();
        self.expect_bytes(&want);
    }

    #[track_caller]
    fn expect_bytes(&mut self, want: &[u8]) {
        match self.next() {
            Ok(got) if got == want => {}
            Ok(got) if got.is_empty() => fail(
                &format!("The server closed {}'s connection.", self.who),
                &show(want),
                "end of stream",
            ),
            Ok(got) => fail(
                &format!("{} got another line than the spec says.", self.who),
                &show(want),
                &show(&got),
            ),
            Err(e) => fail(
                &format!("{} waited for a line in vain ({e}).", self.who),
                &show(want),
                &format!("nothing within {:?}", timeout()),
            ),
        }
    }

    /// Send `request` (a `\n` is added), expect `reply`.
    #[track_caller]
    fn ask(&mut self, request: &str, reply: &str) {
        self.send(format!("{request}\n").as_bytes());
        self.expect(reply);
    }

    /// The server closes: end of stream (or a reset), no more lines.
    #[track_caller]
    fn expect_end(&mut self) {
        match self.next() {
            Ok(got) if got.is_empty() => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            Ok(got) => fail(
                &format!(
                    "{} got a line instead of the end of the connection.",
                    self.who
                ),
                "end of stream",
                &show(&got),
            ),
            Err(e) => fail(
                &format!("The server did not close {}'s connection ({e}).", self.who),
                "end of stream",
                &format!("nothing within {:?}", timeout()),
            ),
        }
    }

    /// Nothing has come for us: LIST's reply is the very next line (every event for us would
    /// have been queued before it).
    #[track_caller]
    fn expect_nothing_before_list(&mut self, rooms: &str) {
        self.ask("LIST", &format!("ROOMS{rooms}"));
    }
}

/// A client with a nick, in these rooms (each joined in turn; their JOINs are not read by
/// the others here).
#[track_caller]
fn member(addr: SocketAddr, nick: &str, rooms: &[&str]) -> Client {
    let mut c = Client::open(addr, nick);
    c.ask(&format!("NICK {nick}"), &format!("OK nick {nick}"));
    for room in rooms {
        c.ask(&format!("JOIN {room}"), &format!("OK join {room}"));
    }
    c
}

#[test]
fn nick_rules() {
    // Spec, "Nicks": 1 to 16 letters, digits, _ or -; set once; one member each.
    let addr = yours_at(LIMITS);
    let mut a = Client::open(addr, "a");
    // "bob\r": a \r before the \n is a byte of the line like any other (spec, "Lines").
    for bad in [
        "abcdefghijklmnopq",
        "al!ce",
        "al.ce",
        "\u{e9}t\u{e9}",
        "bob\r",
    ] {
        a.ask(&format!("NICK {bad}"), "ERR bad nick");
    }
    a.ask("NICK alice", "OK nick alice");
    a.ask("NICK alice2", "ERR nick already set");
    // Spec, "Errors": the name is checked before the state, "already set" before "taken".
    a.ask("NICK al!ce", "ERR bad nick");
    let mut b = Client::open(addr, "b");
    b.ask("NICK alice", "ERR nick taken");
    b.ask("NICK abcdefghijklmnop", "OK nick abcdefghijklmnop");
    a.ask("NICK abcdefghijklmnop", "ERR nick already set");
    let mut c = Client::open(addr, "c");
    c.ask("NICK A_b-9", "OK nick A_b-9");
}

#[test]
fn nick_needed_first() {
    // Spec, "Nicks": before NICK, every command but QUIT gets ERR no nick (after its shape).
    let addr = yours_at(LIMITS);
    let mut a = Client::open(addr, "a");
    for request in ["JOIN #a", "JOIN rust", "PART #a", "MSG #a hi", "LIST"] {
        a.ask(request, "ERR no nick");
    }
    a.ask("JOIN", "ERR bad command");
    a.ask("QUIT", "OK bye");
    a.expect_end();
}

#[test]
fn bad_commands_get_an_error_and_the_connection_goes_on() {
    // Spec, "Commands" and "Errors": the shape first, then the names, then the state.
    let addr = yours_at(LIMITS);
    let mut a = member(addr, "alice", &["#a"]);
    for bad in [
        "HELLO",
        "",
        "join #a",
        "JOIN",
        "JOIN ",
        "JOIN #a #b",
        "JOIN  #a",
        "MSG #a",
        "MSG #a ",
        "MSG  #a hi",
        "LIST all",
        "QUIT now",
        "NICK",
        "PART",
    ] {
        a.ask(bad, "ERR bad command");
    }
    for bad in [
        "JOIN rust",
        "JOIN #",
        "JOIN #abcdefghijklmnopq",
        "JOIN #a!",
        "PART a",
        "MSG a hi",
    ] {
        a.ask(bad, "ERR bad room");
    }
    a.ask("JOIN #a", "ERR already in #a");
    a.ask("PART #b", "ERR not in #b");
    a.ask("MSG #b hi", "ERR not in #b");
    a.ask("JOIN #abcdefghijklmnop", "OK join #abcdefghijklmnop");
    a.ask("MSG #a still here", "OK msg #a");
}

#[test]
fn rooms_join_msg_part() {
    // Spec, "Rooms": the others in the room hear of a JOIN, a MSG, a PART; the sender gets
    // its reply only; the text is the rest of the line, any bytes.
    let addr = yours_at(LIMITS);
    let mut alice = member(addr, "alice", &["#a"]);
    let mut bob = member(addr, "bob", &["#a"]);
    alice.expect("JOIN #a bob");
    alice.ask("MSG #a hello  bob", "OK msg #a");
    bob.expect("MSG #a alice hello  bob");
    // The text is everything after the room's space, a leading or trailing space included.
    alice.ask("MSG #a  lead and trail ", "OK msg #a");
    bob.expect("MSG #a alice  lead and trail ");
    bob.send(b"MSG #a caf\xe9 \xff!\n");
    bob.expect("OK msg #a");
    alice.expect_bytes(b"MSG #a bob caf\xe9 \xff!\n");
    bob.ask("PART #a", "OK part #a");
    alice.expect("PART #a bob");
    alice.ask("MSG #a anyone?", "OK msg #a");
    // bob left #a: nothing of it reaches him, nor his own lines.
    bob.expect_nothing_before_list(" #a");
    alice.expect_nothing_before_list(" #a");
}

#[test]
fn rooms_no_line_leaks_to_another_room() {
    // Spec, "Rooms": a room's events go to its members, and to no one else.
    let addr = yours_at(LIMITS);
    let mut alice = member(addr, "alice", &["#a", "#b"]);
    let mut bob = member(addr, "bob", &["#a"]);
    let mut carol = member(addr, "carol", &["#b"]);
    let mut dave = member(addr, "dave", &[]);
    alice.expect("JOIN #a bob");
    alice.expect("JOIN #b carol");
    for n in 0..5 {
        alice.ask(&format!("MSG #a to a {n}"), "OK msg #a");
        alice.ask(&format!("MSG #b to b {n}"), "OK msg #b");
    }
    for n in 0..5 {
        bob.expect(&format!("MSG #a alice to a {n}"));
        carol.expect(&format!("MSG #b alice to b {n}"));
    }
    bob.ask("JOIN #c", "OK join #c");
    carol.ask("JOIN #d", "OK join #d");
    bob.expect_nothing_before_list(" #a #b #c #d");
    carol.expect_nothing_before_list(" #a #b #c #d");
    dave.expect_nothing_before_list(" #a #b #c #d");
    alice.expect_nothing_before_list(" #a #b #c #d");
}

#[test]
fn order_every_member_gets_a_room_in_one_order() {
    // Spec, "Order": two senders at once; every member gets the room's lines in the same
    // order, each sender's in the order it sent them.
    const EACH: usize = 100;
    let addr = yours_at(Limits {
        queue: 4 * EACH,
        ..LIMITS
    });
    let mut listeners = [
        member(addr, "carol", &["#a"]),
        member(addr, "dave", &["#a"]),
    ];
    let mut senders = vec![member(addr, "alice", &["#a"]), member(addr, "bob", &["#a"])];
    listeners[0].expect("JOIN #a dave");
    listeners[0].expect("JOIN #a alice");
    listeners[1].expect("JOIN #a alice");
    for l in listeners.iter_mut() {
        l.expect("JOIN #a bob");
    }
    senders[0].expect("JOIN #a bob");
    let sending: Vec<_> = senders
        .into_iter()
        .map(|mut s| {
            thread::spawn(move || {
                let all: String = (0..EACH).map(|n| format!("MSG #a {n}\n")).collect();
                s.send(all.as_bytes());
                s
            })
        })
        .collect();
    let mut seen = Vec::new();
    for l in listeners.iter_mut() {
        let lines: Vec<Vec<u8>> = (0..2 * EACH)
            .map(|_| l.next().unwrap_or_default())
            .collect();
        seen.push(lines);
    }
    for s in sending {
        drop(s.join().unwrap());
    }
    if seen[0] != seen[1] {
        let first = (0..2 * EACH).find(|&i| seen[0][i] != seen[1][i]).unwrap();
        fail(
            "carol and dave got the room's lines in different orders.",
            &format!("line {first}: the same for both"),
            &format!(
                "carol {}, dave {}",
                show(&seen[0][first]),
                show(&seen[1][first])
            ),
        );
    }
    for nick in ["alice", "bob"] {
        let prefix = format!("MSG #a {nick} ");
        let theirs: Vec<String> = seen[0]
            .iter()
            .filter_map(|l| {
                String::from_utf8_lossy(l)
                    .strip_prefix(&prefix)
                    .map(str::to_string)
            })
            .collect();
        let sent: Vec<String> = (0..EACH).map(|n| format!("{n}\n")).collect();
        if theirs != sent {
            fail(
                &format!("{nick}'s lines did not arrive whole, once each, in the order sent."),
                &format!("{EACH} lines, 0 to {}", EACH - 1),
                &format!(
                    "{} lines: {:?}…",
                    theirs.len(),
                    &theirs[..theirs.len().min(8)]
                ),
            );
        }
    }
}

#[test]
fn order_a_reply_comes_after_its_line_is_queued_for_all() {
    // Spec, "Order": once alice has her OK, her line is ahead of any line sent after it.
    let addr = yours_at(LIMITS);
    let mut alice = member(addr, "alice", &["#a"]);
    let mut bob = member(addr, "bob", &["#a"]);
    let mut carol = member(addr, "carol", &["#a"]);
    alice.expect("JOIN #a bob");
    alice.expect("JOIN #a carol");
    bob.expect("JOIN #a carol");
    for n in 0..20 {
        alice.ask(&format!("MSG #a first {n}"), "OK msg #a");
        // bob's reply comes after alice's line, which was queued for him before.
        bob.send(format!("MSG #a second {n}\n").as_bytes());
        bob.expect(&format!("MSG #a alice first {n}"));
        bob.expect("OK msg #a");
        carol.expect(&format!("MSG #a alice first {n}"));
        carol.expect(&format!("MSG #a bob second {n}"));
        alice.expect(&format!("MSG #a bob second {n}"));
    }
}

#[test]
fn order_a_newcomer_gets_the_room_from_its_ok_on() {
    // Spec, "Order": no history; everything after the OK join.
    let addr = yours_at(LIMITS);
    let mut alice = member(addr, "alice", &["#a"]);
    alice.ask("MSG #a before", "OK msg #a");
    let mut bob = member(addr, "bob", &[]);
    bob.send(b"JOIN #a\n");
    alice.expect("JOIN #a bob");
    alice.ask("MSG #a after", "OK msg #a");
    bob.expect("OK join #a");
    bob.expect("MSG #a alice after");
}

#[test]
fn list_names_the_rooms_with_members_in_order() {
    // Spec, "Rooms": LIST names every room that has a member, sorted; an empty room is gone.
    let addr = yours_at(LIMITS);
    let mut alice = member(addr, "alice", &[]);
    alice.ask("LIST", "ROOMS");
    alice.ask("JOIN #b", "OK join #b");
    alice.ask("JOIN #a", "OK join #a");
    alice.ask("LIST", "ROOMS #a #b");
    let mut bob = member(addr, "bob", &["#c", "#B"]);
    alice.ask("LIST", "ROOMS #B #a #b #c");
    alice.ask("PART #b", "OK part #b");
    bob.ask("LIST", "ROOMS #B #a #c");
    drop(bob);
    // bob is gone once the server has read his end of stream: ask until it has.
    let started = Instant::now();
    loop {
        alice.send(b"LIST\n");
        let got = alice.next().unwrap_or_default();
        if got == b"ROOMS #a\n" {
            break;
        }
        if started.elapsed() > timeout() {
            fail(
                "bob closed his connection, and his rooms still exist: a member who leaves \
                 must leave every room.",
                &show(b"ROOMS #a\n"),
                &show(&got),
            );
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// bob, in #a and #b with alice (carol in #c only), leaves by `leave`: alice hears it in both
/// rooms, carol not at all, and the nick bob is free again.
#[track_caller]
fn leaving(leave: impl FnOnce(Client)) {
    let addr = yours_at(LIMITS);
    let mut alice = member(addr, "alice", &["#a", "#b"]);
    let bob = member(addr, "bob", &["#a", "#b"]);
    let mut carol = member(addr, "carol", &["#c"]);
    alice.expect("JOIN #a bob");
    alice.expect("JOIN #b bob");
    leave(bob);
    let got: BTreeSet<Vec<u8>> = (0..2).map(|_| alice.next().unwrap_or_default()).collect();
    let want: BTreeSet<Vec<u8>> = [b"PART #a bob\n".to_vec(), b"PART #b bob\n".to_vec()].into();
    if got != want {
        fail(
            "bob left: alice, in #a and #b with him, must get a PART for each room.",
            "b\"PART #a bob\\n\" and b\"PART #b bob\\n\", in any order",
            &got.iter().map(|l| show(l)).collect::<Vec<_>>().join(", "),
        );
    }
    alice.expect_nothing_before_list(" #a #b #c");
    carol.expect_nothing_before_list(" #a #b #c");
    let mut again = Client::open(addr, "bob again");
    again.ask("NICK bob", "OK nick bob");
}

#[test]
fn leaving_by_quit() {
    // Spec, "Leaving": QUIT -> OK bye, the server closes; lines after QUIT are not answered.
    leaving(|mut bob| {
        bob.send(b"QUIT\nMSG #a too late\n");
        bob.expect("OK bye");
        bob.expect_end();
    });
}

#[test]
fn leaving_by_end_of_stream() {
    // Spec, "Leaving": the client shuts down its sending side; the server closes too.
    leaving(|mut bob| {
        bob.conn.shutdown(Shutdown::Write).unwrap();
        bob.expect_end();
    });
}

#[test]
fn leaving_in_the_middle_of_a_line_sends_no_half_line() {
    // Spec, "Leaving": a half line is not a command.
    leaving(|mut bob| {
        bob.send(b"MSG #a half a li");
        bob.conn.shutdown(Shutdown::Write).unwrap();
        bob.expect_end();
    });
}

#[test]
fn leaving_by_a_reset() {
    // Spec, "Leaving": a reset (SO_LINGER 0, then close) is a way out like any other.
    leaving(|bob| {
        let socket = socket2::SockRef::from(&bob.conn);
        socket.set_linger(Some(Duration::ZERO)).unwrap();
        drop(bob); // its last descriptor closed with SO_LINGER 0: the kernel sends RST
    });
}

#[test]
fn limits_a_line_of_max_line_bytes_is_fine_one_more_is_too_long() {
    // Spec, "Limits": max_line counts the \n. Past it: ERR line too long, the server closes,
    // and the member leaves its rooms.
    let addr = yours_at(LIMITS);
    let mut alice = member(addr, "alice", &["#a"]);
    let mut bob = member(addr, "bob", &["#a"]);
    alice.expect("JOIN #a bob");
    let mut fits = b"MSG #a ".to_vec();
    fits.resize(LIMITS.max_line - 1, b'x');
    fits.push(b'\n');
    bob.send(&fits);
    bob.expect("OK msg #a");
    alice.expect_bytes(&[b"MSG #a bob ", &fits[7..]].concat());
    let mut too_long = fits.clone();
    too_long.insert(7, b'y');
    bob.send(&too_long);
    bob.expect("ERR line too long");
    bob.expect_end();
    alice.expect("PART #a bob");
}

#[test]
fn limits_bytes_without_a_newline_are_cut_off_at_max_line() {
    // Spec, "Limits": the server does not wait for the newline of a line that is too long
    // already, nor keep its bytes.
    let addr = yours_at(LIMITS);
    let mut bob = member(addr, "bob", &[]);
    let started = Instant::now();
    // The server may close before taking all of it: that is its right.
    let _ = bob.conn.write_all(&vec![b'x'; 100_000]);
    let mut got = Vec::new();
    while let Ok(line) = bob.next() {
        if line.is_empty() {
            break;
        }
        got.extend_from_slice(&line);
    }
    let took = started.elapsed();
    if !(got.is_empty() || got == b"ERR line too long\n") || took > LIMITS.line_wait / 2 {
        fail(
            "100,000 bytes with no newline: the line is too long once max_line bytes have \
             come without one; the server must say so and close then, not wait for more.",
            "b\"ERR line too long\\n\", then the end, at once",
            &format!("{} after {took:?}", show(&got)),
        );
    }
}

#[test]
fn limits_max_line_bytes_without_a_newline_are_too_long_already() {
    // Spec, "Limits": once max_line bytes have come with no \n among them, the line is too
    // long: refused then, without waiting for one more byte (or for line_wait).
    let addr = yours_at(LIMITS);
    let mut bob = member(addr, "bob", &[]);
    let started = Instant::now();
    bob.send(&[b'x'; LIMITS.max_line]);
    let got = bob.next();
    let took = started.elapsed();
    if !matches!(&got, Ok(l) if l == b"ERR line too long\n") || took > LIMITS.line_wait / 2 {
        fail(
            "bob sent exactly max_line (64) bytes with no newline, and then nothing: the \
             line is too long already (a newline would make it 65 bytes).",
            "b\"ERR line too long\\n\" at once, then the end",
            &format!(
                "{} after {took:?}",
                got.map(|l| show(&l)).unwrap_or_else(|e| e.to_string())
            ),
        );
    }
    bob.expect_end();
}

#[test]
fn limits_line_wait_holds_for_a_line_that_came_with_the_one_before() {
    // Spec, "Limits": the deadline starts at a line's first byte, even when that byte came
    // in the same packet as the line before.
    let limits = Limits {
        line_wait: Duration::from_millis(800),
        ..LIMITS
    };
    let addr = yours_at(limits);
    let mut alice = member(addr, "alice", &["#a"]);
    let mut bob = member(addr, "bob", &["#a"]);
    alice.expect("JOIN #a bob");
    let started = Instant::now();
    bob.send(b"LIST\nMSG #a half a li");
    bob.expect("ROOMS #a");
    match alice.next() {
        Ok(l) if l == b"PART #a bob\n" => {}
        got => fail(
            "bob sent \"LIST\\nMSG #a half a li\" in one write, then nothing: the half line \
             must be cut line_wait (800 ms) after its first byte, and bob leave #a.",
            "alice gets b\"PART #a bob\\n\" about 800 ms later",
            &format!(
                "{} after {:?}",
                got.map(|l| show(&l)).unwrap_or_else(|e| e.to_string()),
                started.elapsed()
            ),
        ),
    }
    bob.expect_end();
}

#[test]
fn limits_a_line_must_be_done_within_line_wait_but_silence_is_fine() {
    // Spec, "Limits": line_wait counts from a line's first byte; between lines, no limit.
    let limits = Limits {
        line_wait: Duration::from_millis(800),
        ..LIMITS
    };
    let addr = yours_at(limits);
    let mut alice = member(addr, "alice", &["#a"]);
    let mut bob = member(addr, "bob", &["#a"]);
    alice.expect("JOIN #a bob");
    thread::sleep(Duration::from_millis(1200)); // silence, longer than line_wait: fine
    alice.ask("MSG #a still there?", "OK msg #a");
    bob.expect("MSG #a alice still there?");
    // bob trickles a line, a byte every 100 ms: cut about 800 ms after its first byte.
    let started = Instant::now();
    let mut trickle = bob.conn.try_clone().unwrap();
    let trickler = thread::spawn(move || {
        for &b in b"MSG #a this line never ends".iter().cycle().take(60) {
            if trickle.write_all(&[b]).is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    // Meanwhile alice is served as usual.
    alice.ask("LIST", "ROOMS #a");
    alice.expect("PART #a bob");
    let took = started.elapsed();
    trickler.join().unwrap();
    if took < Duration::from_millis(700) || took > Duration::from_millis(5000) {
        fail(
            "A line trickled a byte every 100 ms must be cut line_wait (800 ms) after its \
             first byte: the deadline is for the whole line, not for each recv().",
            "bob's PART about 800 ms after his first byte",
            &format!("after {took:?}"),
        );
    }
}

#[test]
fn slow_a_member_that_does_not_read_delays_no_one_and_is_dropped() {
    // Spec, "Slow members": alice talks, bob reads, slow never reads. bob gets every line
    // at once; slow's queue fills, and slow is dropped: bob gets PART #a slow, the nick is
    // free again, slow's connection is closed.
    const MOST: usize = 20_000; // about 20 MB of lines: far more than any kernel buffers
                                // alice sends 100 lines, then waits until bob has them all: with a queue of 128, bob is
                                // never behind by more than it holds, however the server's threads or tasks are
                                // scheduled (a queue smaller than a burst would drop bob when he is merely unlucky).
    let limits = Limits {
        max_line: 1024,
        queue: 128,
        ..LIMITS
    };
    let addr = yours_at(limits);
    let mut slow = Client::small(addr, "slow");
    slow.ask("NICK slow", "OK nick slow");
    slow.ask("JOIN #a", "OK join #a");
    let mut bob = member(addr, "bob", &["#a"]);
    let mut alice = member(addr, "alice", &["#a"]);
    bob.expect("JOIN #a alice");
    let text = "x".repeat(1000);
    let started = Instant::now();
    // alice reads her replies on a thread of her own, so that she is never slow herself.
    let mut replies = Client::over(alice.conn.try_clone().unwrap(), "alice");
    let reading = thread::spawn(move || while matches!(replies.next(), Ok(l) if !l.is_empty()) {});
    let mut sent = 0;
    let mut dropped = false;
    while sent < MOST && !dropped {
        for _ in 0..100 {
            alice.send(format!("MSG #a {sent} {text}\n").as_bytes());
            sent += 1;
        }
        for n in sent - 100..sent {
            match bob.next() {
                Ok(line) if line == b"PART #a slow\n" => {
                    dropped = true;
                    bob.expect(&format!("MSG #a alice {n} {text}"));
                }
                Ok(line) if line == format!("MSG #a alice {n} {text}\n").as_bytes() => {}
                got => fail(
                    "bob, who reads, did not get alice's lines while slow did not read: \
                     one member's slowness must never hold up the others (never wait for \
                     a full queue, never hold a lock while writing).",
                    &format!("MSG #a alice {n} …, within {:?}", timeout()),
                    &format!(
                        "{:?} after {sent} lines sent",
                        got.map(|l| show(&l[..l.len().min(40)]))
                    ),
                ),
            }
        }
    }
    if !dropped {
        fail(
            "slow never read, and after about 20 MB of lines for it the server still had not \
             dropped it: each member's queue must be bounded (limits.queue lines).",
            "PART #a slow, once slow's queue is full",
            &format!("no PART after {sent} lines in {:?}", started.elapsed()),
        );
    }
    let mut again = Client::open(addr, "slow again");
    again.ask("NICK slow", "OK nick slow");
    // slow's connection is closed: what the kernel buffers held, then the end.
    let _ = slow.conn.set_read_timeout(Some(timeout()));
    let ended = loop {
        match slow.next() {
            Ok(line) if line.is_empty() => break true,
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break true,
            Err(_) => break false,
        }
    };
    if !ended {
        fail(
            "slow was dropped from the room, but its connection stayed open.",
            "end of stream (or a reset) on slow's connection",
            &format!("nothing within {:?}", timeout()),
        );
    }
    let _ = alice.conn.shutdown(Shutdown::Both);
    reading.join().unwrap();
}

/// A line far bigger than what the kernel's buffers hold between a client with a small receive
/// buffer and a server with a small send buffer (12,288 bytes measured on Linux against the
/// reference solution): a server that writes it to a client that does not read is stuck in
/// its middle.
#[cfg(target_os = "linux")]
const BIG_LINE: usize = 150_000;

#[cfg(target_os = "linux")]
#[test]
fn slow_the_queue_holds_limits_queue_lines_and_a_dropped_member_gets_none_of_them() {
    // Spec, "Slow members" and "Leaving": slow stops reading. Each of alice's lines is far
    // bigger than the kernel buffers between the server and slow (a few KB here), so the
    // first one stays half written and the queue is the only place the next ones can wait:
    // line 1 being written, lines 2 to queue + 1 waiting (4 lines), line queue + 2 finds the
    // queue full and drops slow at once. slow then gets nothing more of its queue, only what
    // the kernel buffers already held, and the end.
    let limits = Limits {
        max_line: BIG_LINE + 100,
        queue: 4,
        ..LIMITS
    };
    let addr = yours_at_with(limits, Some(4096));
    let mut bob = member(addr, "bob", &["#a"]);
    let mut alice = member(addr, "alice", &["#a"]);
    bob.expect("JOIN #a alice");
    let mut slow = Client::small(addr, "slow");
    slow.ask("NICK slow", "OK nick slow");
    slow.ask("JOIN #a", "OK join #a");
    bob.expect("JOIN #a slow");
    alice.expect("JOIN #a slow");
    let text = |n: usize| format!("{n} {}", "x".repeat(BIG_LINE - 20));
    let most = limits.queue + 2;
    for n in 1..=most {
        alice.send(format!("MSG #a {}\n", text(n)).as_bytes());
        if n == most {
            // The line that drops slow: alice, in #a too, gets slow's PART before or after
            // her reply.
            let mut line = alice.next();
            if matches!(&line, Ok(l) if l == b"PART #a slow\n") {
                line = alice.next();
            }
            if !matches!(&line, Ok(l) if l == b"OK msg #a\n") {
                fail(
                    &format!("alice sent line {n}, and got another line than her reply."),
                    "b\"OK msg #a\\n\" (after or before b\"PART #a slow\\n\")",
                    &format!("{:?}", line.map(|l| show(&l[..l.len().min(40)]))),
                );
            }
        } else {
            alice.expect("OK msg #a");
        }
        // bob gets alice's line; slow's PART, if that line dropped slow, before or after it.
        let part =
            |line: &std::io::Result<Vec<u8>>| matches!(line, Ok(l) if l == b"PART #a slow\n");
        let mut dropped = false;
        let mut next = bob.next();
        if part(&next) {
            dropped = true;
            next = bob.next();
        }
        let want = format!("MSG #a alice {}\n", text(n));
        if !matches!(&next, Ok(l) if *l == want.as_bytes()) {
            fail(
                &format!("bob, who reads, did not get alice's line {n} whole."),
                &format!("{}… ({} bytes)", show(&want.as_bytes()[..20]), want.len()),
                &match next {
                    Ok(l) => format!("{}… ({} bytes)", show(&l[..l.len().min(20)]), l.len()),
                    Err(e) => e.to_string(),
                },
            );
        }
        if n == 1 {
            // Line 1 is on its way to slow (its first bytes are in slow's kernel buffer), so
            // it has left the queue: the server is writing it, and cannot finish.
            let mut byte = [0u8; 1];
            if !matches!(slow.conn.peek(&mut byte), Ok(1)) {
                fail(
                    "slow is in #a and alice's line 1 was queued for it (alice has her OK), \
                     but none of it reached slow: a member's queue must be written out to it \
                     as it comes.",
                    "the first bytes of b\"MSG #a alice 1 xxx…\\n\" on slow's connection",
                    &format!("nothing within {:?}", timeout()),
                );
            }
        }
        // Everything that alice's line made the server queue for bob is ahead of this reply.
        bob.send(b"LIST\n");
        let mut next = bob.next();
        if part(&next) {
            dropped = true;
            next = bob.next();
        }
        match (dropped, n == most) {
            (false, false) | (true, true) => {}
            (true, false) => fail(
                &format!(
                    "slow was dropped by alice's line {n}, which found line 1 still being \
                     written to slow and {} line(s) waiting behind it: its queue \
                     (limits.queue = {}) still had room for line {n} (the line being written \
                     is no longer in the queue).",
                    n.saturating_sub(2),
                    limits.queue
                ),
                &format!(
                    "slow dropped by line {most} (the first line that finds {} lines \
                     waiting)",
                    limits.queue
                ),
                &format!("b\"PART #a slow\\n\" after line {n}"),
            ),
            (false, true) => fail(
                &format!(
                    "slow did not read, and alice's line {n} came while line 1 was still \
                     being written to it and lines 2 to {} waited, {} lines: its queue \
                     (limits.queue = {}) was full, so slow must be dropped at once, as \
                     that line is queued: bob gets PART #a slow before his next reply.",
                    n - 1,
                    n - 2,
                    limits.queue
                ),
                "b\"PART #a slow\\n\", then bob's b\"ROOMS #a\\n\"",
                &format!(
                    "{} (slow not dropped)",
                    next.as_ref()
                        .map(|l| show(&l[..l.len().min(40)]))
                        .unwrap_or_else(|e| e.to_string())
                ),
            ),
        }
        if !matches!(&next, Ok(l) if l == b"ROOMS #a\n") {
            fail(
                "bob asked LIST after alice's line, and got another line than the reply.",
                "b\"ROOMS #a\\n\"",
                &format!("{:?}", next.map(|l| show(&l[..l.len().min(40)]))),
            );
        }
    }
    // slow reads now: the bytes of line 1 the kernel held (line 1 whole, at most), then the
    // end; none of the lines that were waiting in its queue.
    let mut whole = Vec::new();
    let ended = loop {
        match slow.next() {
            Ok(line) if line.is_empty() => break true,
            Ok(line) if line.ends_with(b"\n") => {
                let words: Vec<&[u8]> = line.splitn(5, |&b| b == b' ').collect();
                whole.push(
                    String::from_utf8_lossy(&words[..words.len().min(4)].join(&b' ')).into_owned(),
                );
            }
            Ok(_) => break true, // a half line, then the end
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break true,
            Err(_) => break false,
        }
    };
    if whole.len() > 1 || !ended {
        fail(
            "slow was dropped as too slow, so its connection must be closed without writing \
             what waited in its queue: it may get what the kernel held of the line being \
             written, not the lines after it.",
            "line 1 (or part of it) at most, then the end of the connection",
            &format!(
                "{} whole line(s): {:?}{}",
                whole.len(),
                whole,
                if ended {
                    ", then the end"
                } else {
                    ", and no end"
                }
            ),
        );
    }
}

#[test]
fn slow_your_own_replies_wait_for_room() {
    // Spec, "Slow members": a member that sends many commands at once is not dropped; its
    // replies wait for room in its queue (8 here), and all of them come.
    let addr = yours_at(LIMITS);
    let mut alice = member(addr, "alice", &["#a"]);
    let mut all = Vec::new();
    for _ in 0..2000 {
        all.extend_from_slice(b"LIST\n");
    }
    let mut sending = alice.conn.try_clone().unwrap();
    let sender = thread::spawn(move || sending.write_all(&all));
    for n in 0..2000 {
        match alice.next() {
            Ok(line) if line == b"ROOMS #a\n" => {}
            got => fail(
                "alice sent 2000 LISTs in one go, reading the replies as they came: each \
                 must be answered, none dropped (a member's own replies wait for room).",
                &format!("reply {n}: b\"ROOMS #a\\n\""),
                &format!("{:?}", got.map(|l| show(&l))),
            ),
        }
    }
    sender.join().unwrap().unwrap();
}

#[test]
fn slow_a_member_that_never_reads_its_replies_is_read_no_more_and_holds_up_no_one() {
    // Spec, "Slow members": a reply waits for room in its member's queue, and meanwhile the
    // server reads no more of that member's commands; that wait holds no lock: others go on.
    // As many bytes of replies as of commands: with a bounded queue the server stops reading
    // after a few MiB (what the kernel buffers hold); without one it reads all 64 MiB.
    const MOST: usize = 64 << 20;
    let addr = yours_at(LIMITS);
    let mut alice = member(addr, "alice", &["#a"]);
    let mut hog = Client::small(addr, "hog");
    hog.ask("NICK hog", "OK nick hog");
    // Each line is a command (24 bytes), each reply ERR not in #abcdefghijklmnop (29 bytes).
    let block: Vec<u8> = b"MSG #abcdefghijklmnop x\n".repeat(1024);
    let mut conn = hog.conn.try_clone().unwrap();
    conn.set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut sent = 0usize;
    let mut stalls = 0;
    let mut at = 0;
    while sent < MOST && stalls < 2 {
        match conn.write(&block[at..]) {
            Ok(n) => {
                sent += n;
                at = (at + n) % block.len();
                stalls = 0;
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                stalls += 1
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => fail(
                "hog sent commands and read none of the replies: the server must stop reading \
                 its commands, not close it.",
                "the server stops reading, the connection stays open",
                &format!("{e} after {sent} bytes"),
            ),
        }
    }
    if stalls < 2 {
        fail(
            "hog sent commands and never read a reply, and the server read on and on: a \
             member's replies must wait for room in its queue (limits.queue lines), and \
             meanwhile the server reads no more of its commands.",
            "the server stops reading hog's commands once its queue and the buffers are full",
            &format!("{} MiB of commands taken, and still reading", sent >> 20),
        );
    }
    // hog's reply waits for room; alice must not wait for hog.
    alice.send(b"LIST\n");
    match alice.next() {
        Ok(l) if l == b"ROOMS #a\n" => {}
        got => fail(
            "hog's reply waits for room in hog's queue, and alice waited with it: no lock \
             may be held while a member waits (keep the reply's place first, then lock).",
            "alice's b\"ROOMS #a\\n\" at once",
            &format!("{:?}", got.map(|l| show(&l))),
        ),
    }
    alice.ask("JOIN #b", "OK join #b");
    drop(hog);
    drop(conn);
}

#[test]
fn many_clients_at_once() {
    // Spec, "Clients": many members, all talking at once; each gets every other's lines, in
    // the order each sent them.
    const MEMBERS: usize = 30;
    const EACH: usize = 5;
    let addr = yours_at(Limits {
        queue: 2 * MEMBERS * EACH,
        ..LIMITS
    });
    let mut members = Vec::new();
    for i in 0..MEMBERS {
        let mut m = member(addr, &format!("m{i}"), &["#all"]);
        for earlier in members.iter_mut() {
            let earlier: &mut Client = earlier;
            earlier.expect(&format!("JOIN #all m{i}"));
        }
        let _ = &mut m;
        members.push(m);
    }
    let talking: Vec<_> = members
        .into_iter()
        .enumerate()
        .map(|(i, mut m)| {
            thread::spawn(move || {
                let lines: String = (0..EACH).map(|n| format!("MSG #all {n}\n")).collect();
                m.send(lines.as_bytes());
                let mut next = vec![0; MEMBERS];
                let mut oks = 0;
                for _ in 0..EACH + (MEMBERS - 1) * EACH {
                    let line = m.next().unwrap_or_default();
                    let text = String::from_utf8_lossy(&line).into_owned();
                    if text == "OK msg #all\n" {
                        oks += 1;
                        continue;
                    }
                    let Some((from, n)) = text
                        .strip_prefix("MSG #all m")
                        .and_then(|rest| rest.trim_end().split_once(' '))
                        .and_then(|(f, n)| {
                            Some((f.parse::<usize>().ok()?, n.parse::<usize>().ok()?))
                        })
                        .filter(|&(f, n)| f != i && f < MEMBERS && n == next[f])
                    else {
                        return Err(format!(
                            "m{i} got {} (expected lines so far {next:?})",
                            show(&line)
                        ));
                    };
                    next[from] = n + 1;
                }
                Ok(oks)
            })
        })
        .collect();
    for t in talking {
        match t.join().unwrap() {
            Ok(oks) if oks == EACH => {}
            Ok(oks) => fail(
                "A member did not get a reply to each of its MSGs.",
                &EACH.to_string(),
                &oks.to_string(),
            ),
            Err(e) => fail(
                "With 30 members talking at once, a member got a line out of order, twice, \
                 its own, or not at all.",
                "each other member's lines, 0 to 4, in order",
                &e,
            ),
        }
    }
}

#[test]
fn serve_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your serve runs.
    testkit::prints_nothing(
        "serve",
        &[
            "rooms_join_msg_part",
            "bad_commands_get_an_error_and_the_connection_goes_on",
            "leaving_by_quit",
        ],
    );
}
