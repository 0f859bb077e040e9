//! The exercise's checks: your `finish` runs here, in the test, on the server's side of a real
//! connection, while a client the test plays (in a thread) sends more than the server read,
//! reads slowly, trickles, floods, stays silent or resets. They check the bytes the client
//! gets and when its end of stream comes, what `finish` returns and when, and how many bytes
//! it left unread, never what anything prints.
//! (`cargo exercise lesson-08-close` runs them on src/exercise.rs.)

use std::cell::RefCell;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use lesson_08_close::{finish, Closing, Ending, Linger};
use socket2::Socket;
use testkit::{fail, timeout, uninterrupted, yours};

/// The server's side and the client's side of a fresh loopback connection.
fn connection() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    client.set_read_timeout(Some(timeout())).unwrap();
    client.set_write_timeout(Some(timeout())).unwrap();
    server.set_write_timeout(Some(timeout())).unwrap();
    (server, client)
}

/// Your `finish` on the server's side: what it returned, and when.
fn run(server: &TcpStream, limits: Linger) -> (io::Result<Ending>, Instant) {
    let result = yours(|| finish(server, limits));
    (result, Instant::now())
}

/// How late finish may return after its deadline on a busy machine.
const SLACK: Duration = Duration::from_millis(1000);

/// How many recv() calls waiting for a silent client may take: one waits for the time left,
/// a few more if the kernel's timer (counted in ticks) wakes one early; polling takes
/// hundreds.
const MOST_RECVS_FOR_A_SILENT_CLIENT: usize = 10;

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

fn shown(result: &io::Result<Ending>) -> String {
    match result {
        Ok(ending) => format!("Ok({ending:?})"),
        Err(e) => format!("Err: {e} (kind {:?})", e.kind()),
    }
}

/// `finish` must have returned exactly this.
#[track_caller]
fn check_ending(why: &str, expected: Ending, got: &io::Result<Ending>) {
    if !matches!(got, Ok(ending) if *ending == expected) {
        fail(why, &format!("Ok({expected:?})"), &shown(got));
    }
}

/// How a client's reading ended.
#[derive(Debug, PartialEq)]
enum End {
    Eof,
    Error(ErrorKind),
}

/// Read to the end of stream (or an error); the bytes, how it ended and when.
fn read_all(client: &mut TcpStream) -> (usize, End, Instant) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut got = 0;
    loop {
        match uninterrupted(|| client.read(&mut buf)) {
            Ok(0) => return (got, End::Eof, Instant::now()),
            Ok(n) => got += n,
            Err(e) => return (got, End::Error(e.kind()), Instant::now()),
        }
    }
}

/// Hold the client's side, silent, until told to stop (or for the test's timeout), then
/// close it.
fn silent(client: TcpStream) -> (mpsc::Sender<()>, JoinHandle<()>) {
    let (stop, told) = mpsc::channel();
    let holding = thread::spawn(move || {
        let _ = told.recv_timeout(timeout());
        drop(client);
    });
    (stop, holding)
}

/// Wait until the server's kernel holds `n` unread bytes (peek, no sleeping).
fn wait_for_unread(server: &TcpStream, n: usize) {
    let mut buf = vec![0u8; n + 1];
    let began = Instant::now();
    server.set_read_timeout(Some(timeout())).unwrap();
    while server.peek(&mut buf).unwrap() < n {
        assert!(
            began.elapsed() < timeout(),
            "the client's bytes never arrived"
        );
        thread::yield_now();
    }
}

/// How many bytes the server's kernel still holds unread, without waiting.
fn unread(server: &TcpStream) -> usize {
    server.set_nonblocking(true).unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut left = 0;
    loop {
        match (&*server).read(&mut buf) {
            Ok(0) => return left,
            Ok(n) => left += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return left,
            Err(e) => panic!("reading what was left: {e}"),
        }
    }
}

/// Close the client's side with SO_LINGER 0: the kernel sends RST.
fn reset(client: TcpStream) {
    Socket::from(client)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
}

