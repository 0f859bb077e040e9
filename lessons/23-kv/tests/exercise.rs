//! The challenge's battery: your `serve_client` runs behind a real listening socket in this
//! test, one client after another with one store, and each check talks to it over the wire as
//! a client would. Each check names the clause of the spec (book/23-kv.md) it tests, and
//! compares bytes, never anything printed. (`cargo exercise lesson-23-kv` runs them on
//! src/exercise.rs.)

use std::any::Any;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use lesson_23_kv::{serve_client, Limits, Store};
use testkit::{fail, yours, Conn};

/// Small limits, so that the checks can reach them.
const LIMITS: Limits = Limits {
    max_line: 32,
    max_key: 8,
    max_value: 16,
    max_keys: 3,
    deadline: Duration::from_secs(3),
};

type Panic = Arc<Mutex<Option<Box<dyn Any + Send>>>>;

/// What your `serve_client` returned, one entry for each client, in the order they came.
type Returned = Receiver<std::io::Result<()>>;

/// Start your server on a port of its own (accept, `serve_client`, close; one client after
/// another, one store), then run `body` against it. If your function panicked, that panic is
/// what the check reports, not what the client saw after it.
fn against_yours(limits: Limits, body: impl FnOnce(SocketAddr)) {
    against_yours_with(limits, |addr, _| body(addr));
}

/// The same, and `body` also sees what `serve_client` returned for each client (sent before
/// the connection is closed, so it is there once the client has seen the end of stream).
fn against_yours_with(limits: Limits, body: impl FnOnce(SocketAddr, &Returned)) {
    let (returned, results) = mpsc::channel();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind(127.0.0.1:0)");
    let addr = listener.local_addr().unwrap();
    let panicked = Panic::default();
    let record = panicked.clone();
    // The server's thread takes the check's name, so that a failure in it names the check.
    let name = thread::current().name().unwrap_or("server").to_string();
    let server = thread::Builder::new().name(name).spawn(move || {
        let mut store = Store::new();
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let served = panic::catch_unwind(AssertUnwindSafe(|| {
                yours(|| serve_client(&stream, &mut store, &limits))
            }));
            match served {
                Ok(result) => {
                    let _ = returned.send(result); // the check may be over already
                }
                Err(payload) => {
                    *record.lock().unwrap() = Some(payload);
                    return; // the listener closes: later clients are refused
                }
            }
            // Whatever it returned, the connection is closed and the next client served.
        }
    });
    server.expect("a thread for the server");
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| body(addr, &results))) {
        if let Some(server) = panicked.lock().unwrap().take() {
            panic::resume_unwind(server);
        }
        panic::resume_unwind(payload);
    }
}

/// What `serve_client` returned for the next client: `Ok(())` if `ok`, else any error.
#[track_caller]
fn expect_returned(returned: &Returned, client: &str, ok: bool, why: &str) {
    let got = returned.recv_timeout(testkit::timeout());
    let right = match &got {
        Ok(Ok(())) => ok,
        Ok(Err(_)) => !ok,
        Err(_) => false,
    };
    if !right {
        fail(
            &format!(
                "What serve_client returned for {client} is wrong: {why} (contract in \
                 src/exercise.rs, spec \"Closing\")."
            ),
            if ok { "Ok(())" } else { "Err(_), any error" },
            &match got {
                Ok(Ok(())) => "Ok(())".to_string(),
                Ok(Err(e)) => format!("Err({:?}: {e})", e.kind()),
                Err(_) => format!(
                    "serve_client had not returned after {:?}",
                    testkit::timeout()
                ),
            },
        );
    }
}

/// Send one request, expect exactly this reply.
#[track_caller]
fn ask(conn: &mut Conn, request: &[u8], reply: &[u8]) {
    conn.send(request).expect(reply);
}

