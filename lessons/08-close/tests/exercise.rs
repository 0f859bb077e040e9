//! The exercise's checks: your `send_request` and `read_answer` run here, in the test, on a
//! real connection to a server the test plays (in a thread). It checks what that server
//! receives (the request, then end of stream), what your functions return, and that a reset
//! is an error, never what anything prints.
//! (`cargo exercise lesson-08-close` runs them on src/exercise.rs.)

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;

use lesson_08_close::{read_answer, send_request};
use socket2::Socket;
use testkit::{fail, timeout, yours};

/// How the test's server ends the exchange after its answer.
#[derive(Clone, Copy, PartialEq)]
enum End {
    /// close(): FIN, end of stream.
    Close,
    /// close() with SO_LINGER 0: RST, the connection is reset.
    Reset,
}

/// What the test's server received: the request's bytes, and whether end of stream came.
struct Received {
    request: Vec<u8>,
    ended: bool,
}

/// How long the test's server waits between the parts of its answer.
const PAUSE: std::time::Duration = std::time::Duration::from_millis(300);

/// The test's server: it reads the request until end of stream (for at most the test's
/// timeout), then sends `answer` in `pieces` parts, `PAUSE` apart, and ends the connection
/// as `end` says.
/// Without an end of stream it does not answer: it closes.
fn server(answer: Vec<u8>, pieces: usize, end: End) -> (TcpStream, JoinHandle<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    client.set_read_timeout(Some(timeout())).unwrap();
    let serving = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(timeout())).unwrap();
        let mut request = Vec::new();
        let ended = conn.read_to_end(&mut request).is_ok();
        if ended {
            for (i, piece) in answer
                .chunks(answer.len().div_ceil(pieces).max(1))
                .enumerate()
            {
                // A server may pause between parts (it is computing the rest): a pause is
                // not the end of the answer.
                if i > 0 {
                    std::thread::sleep(PAUSE);
                }
                if conn.write_all(piece).is_err() {
                    break;
                }
            }
            if end == End::Reset {
                Socket::from(conn)
                    .set_linger(Some(std::time::Duration::ZERO))
                    .unwrap();
            }
        }
        Received { request, ended }
    });
    (client, serving)
}

/// The server got `request`, then end of stream.
#[track_caller]
fn server_got(received: &Received, request: &[u8]) {
    let got = format!("b\"{}\"", received.request.escape_ascii());
    if !received.ended {
        fail(
            "The server never saw the end of your request: its recv() never returned 0, so it \
             waited and never answered.",
            &format!("b\"{}\", then end of stream", request.escape_ascii()),
            &format!(
                "{got}, then nothing more for {} s (no end of stream)",
                timeout().as_secs()
            ),
        );
    }
    if received.request != request {
        fail(
            "The server received other bytes than your request.",
            &format!("b\"{}\"", request.escape_ascii()),
            &got,
        );
    }
}

fn payload(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

#[test]
fn the_server_gets_the_request_then_end_of_stream() {
    let request = b"one\ntwo\nthree\n";
    let (conn, serving) = server(b"three\ntwo\none\n".to_vec(), 1, End::Close);
    let sent = yours(|| send_request(&conn, request));
    let _ = yours(|| read_answer(&conn));
    server_got(&serving.join().unwrap(), request);
    if let Err(e) = sent {
        fail(
            "send_request returned an error.",
            "Ok(())",
            &format!("Err({e})"),
        );
    }
}

#[test]
fn an_empty_request_is_just_the_end_of_stream() {
    let (conn, serving) = server(b"nothing?\n".to_vec(), 1, End::Close);
    let _ = yours(|| send_request(&conn, b""));
    let _ = yours(|| read_answer(&conn));
    server_got(&serving.join().unwrap(), b"");
}

#[test]
fn the_whole_answer_arrives_after_the_half_close() {
    // A megabyte, sent in three parts: it comes in many pieces, after the request has ended.
    let answer = payload(1_000_000);
    let (conn, serving) = server(answer.clone(), 3, End::Close);
    let _ = yours(|| send_request(&conn, b"a request\n"));
    let result = yours(|| read_answer(&conn));
    let received = serving.join().unwrap();
    server_got(&received, b"a request\n");
    match result {
        Ok(got) if got == answer => {}
        Ok(got) => {
            let at = (0..).find(|&i| got.get(i) != answer.get(i)).unwrap_or(0);
            fail(
                "read_answer did not return the whole answer (1000000 bytes, sent in three \
                 parts 300 ms apart, then end of stream: only end of stream ends it).",
                "1000000 bytes: 0, 1, 2, ... 250, 0, 1, ...",
                &format!(
                    "{} bytes{}",
                    got.len(),
                    match got.len() {
                        0 => " (nothing: could your socket still receive?)".to_string(),
                        n if n < answer.len() && got == answer[..n] =>
                            ", the start of the answer: the rest is missing".into(),
                        _ => format!(", the first wrong byte at offset {at}"),
                    }
                ),
            );
        }
        Err(e) => fail(
            "read_answer returned an error.",
            "Ok(the 1000000 bytes of the answer)",
            &format!("Err({:?}: {e})", e.kind()),
        ),
    }
}

#[test]
fn when_the_server_resets_read_answer_fails() {
    let (conn, serving) = server(b"the start of an answer".to_vec(), 1, End::Reset);
    let _ = yours(|| send_request(&conn, b"a request\n"));
    let result = yours(|| read_answer(&conn));
    server_got(&serving.join().unwrap(), b"a request\n");
    match result {
        Err(e) if e.kind() != ErrorKind::WouldBlock && e.kind() != ErrorKind::TimedOut => {}
        other => fail(
            "The server reset the connection (RST) in the middle of its answer: read_answer \
             must return that error, not what it has so far as if it were the answer.",
            "Err(ConnectionReset: ...)",
            &match other {
                Ok(got) => format!("Ok(b\"{}\")", got.escape_ascii()),
                Err(e) => format!("Err({:?}: {e})", e.kind()),
            },
        ),
    }
}