#[test]
fn the_whole_answer_arrives_though_the_client_sent_more() {
    // The real trouble: the client sends its request AND more bytes, which the server never
    // reads; the server sends a 1 MiB answer, and the client reads it late. Closing with
    // those bytes unread sends RST, and the part of the answer still in the server's kernel
    // is thrown away: the client reads what had reached it, then "connection reset by peer".
    const ANSWER: usize = 1 << 20;
    let (mut server, mut client) = connection();
    let reading = thread::spawn(move || {
        client.write_all(b"GET\n").unwrap();
        client.write_all(&[b'x'; 1000]).unwrap();
        // A slow client: the whole answer is sent before it reads a byte.
        thread::sleep(Duration::from_millis(300));
        let (got, end, eof_at) = read_all(&mut client);
        // Taken BEFORE the close: finish may return as soon as the client's FIN is in.
        let closing_at = Instant::now();
        drop(client);
        (got, end, eof_at, closing_at)
    });
    // The test's server reads the 4 bytes of the request, no more, and answers.
    server.set_read_timeout(Some(timeout())).unwrap();
    server.read_exact(&mut [0u8; 4]).unwrap();
    server.write_all(&vec![b'a'; ANSWER]).unwrap();
    let limits = Linger {
        deadline: Duration::from_secs(5),
        max_discard: 64 * 1024,
    };
    let (ending, returned_at) = run(&server, limits);
    drop(server);
    let (got, end, eof_at, closing_at) = reading.join().unwrap();
    if (got, &end) != (ANSWER, &End::Eof) {
        fail(
            "The client did not get the whole answer: the connection was closed while 1000 \
             bytes it sent were still unread, so the kernel reset it and threw away the part \
             of the answer it had not delivered yet.",
            &format!("{ANSWER} bytes, then end of stream"),
            &format!("{got} bytes, then {end:?}"),
        );
    }
    if eof_at > returned_at {
        fail(
            "The client saw the end of the answer only when the socket was closed, after your \
             finish had returned: while finish waited, the client had all the bytes but no end \
             of stream, so it waited too.",
            "the client's end of stream before finish returns (then the client closes)",
            &format!(
                "end of stream {} ms after finish returned {}",
                ms(eof_at - returned_at),
                shown(&ending)
            ),
        );
    }
    check_ending(
        "finish must say how the client ended: it closed its side after the 1000 bytes that \
         were read and thrown away.",
        Ending::Closed { discarded: 1000 },
        &ending,
    );
    if returned_at < closing_at {
        fail(
            "finish returned before the client had closed its side: it did not wait for the \
             client's end of stream.",
            "finish returns after the client's close",
            &format!(
                "finish returned {} ms before it",
                ms(closing_at - returned_at)
            ),
        );
    }
}

/// A `Closing` that records the calls it is asked to make, then makes them.
struct Recording<'a> {
    conn: &'a TcpStream,
    calls: &'a RefCell<Vec<String>>,
}

impl Closing for Recording<'_> {
    fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        self.calls.borrow_mut().push(format!("shutdown({how:?})"));
        self.conn.shutdown(how)
    }

    fn set_read_timeout(&mut self, limit: Duration) -> io::Result<()> {
        self.calls.borrow_mut().push("set_read_timeout".into());
        self.conn.set_read_timeout(Some(limit))
    }

    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls.borrow_mut().push("recv".into());
        Read::read(&mut self.conn, buf)
    }
}

#[test]
fn only_the_sending_direction_ends_before_the_first_recv() {
    // However the client ends, closed, over the limit (even a limit of 0) or silent until
    // the deadline: the sending direction ends once, first, and the receiving direction
    // never.
    for (client_sends, max_discard, deadline, expected) in [
        (0, 1000, 5000, Ending::Closed { discarded: 0 }),
        (20, 10, 5000, Ending::TooMuch { discarded: 10 }),
        (10, 0, 5000, Ending::TooMuch { discarded: 0 }),
        (0, 1000, 200, Ending::TimedOut { discarded: 0 }),
    ] {
        let (server, mut client) = connection();
        let (stop, holding) = match expected {
            Ending::Closed { .. } => {
                drop(client);
                (None, None)
            }
            _ => {
                if client_sends > 0 {
                    client.write_all(&vec![b'z'; client_sends]).unwrap();
                    wait_for_unread(&server, client_sends);
                }
                let (stop, holding) = silent(client);
                (Some(stop), Some(holding))
            }
        };
        let calls = RefCell::new(Vec::new());
        let conn = Recording {
            conn: &server,
            calls: &calls,
        };
        let limits = Linger {
            deadline: Duration::from_millis(deadline),
            max_discard,
        };
        let ending = yours(|| finish(conn, limits));
        if let (Some(stop), Some(holding)) = (stop, holding) {
            let _ = stop.send(());
            holding.join().unwrap();
        }
        let calls = calls.into_inner();
        let shutdowns: Vec<&String> = calls.iter().filter(|c| c.starts_with("shutdown")).collect();
        let first_recv = calls.iter().position(|c| c == "recv");
        let first_shutdown = calls.iter().position(|c| c.starts_with("shutdown"));
        let shutdown_after_a_recv =
            matches!((first_shutdown, first_recv), (Some(s), Some(r)) if s > r);
        if shutdowns != ["shutdown(Write)"] || shutdown_after_a_recv {
            fail(
                &format!(
                    "The sending direction must end once, before finish waits for anything, and \
                     the receiving direction never, not even when finish gives up (here it \
                     returned {}): the client's bytes must still be read, or queued for the \
                     close to reset.",
                    shown(&ending)
                ),
                "shutdown(Write), then set_read_timeout and recv as you need them",
                &match calls.is_empty() {
                    true => "no call at all".to_string(),
                    false => calls.join(", "),
                },
            );
        }
        check_ending(
            &format!(
                "The client sent {client_sends} bytes more, max_discard is {max_discard}, the \
                 deadline {deadline} ms, and the client {}.",
                match expected {
                    Ending::Closed { .. } => "closed its side",
                    _ => "sent nothing more and did not close",
                }
            ),
            expected,
            &ending,
        );
    }
}