#[test]
fn commands_set_get_del() {
    // Spec, "Commands": SET -> OK; GET -> VALUE or NOTFOUND; DEL -> DELETED or NOTFOUND.
    against_yours(LIMITS, |addr| {
        let mut c = Conn::open(addr);
        ask(&mut c, b"GET fruit\n", b"NOTFOUND\n");
        ask(&mut c, b"SET fruit apple\n", b"OK\n");
        ask(&mut c, b"GET fruit\n", b"VALUE apple\n");
        ask(&mut c, b"SET fruit pear\n", b"OK\n");
        ask(&mut c, b"GET fruit\n", b"VALUE pear\n");
        ask(&mut c, b"DEL fruit\n", b"DELETED\n");
        ask(&mut c, b"DEL fruit\n", b"NOTFOUND\n");
        ask(&mut c, b"GET fruit\n", b"NOTFOUND\n");
    });
}

#[test]
fn commands_a_value_is_the_rest_of_the_line_any_bytes() {
    // Spec, "Commands": the value is everything after the key's space, spaces and non-UTF-8
    // bytes included.
    against_yours(LIMITS, |addr| {
        let mut c = Conn::open(addr);
        ask(&mut c, b"SET k a b  c\n", b"OK\n");
        ask(&mut c, b"GET k\n", b"VALUE a b  c\n");
        ask(&mut c, b"SET k  v \n", b"OK\n"); // the value is " v ", both spaces kept
        ask(&mut c, b"GET k\n", b"VALUE  v \n");
        ask(&mut c, b"SET \xff\x01 \x00\xfe\n", b"OK\n");
        ask(&mut c, b"GET \xff\x01\n", b"VALUE \x00\xfe\n");
    });
}

#[test]
fn commands_a_carriage_return_is_part_of_the_request() {
    // Spec, "Lines": only `\n` ends a line; a `\r` before it is a byte of the request like any
    // other (`SET k v\r` stores `v\r`, `GET k\r` asks for the key `k\r`).
    against_yours(LIMITS, |addr| {
        let mut c = Conn::open(addr);
        ask(&mut c, b"SET k v\r\n", b"OK\n");
        ask(&mut c, b"GET k\n", b"VALUE v\r\n");
        ask(&mut c, b"GET k\r\n", b"NOTFOUND\n");
    });
}

#[test]
fn commands_quit_says_bye_and_ends_the_connection() {
    // Spec, "Commands" and "Closing": QUIT -> BYE, then the server closes at once (not when
    // the client closes, nor at the deadline) and serve_client returns Ok(()); a request after
    // QUIT, even in the same packet, is not answered.
    against_yours_with(LIMITS, |addr, returned| {
        let mut c = Conn::open(addr);
        let started = Instant::now();
        ask(&mut c, b"QUIT\nGET k\n", b"BYE\n");
        c.expect_eof();
        if started.elapsed() >= LIMITS.deadline / 2 {
            fail(
                "After QUIT and BYE, the server kept the connection open: QUIT ends it at once, \
                 whatever the client sends or does not send after it.",
                &format!(
                    "end of stream right after BYE, well within {:?}",
                    LIMITS.deadline / 2
                ),
                &format!("end of stream {:?} after QUIT", started.elapsed()),
            );
        }
        expect_returned(
            returned,
            "a client that sent QUIT",
            true,
            "QUIT is a clean end",
        );
    });
}

#[test]
fn bad_requests_get_an_error_and_the_connection_goes_on() {
    // Spec, "Bad requests": each one -> ERR bad request, and the next request is served.
    against_yours(LIMITS, |addr| {
        let mut c = Conn::open(addr);
        for bad in [
            &b"HELLO\n"[..],
            b"\n",
            b"GET\n",
            b"GET \n",
            b"GET a b\n",
            b"DEL\n",
            b"DEL \n",
            b"DEL a b\n",
            b"SET k\n",
            b"SET k \n",
            b"SET  v\n",
            b"get k\n",
            b"QUIT now\n",
        ] {
            ask(&mut c, bad, b"ERR bad request\n");
        }
        ask(&mut c, b"SET k v\n", b"OK\n");
        ask(&mut c, b"GET k\n", b"VALUE v\n");
    });
}

#[test]
fn framing_many_requests_in_one_packet_each_answered_in_order() {
    // Spec, "Lines": TCP is a stream; one recv() may hold several requests.
    against_yours(LIMITS, |addr| {
        let mut c = Conn::open(addr);
        c.send(b"SET a 1\nSET b 2\nGET a\nDEL b\nGET b\nGET a\n");
        c.expect(b"OK\nOK\nVALUE 1\nDELETED\nNOTFOUND\nVALUE 1\n");
    });
}