#[test]
fn a_client_that_closed_already_ends_it_at_once() {
    let (server, client) = connection();
    drop(client);
    let began = Instant::now();
    let limits = Linger {
        deadline: Duration::from_secs(5),
        max_discard: 1000,
    };
    let (ending, returned_at) = run(&server, limits);
    check_ending(
        "The client had closed its side, with nothing more sent: Closed, 0 bytes.",
        Ending::Closed { discarded: 0 },
        &ending,
    );
    if returned_at - began > Duration::from_secs(1) {
        fail(
            "finish waited although the client's end of stream was already there.",
            "at once",
            &format!("{} ms", ms(returned_at - began)),
        );
    }
}

#[test]
fn a_silent_client_is_left_at_the_deadline() {
    let (server, client) = connection();
    let (stop, holding) = silent(client);
    let deadline = Duration::from_millis(500);
    let began = Instant::now();
    let limits = Linger {
        deadline,
        max_discard: 1000,
    };
    let calls = RefCell::new(Vec::new());
    let conn = Recording {
        conn: &server,
        calls: &calls,
    };
    let ending = yours(|| finish(conn, limits));
    let returned_at = Instant::now();
    let _ = stop.send(());
    holding.join().unwrap();
    let took = returned_at - began;
    let recvs = calls.borrow().iter().filter(|c| *c == "recv").count();
    if recvs > MOST_RECVS_FOR_A_SILENT_CLIENT {
        fail(
            "A client that sends nothing: finish polled it, recv() after recv(), instead of \
             waiting in one recv() for the time left; a server that does that burns its CPU \
             on every silent client.",
            &format!(
                "at most {MOST_RECVS_FOR_A_SILENT_CLIENT} recv() calls in the {} ms",
                ms(deadline)
            ),
            &format!("{recvs} recv() calls, then {}", shown(&ending)),
        );
    }
    if !matches!(ending, Ok(Ending::TimedOut { discarded: 0 }))
        || took + Duration::from_millis(50) < deadline
        || took > deadline + SLACK
    {
        fail(
            "A client that sends nothing and never closes: finish waits for it until the \
             deadline, and no longer, then TimedOut (on Unix a receive timeout is the error \
             kind WouldBlock, EAGAIN).",
            &format!(
                "Ok(TimedOut {{ discarded: 0 }}) after about {} ms",
                ms(deadline)
            ),
            &format!("{} after {} ms", shown(&ending), ms(took)),
        );
    }
}

#[test]
fn a_trickling_client_is_left_at_the_deadline() {
    let (server, mut client) = connection();
    let (stop, told) = mpsc::channel::<()>();
    // One byte every 100 ms, until finish returns (or for the test's timeout, then it
    // closes): each recv() gets a byte long before a per-recv timeout could end it.
    let trickling = thread::spawn(move || {
        let began = Instant::now();
        while told.recv_timeout(Duration::from_millis(100)).is_err() && began.elapsed() < timeout()
        {
            if client.write_all(b"x").is_err() {
                break;
            }
        }
    });
    let deadline = Duration::from_secs(1);
    let began = Instant::now();
    let limits = Linger {
        deadline,
        max_discard: 64 * 1024,
    };
    let (ending, returned_at) = run(&server, limits);
    let _ = stop.send(());
    trickling.join().unwrap();
    let took = returned_at - began;
    if took > deadline + SLACK {
        fail(
            "A client that sends a byte every 100 ms held finish past its deadline: the \
             deadline is for the whole of finish, not for each recv().",
            &format!("finish returns TimedOut after about {} ms", ms(deadline)),
            &format!("{} after {} ms", shown(&ending), ms(took)),
        );
    }
    if !matches!(ending, Ok(Ending::TimedOut { discarded }) if (1..=15).contains(&discarded)) {
        fail(
            "A trickling client: TimedOut at the deadline, with the 10 or so bytes read.",
            "Ok(TimedOut { discarded: about 10 })",
            &shown(&ending),
        );
    }
}

#[test]
fn no_time_at_all_still_ends_the_answer() {
    // The client has sent 10 bytes more; it reads to its end of stream, then stays, silent,
    // until the check is over (or for the test's timeout): a finish that waits for it waits
    // that long, it does not hang.
    let (server, mut client) = connection();
    client.write_all(b"0123456789").unwrap();
    wait_for_unread(&server, 10);
    // As a fresh socket: no receive timeout.
    server.set_read_timeout(None).unwrap();
    let (stop, told) = mpsc::channel::<()>();
    let reading = thread::spawn(move || {
        client
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let (_, end, _) = read_all(&mut client);
        let _ = told.recv_timeout(timeout());
        end
    });
    let limits = Linger {
        deadline: Duration::ZERO,
        max_discard: 1000,
    };
    let began = Instant::now();
    let (ending, returned_at) = run(&server, limits);
    let left = unread(&server);
    let _ = stop.send(());
    let end = reading.join().unwrap();
    let took = returned_at - began;
    if !matches!(ending, Ok(Ending::TimedOut { discarded: 0 })) || took > SLACK || left != 10 {
        fail(
            "A deadline of zero: no time to wait for the client, so TimedOut, 0 bytes, at once \
             — not an error, no wait, and no recv() either, though the client's 10 bytes were \
             there to read (a receive timeout of zero is refused with InvalidInput: it is not \
             \"do not wait\"; and a recv() whose timeout was never set waits without a \
             limit).",
            "Ok(TimedOut { discarded: 0 }) at once, the client's 10 bytes left unread",
            &format!(
                "{} after {} ms, {left} bytes left unread",
                shown(&ending),
                ms(took)
            ),
        );
    }
    if end != End::Eof {
        fail(
            "Even with no time to wait, the client must learn that the answer is complete.",
            "end of stream",
            &format!("{end:?}"),
        );
    }
}