#[test]
fn framing_a_request_in_many_pieces_is_one_request() {
    // Spec, "Lines": one request may come in many recv()s. (The pauses only make the pieces
    // likely to arrive apart; a correct server passes however they arrive.)
    against_yours(LIMITS, |addr| {
        let mut c = Conn::open(addr);
        c.stream().set_nodelay(true).unwrap();
        for piece in [&b"SE"[..], b"T k", b"ey val", b"ue\nGE", b"T key\n"] {
            c.send(piece);
            thread::sleep(Duration::from_millis(60));
        }
        c.expect(b"OK\nVALUE value\n");
    });
}

#[test]
fn limits_key_and_value_sizes() {
    // Spec, "Limits": a key over max_key -> ERR key too long; a value over max_value ->
    // ERR value too long; at the limit, fine. Neither is stored, and a refused SET changes
    // nothing.
    against_yours(LIMITS, |addr| {
        let mut c = Conn::open(addr);
        ask(&mut c, b"SET 123456789 v\n", b"ERR key too long\n");
        ask(&mut c, b"GET 123456789\n", b"NOTFOUND\n");
        ask(&mut c, b"DEL 123456789\n", b"NOTFOUND\n"); // finds nothing: not an error
        ask(&mut c, b"SET 12345678 v\n", b"OK\n");
        ask(
            &mut c,
            b"SET k 0123456789abcdefX\n",
            b"ERR value too long\n",
        );
        ask(&mut c, b"GET k\n", b"NOTFOUND\n");
        ask(&mut c, b"SET k 0123456789abcdef\n", b"OK\n");
        ask(&mut c, b"GET k\n", b"VALUE 0123456789abcdef\n");
        // A refused SET changes nothing: the value k had stays.
        ask(
            &mut c,
            b"SET k 0123456789abcdefX\n",
            b"ERR value too long\n",
        );
        ask(&mut c, b"GET k\n", b"VALUE 0123456789abcdef\n");
    });
}

#[test]
fn limits_number_of_keys() {
    // Spec, "Limits": a NEW key when the store holds max_keys -> ERR store full; replacing a
    // key's value is still fine, and a DEL makes room.
    against_yours(LIMITS, |addr| {
        let mut c = Conn::open(addr);
        ask(&mut c, b"SET a 1\nSET b 2\nSET c 3\n", b"OK\nOK\nOK\n");
        ask(&mut c, b"SET d 4\n", b"ERR store full\n");
        ask(&mut c, b"GET d\n", b"NOTFOUND\n");
        ask(&mut c, b"SET a 9\n", b"OK\n");
        ask(&mut c, b"DEL b\n", b"DELETED\n");
        ask(&mut c, b"SET d 4\n", b"OK\n");
        ask(&mut c, b"GET a\nGET d\n", b"VALUE 9\nVALUE 4\n");
    });
}

#[test]
fn limits_a_line_of_max_line_bytes_is_fine() {
    // Spec, "Limits": max_line counts the \n; a line of exactly max_line bytes is a request.
    against_yours(LIMITS, |addr| {
        let mut c = Conn::open(addr);
        let get = b"GET 12345678                   \n"; // 32 bytes, a bad request (two words)
        assert_eq!(get.len(), LIMITS.max_line);
        ask(&mut c, get, b"ERR bad request\n");
        // The same length in two pieces: 31 bytes with no newline are not too long yet, the
        // newline still fits. (The pause only makes the pieces likely to arrive apart.)
        c.stream().set_nodelay(true).unwrap();
        let key = [b'k'; 27]; // over max_key: a GET simply finds nothing
        let start = [&b"GET "[..], &key].concat();
        assert_eq!(start.len() + 1, LIMITS.max_line);
        c.send(&start);
        thread::sleep(Duration::from_millis(100));
        ask(&mut c, b"\n", b"NOTFOUND\n");
    });
}