#[test]
fn a_flooding_client_is_cut_off_after_max_discard() {
    let (server, mut client) = connection();
    let (stop, told) = mpsc::channel::<()>();
    let flooding = thread::spawn(move || {
        let (chunk, began) = (vec![b'f'; 64 * 1024], Instant::now());
        while told.try_recv().is_err() && began.elapsed() < timeout() {
            if client.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let max_discard = 256 * 1024;
    let began = Instant::now();
    let limits = Linger {
        deadline: Duration::from_secs(5),
        max_discard,
    };
    let (ending, returned_at) = run(&server, limits);
    let _ = stop.send(());
    // Closing with the flood unread resets the connection: the flooder's write fails.
    drop(server);
    flooding.join().unwrap();
    let took = returned_at - began;
    if !matches!(ending, Ok(Ending::TooMuch { discarded }) if discarded == max_discard)
        || took > Duration::from_secs(2)
    {
        fail(
            "A client that sends without end: once max_discard bytes are read, TooMuch, at \
             once (not at the deadline).",
            &format!("Ok(TooMuch {{ discarded: {max_discard} }}) at once"),
            &format!("{} after {} ms", shown(&ending), ms(took)),
        );
    }
}

#[test]
fn not_one_byte_past_max_discard() {
    // (max_discard, bytes the client sends before it waits, silent, for the answer's end)
    for (max_discard, sent) in [(10_000, 10_100), (5000, 5001), (0, 10)] {
        let (server, mut client) = connection();
        client.write_all(&vec![b'y'; sent]).unwrap();
        wait_for_unread(&server, sent);
        let (stop, holding) = silent(client);
        let began = Instant::now();
        let limits = Linger {
            deadline: Duration::from_secs(3),
            max_discard,
        };
        let (ending, returned_at) = run(&server, limits);
        let left = unread(&server);
        let _ = stop.send(());
        holding.join().unwrap();
        let took = returned_at - began;
        let expected = Ending::TooMuch {
            discarded: max_discard,
        };
        if !matches!(&ending, Ok(e) if *e == expected) || took > Duration::from_secs(1) {
            fail(
                &format!(
                    "The client sent {sent} bytes and no end of stream; max_discard is \
                     {max_discard}: TooMuch, at once. (Careful: recv() into an empty buffer \
                     returns 0, which is not an end of stream.)"
                ),
                &format!("Ok({expected:?}) at once"),
                &format!("{} after {} ms", shown(&ending), ms(took)),
            );
        }
        if left != sent - max_discard {
            fail(
                &format!(
                    "finish must read at most max_discard ({max_discard}) of the {sent} bytes \
                     the client sent, not one more."
                ),
                &format!("{} bytes left unread", sent - max_discard),
                &format!("{left} bytes left unread"),
            );
        }
    }
}

#[test]
fn a_client_that_resets_is_a_reset_not_an_error() {
    // Before finish: the client sends 10 bytes, then resets. On Linux the RST is in before
    // finish starts: shutdown() then fails with NotConnected.
    let (server, mut client) = connection();
    client.write_all(b"0123456789").unwrap();
    wait_for_unread(&server, 10);
    reset(client);
    let limits = Linger {
        deadline: Duration::from_secs(5),
        max_discard: 1000,
    };
    let (ending, _) = run(&server, limits);
    if !matches!(ending, Ok(Ending::Reset { discarded }) if discarded <= 10) {
        fail(
            "The client reset the connection before finish began (a shutdown or recv on it \
             fails): that is how it ended, not an error of the server's.",
            "Ok(Reset { discarded: 0 to 10 })",
            &shown(&ending),
        );
    }

    // During the wait: the client reads the answer's end, then resets.
    let (server, mut client) = connection();
    let resetting = thread::spawn(move || {
        let (_, end, _) = read_all(&mut client);
        reset(client);
        end
    });
    let began = Instant::now();
    let (ending, returned_at) = run(&server, limits);
    let end = resetting.join().unwrap();
    if !matches!(ending, Ok(Ending::Reset { discarded: 0 }))
        || returned_at - began > Duration::from_secs(2)
    {
        fail(
            &format!(
                "The client reset the connection while finish waited (after it read {end:?}): \
                 Reset, at once."
            ),
            "Ok(Reset { discarded: 0 }) at once",
            &format!("{} after {} ms", shown(&ending), ms(returned_at - began)),
        );
    }

    // During the wait, after bytes: the client sends 10 bytes, and resets once finish has
    // read them (it says so through `Noticing`).
    let (server, mut client) = connection();
    let (noticed, read_so_far) = mpsc::channel();
    let resetting = thread::spawn(move || {
        client.write_all(b"0123456789").unwrap();
        let began = Instant::now();
        while let Ok(n) = read_so_far.recv_timeout(timeout().saturating_sub(began.elapsed())) {
            if n >= 10 {
                break;
            }
        }
        reset(client);
    });
    let conn = Noticing {
        conn: &server,
        read: 0,
        noticed,
    };
    let ending = yours(|| finish(conn, limits));
    resetting.join().unwrap();
    check_ending(
        "The client sent 10 bytes, finish read them, then the client reset the connection: \
         Reset, with the 10 bytes read and thrown away before it.",
        Ending::Reset { discarded: 10 },
        &ending,
    );
}

/// A `Closing` that tells the client how many bytes `finish` has read so far.
struct Noticing<'a> {
    conn: &'a TcpStream,
    read: usize,
    noticed: mpsc::Sender<usize>,
}

impl Closing for Noticing<'_> {
    fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        self.conn.shutdown(how)
    }

    fn set_read_timeout(&mut self, limit: Duration) -> io::Result<()> {
        self.conn.set_read_timeout(Some(limit))
    }

    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = Read::read(&mut self.conn, buf)?;
        self.read += n;
        let _ = self.noticed.send(self.read);
        Ok(n)
    }
}

/// A `Closing` that records each recv() `finish` makes, when (since `began`), and the
/// receive timeout then in effect: SO_RCVTIMEO counts from the start of each recv(), so that
/// is how long the recv() may wait, whenever the timeout was set (`None`: for ever).
struct Timing<'a> {
    conn: &'a TcpStream,
    began: Instant,
    current: Option<Duration>,
    recvs: &'a RefCell<Vec<(Duration, Option<Duration>)>>,
}

impl Closing for Timing<'_> {
    fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        self.conn.shutdown(how)
    }

    fn set_read_timeout(&mut self, limit: Duration) -> io::Result<()> {
        // Only the timeouts the kernel took (a zero is refused, and changes nothing).
        self.conn.set_read_timeout(Some(limit))?;
        self.current = Some(limit);
        Ok(())
    }

    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let at = self.began.elapsed();
        self.recvs.borrow_mut().push((at, self.current));
        Read::read(&mut self.conn, buf)
    }
}

#[test]
fn a_client_that_goes_quiet_late_is_left_at_the_deadline() {
    // One byte 700 ms into a 1 s deadline, then silence: a recv() that may wait the whole
    // deadline again would keep finish until 1.7 s. The receive timeout in effect at each
    // recv() tells it without a race: none may reach past the deadline (300 ms of slack for a
    // busy machine).
    const DEADLINE: Duration = Duration::from_millis(1000);
    const LATE: Duration = Duration::from_millis(700);
    const SLACK_SET: Duration = Duration::from_millis(300);
    let (server, mut client) = connection();
    let (stop, told) = mpsc::channel::<()>();
    let began = Instant::now();
    let late = thread::spawn(move || {
        if told.recv_timeout(LATE).is_err() {
            let _ = client.write_all(b"x");
            let _ = told.recv_timeout(timeout());
        }
        drop(client);
    });
    let recvs = RefCell::new(Vec::new());
    let conn = Timing {
        conn: &server,
        began,
        current: None,
        recvs: &recvs,
    };
    let limits = Linger {
        deadline: DEADLINE,
        max_discard: 1000,
    };
    let ending = yours(|| finish(conn, limits));
    let took = began.elapsed();
    let _ = stop.send(());
    late.join().unwrap();
    let recvs = recvs.into_inner();
    let until = |at: Duration, limit: Option<Duration>| limit.map(|limit| at + limit);
    let shown_recvs: Vec<String> = recvs
        .iter()
        .map(|&(at, limit)| match limit {
            Some(limit) => format!(
                "at {} ms: recv() with a receive timeout of {} ms: may wait until {} ms",
                ms(at),
                ms(limit),
                ms(at + limit)
            ),
            None => format!(
                "at {} ms: recv() with no receive timeout set: may wait for ever",
                ms(at)
            ),
        })
        .collect();
    if let Some(&(at, limit)) = recvs
        .iter()
        .find(|&&(at, limit)| until(at, limit).is_none_or(|until| until > DEADLINE + SLACK_SET))
    {
        fail(
            &format!(
                "The client sent one byte {} ms into a {} ms deadline, then nothing: the \
                 recv() made at {} ms could wait {}, past the deadline. The deadline is for \
                 the whole of finish, and a receive timeout counts from the start of each \
                 recv(): before each recv() it must be the time left.",
                ms(LATE),
                ms(DEADLINE),
                ms(at),
                until(at, limit).map_or("for ever".to_string(), |u| format!("until {} ms", ms(u)))
            ),
            &format!(
                "every recv() may wait only until the deadline ({} ms), finish returns \
                 TimedOut then",
                ms(DEADLINE)
            ),
            &format!(
                "{}\nfinish returned {} after {} ms",
                shown_recvs.join("\n"),
                shown(&ending),
                ms(took)
            ),
        );
    }
    if !matches!(ending, Ok(Ending::TimedOut { discarded: 1 })) || took > DEADLINE + SLACK {
        fail(
            "A client that sent one byte late in the wait, then nothing: TimedOut at the \
             deadline, with that byte read.",
            &format!(
                "Ok(TimedOut {{ discarded: 1 }}) after about {} ms",
                ms(DEADLINE)
            ),
            &format!("{} after {} ms", shown(&ending), ms(took)),
        );
    }
}

/// What a `Faulty` connection does wrong on purpose.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// The first recv() fails with `Interrupted` (EINTR), as after a stop and continue.
    InterruptedOnce,
    /// A receive timeout fails with `TimedOut`, as on Windows (Unix says `WouldBlock`).
    TimeoutAsOnWindows,
    /// recv() fails with this error.
    Recv(ErrorKind),
    /// shutdown() fails with this error.
    Shutdown(ErrorKind),
    /// set_read_timeout() fails with this error (and a recv() after it fails too: without
    /// the timeout it would wait without a limit).
    SetTimeout(ErrorKind),
    /// A signal every 100 ms: a recv() that would wait longer fails with `Interrupted` after
    /// 100 ms (for the first 3 s; then the check lets the timeout expire).
    SignalEvery100Ms,
    /// The first recv() returns only after this long (the bytes were there: the server's
    /// thread ran late, on a busy machine).
    FirstRecvLate(Duration),
}