#[test]
fn limits_max_line_bytes_with_no_newline_are_too_long_already() {
    // Spec, "Limits": once max_line bytes have come with no newline among them, the line
    // cannot fit (max_line counts the newline): ERR line too long at once, not at the deadline.
    against_yours_with(LIMITS, |addr, returned| {
        let mut c = Conn::open(addr);
        let started = Instant::now();
        c.send(&[b'x'; LIMITS.max_line]); // exactly max_line bytes, then the client waits
        let got = c.read_to_end();
        let took = started.elapsed();
        if got != b"ERR line too long\n" || took >= LIMITS.deadline / 2 {
            fail(
                "A client sent exactly max_line bytes with no newline and waited: the line is \
                 too long already (the newline would be byte max_line + 1), so the server \
                 refuses it then, and closes.",
                &format!(
                    "b\"ERR line too long\\n\", then end of stream, well within {:?}",
                    LIMITS.deadline / 2
                ),
                &format!(
                    "b\"{}\", then end of stream after {took:?}",
                    got.escape_ascii()
                ),
            );
        }
        expect_returned(
            returned,
            "a line too long",
            false,
            "a line over max_line ends the connection with an error",
        );
    });
}

#[test]
fn limits_a_line_too_long_is_refused_and_the_connection_ends() {
    // Spec, "Limits": a line over max_line bytes -> ERR line too long, then the server closes
    // and serve_client returns an error.
    against_yours_with(LIMITS, |addr, returned| {
        let mut c = Conn::open(addr);
        let mut line = b"GET ".to_vec();
        line.resize(LIMITS.max_line, b'k'); // 33 bytes with its newline
        line.push(b'\n');
        ask(&mut c, &line, b"ERR line too long\n");
        c.expect_eof();
        expect_returned(
            returned,
            "a line too long",
            false,
            "a line over max_line ends the connection with an error",
        );
    });
}

#[test]
fn limits_bytes_without_a_newline_are_cut_off_at_max_line() {
    // Spec, "Limits": the server does not wait for the newline of a line that is too long
    // already, nor keep its bytes: 100 KB with no newline -> ERR line too long at once.
    against_yours(LIMITS, |addr| {
        let mut c = Conn::open(addr);
        let flood = vec![b'x'; 100_000];
        // The server may close before taking all of it: that is its right.
        let _ = c.try_send(&flood);
        let started = Instant::now();
        let got = c.read_to_end();
        if got != b"ERR line too long\n" {
            fail(
                "100000 bytes with no newline: the server should refuse the line as soon as \
                 it has max_line bytes and no newline, and close.",
                "b\"ERR line too long\\n\", then end of stream",
                &format!("b\"{}\"", got.escape_ascii()),
            );
        }
        if started.elapsed() >= LIMITS.deadline {
            fail(
                "The refusal came only after the deadline: the server waited for a newline.",
                &format!("the refusal well within {:?}", LIMITS.deadline),
                &format!("{:?}", started.elapsed()),
            );
        }
    });
}

#[test]
fn deadline_a_silent_client_is_dropped_and_the_next_is_served() {
    // Spec, "Deadline": no whole line within the deadline -> the server closes, with no
    // reply, and serve_client returns an error; then it serves the next client. The deadline
    // starts when the server is ready to read, not at the line's first byte: a client that
    // sends nothing at all is cut off too.
    let limits = Limits {
        deadline: Duration::from_millis(1000),
        ..LIMITS
    };
    against_yours_with(limits, |addr, returned| {
        for (sends, client) in [
            (
                &b"GET k"[..],
                "a client that sent half a line, then nothing",
            ),
            (b"", "a client that sent nothing at all"),
        ] {
            // Timed from before connect(): the server's deadline cannot start earlier.
            let started = Instant::now();
            let mut silent = Conn::open(addr);
            silent.send(sends);
            // Everything until the server closes, or 3 s.
            let mut stream = silent.stream();
            stream
                .set_read_timeout(Some(Duration::from_secs(3)))
                .unwrap();
            let (mut got, mut buf, mut closed) = (Vec::new(), [0u8; 64], false);
            while !closed && started.elapsed() < Duration::from_secs(3) {
                match stream.read(&mut buf) {
                    Ok(0) => closed = true,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                        break
                    }
                    Err(_) => closed = true, // a reset closes too
                }
            }
            let took = started.elapsed();
            if !got.is_empty() || !closed || took < Duration::from_millis(900) {
                fail(
                    &format!(
                        "{client}: the server must close it when the deadline (1 s) has passed, \
                         not before, not much later, and with no reply."
                    ),
                    "end of stream, no bytes, about 1 s after connect()",
                    &format!(
                        "b\"{}\", then {} after {took:?}",
                        got.escape_ascii(),
                        if closed {
                            "end of stream"
                        } else {
                            "still open"
                        }
                    ),
                );
            }
            expect_returned(returned, client, false, "a passed deadline is an error");
        }
        let mut next = Conn::open(addr);
        ask(&mut next, b"GET k\n", b"NOTFOUND\n");
    });
}

#[test]
fn deadline_is_for_the_whole_line_not_each_recv() {
    // Spec, "Deadline": a client that trickles a byte every 250 ms and never ends its line
    // has not sent a whole line within the deadline (1 s): the server closes it within ~1 s,
    // however often bytes come.
    let limits = Limits {
        deadline: Duration::from_millis(1000),
        max_line: 1000,
        ..LIMITS
    };
    against_yours(limits, |addr| {
        let c = Conn::open(addr);
        let mut sender = c.stream().try_clone().unwrap();
        let started = Instant::now();
        let trickler = thread::spawn(move || {
            // 32 bytes over 8 s, or until the server has closed.
            for _ in 0..32 {
                if sender.write_all(b"x").is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(250));
            }
        });
        let mut byte = [0u8; 1];
        let got = (|| loop {
            match c.stream().read(&mut byte) {
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                other => return other,
            }
        })();
        let took = started.elapsed();
        if !matches!(got, Ok(0) | Err(_)) || took > Duration::from_millis(4000) {
            fail(
                "A client trickling a byte every 250 ms, never a newline, held the server: \
                 the deadline must cover the whole line (each recv() gets only what is left \
                 of it), not start again with each recv().",
                "the connection closed about 1 s after it opened, with no reply",
                &format!("{got:?} after {took:?}"),
            );
        }
        let _ = c.stream().shutdown(std::net::Shutdown::Both);
        trickler.join().unwrap();
        let mut next = Conn::open(addr);
        ask(&mut next, b"GET k\n", b"NOTFOUND\n");
    });
}

#[test]
fn deadline_is_for_each_line_not_the_whole_connection() {
    // Spec, "Deadline": the client has the deadline (1 s) for each line, counted from when
    // the server is ready to read it: four requests 0.4 s apart, 1.6 s in all, are all served.
    let limits = Limits {
        deadline: Duration::from_millis(1000),
        ..LIMITS
    };
    against_yours(limits, |addr| {
        let mut c = Conn::open(addr);
        let started = Instant::now();
        for i in 0..4 {
            thread::sleep(Duration::from_millis(400));
            let request = format!("GET k{i}\n");
            // An error here shows as the read's below.
            let _ = c.try_send(request.as_bytes());
            let mut got = [0u8; 9];
            let read = c.stream().read(&mut got);
            if !matches!(read, Ok(n) if got[..n] == *b"NOTFOUND\n") {
                fail(
                    "A client that sends each request within the deadline (1 s) of the last \
                     reply was cut off: the deadline is for each line, counted from when the \
                     server is ready to read it, not for the whole connection.",
                    "four requests, 0.4 s apart, each answered b\"NOTFOUND\\n\"",
                    &format!(
                        "request {} at {:.1} s: {}",
                        i + 1,
                        started.elapsed().as_secs_f64(),
                        match read {
                            Ok(0) => "end of stream".to_string(),
                            Ok(n) => format!("b\"{}\"", got[..n].escape_ascii()),
                            Err(e) => format!("error: {e}"),
                        }
                    ),
                );
            }
        }
    });
}