/// A `Closing` on a real connection, with one fault on purpose.
struct Faulty<'a> {
    conn: &'a TcpStream,
    fault: Fault,
    recvs: usize,
    began: Instant,
    /// The receive timeout `finish` last set.
    limit: Option<Duration>,
}

impl Faulty<'_> {
    fn new(conn: &TcpStream, fault: Fault) -> Faulty<'_> {
        Faulty {
            conn,
            fault,
            recvs: 0,
            began: Instant::now(),
            limit: None,
        }
    }
}

/// How often `Fault::SignalEvery100Ms` interrupts a recv(), and for how long.
const SIGNAL_EVERY: Duration = Duration::from_millis(100);
const SIGNALS_FOR: Duration = Duration::from_secs(3);

impl Closing for Faulty<'_> {
    fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        match self.fault {
            Fault::Shutdown(kind) => Err(io::Error::new(kind, "a failure the check made")),
            _ => self.conn.shutdown(how),
        }
    }

    fn set_read_timeout(&mut self, limit: Duration) -> io::Result<()> {
        if let Fault::SetTimeout(kind) = self.fault {
            return Err(io::Error::new(kind, "a failure the check made"));
        }
        self.limit = Some(limit);
        self.conn.set_read_timeout(Some(limit))
    }

    fn recv(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.recvs += 1;
        match (self.fault, self.recvs) {
            (Fault::SetTimeout(_), _) => Err(io::Error::other(
                "recv() after set_read_timeout() failed: it would wait without a limit",
            )),
            (Fault::FirstRecvLate(late), 1) => {
                thread::sleep(late);
                Read::read(&mut self.conn, buf)
            }
            (Fault::SignalEvery100Ms, _) if self.began.elapsed() < SIGNALS_FOR => {
                // Each recv() call waits its whole timeout again (as the kernel does): the
                // signal cuts it after 100 ms.
                let limit = self.limit.unwrap_or(Duration::MAX);
                self.conn.set_read_timeout(Some(limit.min(SIGNAL_EVERY)))?;
                let got = Read::read(&mut self.conn, buf);
                self.conn.set_read_timeout(self.limit)?;
                match got {
                    Err(e) if e.kind() == ErrorKind::WouldBlock && limit > SIGNAL_EVERY => {
                        Err(ErrorKind::Interrupted.into())
                    }
                    other => other,
                }
            }
            (Fault::InterruptedOnce, 1) => Err(ErrorKind::Interrupted.into()),
            (Fault::Recv(kind), _) => Err(io::Error::new(kind, "a failure the check made")),
            (Fault::TimeoutAsOnWindows, _) => match Read::read(&mut self.conn, buf) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => Err(ErrorKind::TimedOut.into()),
                other => other,
            },
            _ => Read::read(&mut self.conn, buf),
        }
    }
}

#[test]
fn a_recv_interrupted_by_a_signal_is_tried_again() {
    // After a stop and continue (Ctrl-Z, fg), a recv() with a timeout fails with EINTR even
    // without a signal handler (signal(7)): nothing ended, wait again for the time left.
    let (server, mut client) = connection();
    client.write_all(b"12345").unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let (stop, holding) = silent(client);
    let limits = Linger {
        deadline: Duration::from_secs(5),
        max_discard: 1000,
    };
    let ending = yours(|| finish(Faulty::new(&server, Fault::InterruptedOnce), limits));
    let _ = stop.send(());
    holding.join().unwrap();
    check_ending(
        "The first recv() was interrupted by a signal (Interrupted, EINTR: a stop and continue \
         does it), which ends nothing: recv() again, and the client's 5 bytes and end of \
         stream are there.",
        Ending::Closed { discarded: 5 },
        &ending,
    );
}

/// A silent client, a connection with `fault`, and `deadline`: finish must time out on time,
/// having read nothing. `what`: the case, for the failure message.
fn times_out_on_time(fault: Fault, deadline: Duration, what: &str) {
    let (server, client) = connection();
    let (stop, holding) = silent(client);
    let began = Instant::now();
    let limits = Linger {
        deadline,
        max_discard: 1000,
    };
    let ending = yours(|| finish(Faulty::new(&server, fault), limits));
    let took = began.elapsed();
    let _ = stop.send(());
    holding.join().unwrap();
    if !matches!(ending, Ok(Ending::TimedOut { discarded: 0 })) || took > deadline + SLACK {
        fail(
            what,
            &format!(
                "Ok(TimedOut {{ discarded: 0 }}) after about {} ms",
                ms(deadline)
            ),
            &format!("{} after {} ms", shown(&ending), ms(took)),
        );
    }
}