#[test]
fn deadline_a_client_that_never_reads_its_replies_is_dropped() {
    // Spec, "Deadline": a client that sends requests and never reads the replies fills the
    // buffers between them, and the server's send() blocks; each reply must be taken within
    // the deadline (1 s), or the connection ends with an error and the next client is served.
    let limits = Limits {
        deadline: Duration::from_millis(1000),
        ..LIMITS
    };
    against_yours_with(limits, |addr, returned| {
        // Small buffers on the client's side, so that they fill after a few kilobytes.
        let mut hostile = testkit::Conn::open_small(addr, 4096);
        ask(&mut hostile, b"SET k 0123456789abcdef\n", b"OK\n");
        let mut sender = hostile.stream().try_clone().unwrap();
        sender
            .set_write_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        // GET k, again and again: 6 bytes in, 23 bytes of reply out, never read.
        let requests = b"GET k\n".repeat(1000);
        let flooder = thread::spawn(move || {
            while !stopped.load(std::sync::atomic::Ordering::SeqCst) {
                match sender.write(&requests) {
                    Ok(_) => {}
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(_) => return, // the server closed on us
                }
            }
        });
        // The next client waits in the listen queue until the server is done with this one.
        let started = Instant::now();
        let next = Conn::open(addr);
        let mut next_stream = next.stream().try_clone().unwrap();
        next_stream.write_all(b"GET k\n").unwrap();
        next_stream
            .set_read_timeout(Some(Duration::from_secs(8)))
            .unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 64];
        while !got.ends_with(b"\n") {
            match next_stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = hostile.stream().shutdown(std::net::Shutdown::Both);
        flooder.join().unwrap();
        if got != b"VALUE 0123456789abcdef\n" {
            fail(
                "A client that sends requests and never reads its replies held the server: \
                 once the buffers between them are full, send() blocks, and each reply must \
                 be taken within the deadline (1 s here), or the connection ends.",
                "the next client served within a few seconds: b\"VALUE 0123456789abcdef\\n\"",
                &format!(
                    "b\"{}\" after {:.1} s",
                    got.escape_ascii(),
                    started.elapsed().as_secs_f64()
                ),
            );
        }
        expect_returned(
            returned,
            "a client that did not take its replies",
            false,
            "a reply not taken within the deadline ends the connection with an error",
        );
    });
}

#[test]
fn closing_end_of_stream_between_requests() {
    // Spec, "Closing": the client shuts down its side after whole requests -> each is
    // answered, then the server closes.
    against_yours_with(LIMITS, |addr, returned| {
        let mut c = Conn::open(addr);
        c.send(b"SET k v\nGET k\n").shutdown_write();
        c.expect(b"OK\nVALUE v\n").expect_eof();
        expect_returned(
            returned,
            "a client that ended between requests",
            true,
            "end of stream after whole lines is a clean end",
        );
    });
}

#[test]
fn closing_mid_line_the_half_line_is_not_a_request() {
    // Spec, "Closing": a client that leaves in the middle of a line: no reply, nothing stored,
    // serve_client returns an error, and the next client is served.
    against_yours_with(LIMITS, |addr, returned| {
        let mut c = Conn::open(addr);
        c.send(b"SET k half").shutdown_write();
        c.expect_eof();
        expect_returned(
            returned,
            "a client that left in the middle of a line",
            false,
            "the half line is not a request, and the client was cut off",
        );
        let mut next = Conn::open(addr);
        ask(&mut next, b"GET k\n", b"NOTFOUND\n");
    });
}

#[test]
fn clients_one_store_for_all_and_bad_clients_do_not_stop_the_server() {
    // Spec, "Clients": one after another, one store; whatever one client did, the next is
    // served.
    against_yours(LIMITS, |addr| {
        let mut first = Conn::open(addr);
        ask(&mut first, b"SET shared yes\nQUIT\n", b"OK\nBYE\n");
        first.expect_eof();
        let mut rude = Conn::open(addr);
        ask(&mut rude, &[b'x'; 40], b"ERR line too long\n");
        drop(rude);
        let gone = Conn::open(addr);
        drop(gone); // connects and closes at once
        let mut last = Conn::open(addr);
        ask(&mut last, b"GET shared\n", b"VALUE yes\n");
    });
}

#[test]
fn serve_client_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your serve_client runs.
    testkit::prints_nothing(
        "serve_client",
        &[
            "commands_set_get_del",
            "bad_requests_get_an_error_and_the_connection_goes_on",
            "limits_a_line_too_long_is_refused_and_the_connection_ends",
        ],
    );
}