#[test]
fn signals_again_and_again_do_not_stretch_the_deadline() {
    // A signal every 100 ms (a profiler's timer, a terminal being resized): each interrupted
    // recv() ended nothing, but the deadline goes on running. A retry that waits its whole
    // timeout again never gets to the end.
    times_out_on_time(
        Fault::SignalEvery100Ms,
        Duration::from_millis(500),
        "A silent client, and a signal interrupting recv() every 100 ms: after each \
         Interrupted, wait on for the time LEFT, not for the whole timeout again, so that \
         finish still ends at its deadline.",
    );
}

#[test]
fn no_recv_once_the_deadline_has_passed() {
    // The client sent 5 bytes and closed its side; the first recv() returns them only after
    // the deadline (the server's thread ran late). The deadline has passed: no more recv().
    let (server, mut client) = connection();
    client.write_all(b"12345").unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    wait_for_unread(&server, 5);
    let (stop, holding) = silent(client);
    let deadline = Duration::from_millis(200);
    let limits = Linger {
        deadline,
        max_discard: 1000,
    };
    let late = Fault::FirstRecvLate(deadline + Duration::from_millis(100));
    let ending = yours(|| finish(Faulty::new(&server, late), limits));
    let _ = stop.send(());
    holding.join().unwrap();
    check_ending(
        "The first recv() returned the client's 5 bytes 300 ms into a 200 ms deadline: it has \
         passed, so TimedOut with those 5 bytes, at once — no recv() after the deadline, not \
         even for the end of stream that is there to read.",
        Ending::TimedOut { discarded: 5 },
        &ending,
    );
}

#[test]
fn no_limit_on_bytes_is_no_limit_on_memory() {
    // max_discard may be anything, usize::MAX included: what finish keeps in memory must not
    // grow with it.
    let (server, mut client) = connection();
    client.write_all(b"0123456789").unwrap();
    drop(client);
    let limits = Linger {
        deadline: Duration::from_secs(5),
        max_discard: usize::MAX,
    };
    let (ending, _) = run(&server, limits);
    check_ending(
        "max_discard is usize::MAX (no limit on the bytes); the client sent 10 bytes and \
         closed.",
        Ending::Closed { discarded: 10 },
        &ending,
    );
}

#[test]
fn a_receive_timeout_is_timed_out_on_windows_too() {
    // Windows reports an expired receive timeout as TimedOut (WSAETIMEDOUT), Unix as
    // WouldBlock (EAGAIN): the check makes this connection answer as Windows would.
    times_out_on_time(
        Fault::TimeoutAsOnWindows,
        Duration::from_millis(300),
        "A silent client, on a system that reports an expired receive timeout as TimedOut \
         (Windows) rather than WouldBlock (Unix): the deadline has passed all the same.",
    );
}

#[test]
fn other_failures_are_returned_as_they_are() {
    for (fault, call) in [
        (Fault::Recv(ErrorKind::OutOfMemory), "recv()"),
        (Fault::Shutdown(ErrorKind::InvalidInput), "shutdown()"),
        (
            Fault::SetTimeout(ErrorKind::OutOfMemory),
            "set_read_timeout()",
        ),
    ] {
        let (server, client) = connection();
        let (stop, holding) = silent(client);
        let limits = Linger {
            deadline: Duration::from_secs(1),
            max_discard: 1000,
        };
        let ending = yours(|| finish(Faulty::new(&server, fault), limits));
        let _ = stop.send(());
        holding.join().unwrap();
        let kind = match fault {
            Fault::Recv(kind) | Fault::Shutdown(kind) | Fault::SetTimeout(kind) => kind,
            _ => unreachable!(),
        };
        if !matches!(&ending, Err(e) if e.kind() == kind) {
            fail(
                &format!(
                    "{call} failed with {kind:?}, which is neither the client's end (end of \
                     stream, reset) nor the receive timeout: finish must return that error as \
                     it is, not an ending it did not see."
                ),
                &format!("Err (kind {kind:?})"),
                &shown(&ending),
            );
        }
    }
}

#[test]
fn finish_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your finish runs.
    testkit::prints_nothing(
        "finish",
        &[
            "the_whole_answer_arrives_though_the_client_sent_more",
            "a_client_that_resets_is_a_reset_not_an_error",
            "a_flooding_client_is_cut_off_after_max_discard",
        ],
    );
}
