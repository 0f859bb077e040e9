//! The exercise's checks: your `read_request` runs here on a test connection that hands over
//! scripted bytes, one recv at a time, then times out or closes. They check what it returns
//! and how many recvs it made, never what anything prints.
//! (`cargo exercise lesson-14-http` runs them on src/exercise.rs.)

use std::collections::VecDeque;

use common::{LessonError, Result};
use lesson_14_http::{read_request, Connection, Recv, Request, MAX_HEAD};
use testkit::{fail, yours};

/// What a recv does after the script: the deadline has passed, the client closed, or (for a
/// flood) more of the same bytes.
#[derive(Clone, Copy)]
enum Then {
    TimesOut,
    Closes,
    Fails,
    Floods(u8),
}

struct Client {
    chunks: VecDeque<Vec<u8>>,
    then: Then,
    recvs: usize,
    /// Fail the check at once past this many recvs (a recv that should not happen).
    most: usize,
    why_most: &'static str,
}

fn client(chunks: &[&[u8]], then: Then) -> Client {
    Client {
        chunks: chunks.iter().map(|c| c.to_vec()).collect(),
        then,
        recvs: 0,
        most: 1000,
        why_most: "a thousand recvs for one short scripted request: a loop that never ends \
                   (after Recv::TimedOut or Recv::Closed, return)?",
    }
}

impl Connection for Client {
    fn recv(&mut self, into: &mut Vec<u8>) -> Result<Recv> {
        self.recvs += 1;
        if self.recvs > self.most {
            fail(
                &format!(
                    "read_request made a recv it should not have: {}",
                    self.why_most
                ),
                &format!("at most {} recvs", self.most),
                &format!("recv number {}, with {} bytes read", self.recvs, into.len()),
            );
        }
        if let Some(chunk) = self.chunks.pop_front() {
            // One recv takes at most 1024 bytes, as the lesson's does.
            let n = chunk.len().min(1024);
            into.extend_from_slice(&chunk[..n]);
            if n < chunk.len() {
                self.chunks.push_front(chunk[n..].to_vec());
            }
            return Ok(Recv::Some);
        }
        match self.then {
            Then::TimesOut => Ok(Recv::TimedOut),
            Then::Closes => Ok(Recv::Closed),
            Then::Fails => Err(LessonError::protocol("recv(1024)", "connection reset")),
            Then::Floods(byte) => {
                into.extend_from_slice(&[byte; 1024]);
                Ok(Recv::Some)
            }
        }
    }
}

/// `Complete(b"…")`, cut after 60 bytes for a long head.
fn show_complete(head: &[u8]) -> String {
    match head.len() {
        n if n > 120 => format!("Complete(b\"{}...\"), {n} bytes", head[..60].escape_ascii()),
        _ => format!("Complete(b\"{}\")", head.escape_ascii()),
    }
}

fn show(request: &Result<Request>) -> String {
    match request {
        Ok(Request::Complete(head)) => show_complete(head),
        Ok(Request::Refused(response)) => {
            let first = response.split(|&b| b == b'\r').next().unwrap_or_default();
            format!("Refused({} ...)", String::from_utf8_lossy(first))
        }
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("Err({e})"),
    }
}

fn run(mut conn: Client) -> (Result<Request>, usize) {
    let request = yours(|| read_request(&mut conn));
    (request, conn.recvs)
}

#[track_caller]
fn complete(got: &Result<Request>, head: &[u8], why: &str) {
    if !matches!(got, Ok(Request::Complete(h)) if h == head) {
        fail(why, &show_complete(head), &show(got));
    }
}

const GET: &[u8] = b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";

#[test]
fn a_head_in_pieces_is_reassembled() {
    let (got, _) = run(client(
        &[b"GET /hel", b"lo HTTP/1.1\r\nHo", b"st: x\r\n", b"\r\n"],
        Then::TimesOut,
    ));
    complete(
        &got,
        GET,
        "The head came in four recvs: b\"GET /hel\", b\"lo HTTP/1.1\\r\\nHo\", b\"st: x\\r\\n\", \
         b\"\\r\\n\". One recv is not one request: read until the empty line.",
    );
}

#[test]
fn a_head_a_byte_at_a_time_ends_at_its_empty_line() {
    let pieces: Vec<&[u8]> = GET.chunks(1).collect();
    let mut conn = client(&pieces, Then::TimesOut);
    conn.most = GET.len();
    conn.why_most = "the head had ended with the last of its one-byte recvs (its empty line \
                     split across recvs: look for it in all the bytes so far).";
    let (got, _) = run(conn);
    complete(
        &got,
        GET,
        "The head came one byte per recv, so its empty line b\"\\r\\n\\r\\n\" was split across \
         recvs (b\"\\n\\r\" then b\"\\n\"): look for the end of the head in all the bytes so far, \
         not only in the newest recv's.",
    );
}

#[test]
fn a_sloppy_head_ends_at_a_bare_empty_line() {
    let sloppy = b"GET /hello HTTP/1.1\nHost: x\n\n";
    let mut conn = client(&[sloppy], Then::TimesOut);
    conn.most = 1;
    conn.why_most =
        "head_end finds a bare b\"\\n\\n\" too: the head had ended (answer() gives 400).";
    let (got, _) = run(conn);
    complete(
        &got,
        sloppy,
        "A head ending with a bare b\"\\n\\n\" has ended (head_end says so), so that a sloppy \
         client gets its 400 at once instead of waiting for the deadline.",
    );
}

#[test]
fn a_head_that_is_not_utf8_is_cut_at_its_bytes() {
    let head = b"POST /h\xe9ll\xf6 HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n";
    let mut conn = client(&[&[&head[..], b"body"].concat()], Then::TimesOut);
    conn.most = 1;
    conn.why_most = "the head (two of its bytes not UTF-8: its end is a byte offset, not an \
                     offset in text made from it) and its 4-byte body came in the first recv.";
    let (got, _) = run(conn);
    complete(
        &got,
        head,
        "A head with two bytes that are not UTF-8 (b\"\\xe9\", b\"\\xf6\"), and its body, in one \
         recv: a head is bytes, and where it ends is a byte offset (answer() gives the 400). \
         Text made from it (from_utf8_lossy) has other offsets.",
    );
}

#[test]
fn a_head_without_body_ends_at_the_empty_line() {
    let mut conn = client(&[GET], Then::TimesOut);
    conn.most = 1;
    conn.why_most = "a request without Content-Length ends at its empty line (RFC 9112 6.3).";
    let (got, _) = run(conn);
    complete(&got, GET, "A whole head in one recv, and no body.");
}

#[test]
fn the_body_content_length_announces_is_read_to_its_end() {
    let head = b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n";
    let mut conn = client(&[head, b"hello", b" world\n"], Then::TimesOut);
    conn.most = 3;
    conn.why_most = "the body is whole after the third recv.";
    let (got, recvs) = run(conn);
    complete(
        &got,
        head,
        "A request announcing Content-Length: 12, its body in two recvs after the head: the \
         result is the head alone.",
    );
    if recvs != 3 {
        fail(
            "The body must be read to its end (Content-Length: 12), or its bytes would be \
             taken for the next request.",
            "3 recvs: the head, b\"hello\", b\" world\\n\"",
            &format!("{recvs} recv(s)"),
        );
    }
}

#[test]
fn head_and_body_in_one_recv_leave_the_head_alone() {
    let head = b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n";
    let mut conn = client(&[&[&head[..], b"hello"].concat()], Then::TimesOut);
    conn.most = 1;
    conn.why_most = "the head and the whole body came in the first recv.";
    let (got, _) = run(conn);
    complete(
        &got,
        head,
        "Head and body came in one recv: the result is the head alone, the body set aside.",
    );
}

#[test]
fn a_body_that_looks_like_a_header_is_only_body() {
    let head = b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 28\r\n\r\n";
    let body = b"Transfer-Encoding: chunked\r\n";
    let mut conn = client(&[&[&head[..], body].concat()], Then::TimesOut);
    conn.most = 1;
    conn.why_most = "the head and its whole body (28 bytes) came in the first recv.";
    let (got, _) = run(conn);
    complete(
        &got,
        head,
        "The body's 28 bytes read b\"Transfer-Encoding: chunked\\r\\n\", but they are body: \
         only the head, up to its empty line, says how the request is framed.",
    );
}

#[test]
fn the_head_limit_holds_against_a_flood_with_no_end_of_head() {
    let mut conn = client(&[], Then::Floods(b'a'));
    conn.most = MAX_HEAD / 1024 + 1;
    conn.why_most = "more than MAX_HEAD bytes had come with no end of head: TooLarge at once.";
    let (got, _) = run(conn);
    if !matches!(got, Ok(Request::TooLarge)) {
        fail(
            "A head that never ends must be refused once it is over MAX_HEAD bytes.",
            "TooLarge",
            &show(&got),
        );
    }
}

#[test]
fn the_head_limit_counts_a_head_that_ends_past_it() {
    let long = [
        &b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\nX-Big: "[..],
        &vec![b'b'; MAX_HEAD][..],
        b"\r\n\r\n",
    ]
    .concat();
    let mut conn = client(&[&long, &[b'y'; 2000]], Then::TimesOut);
    conn.most = long.len().div_ceil(1024);
    conn.why_most = "the head had ended past MAX_HEAD: TooLarge at once, its body unread.";
    let (got, _) = run(conn);
    if !matches!(got, Ok(Request::TooLarge)) {
        fail(
            &format!(
                "A head of {} bytes, more than MAX_HEAD ({MAX_HEAD}), announcing a body.",
                long.len()
            ),
            "TooLarge",
            &show(&got),
        );
    }
    // One byte over: the limit counts every byte of the head, its empty line included.
    let head = head_of(MAX_HEAD + 1, 0);
    let (mut conn, _) = head_and_body(&head, 0);
    conn.why_most = "the head had ended one byte past MAX_HEAD: TooLarge at once.";
    let (got, _) = run(conn);
    if !matches!(got, Ok(Request::TooLarge)) {
        fail(
            &format!(
                "A head of MAX_HEAD + 1 ({}) bytes, its empty line b\"\\r\\n\\r\\n\" included: \
                 the limit counts every byte of the head.",
                MAX_HEAD + 1
            ),
            "TooLarge",
            &show(&got),
        );
    }
}

/// A POST head of exactly `size` bytes announcing `body` bytes of body.
fn head_of(size: usize, body: usize) -> Vec<u8> {
    let start = format!("POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: {body}\r\nX-Pad: ");
    let pad = size - start.len() - 4;
    [start.as_bytes(), &vec![b'p'; pad], b"\r\n\r\n"].concat()
}

/// Head and body as the test client hands them over: a first recv of 1000 bytes, then 1024
/// at a time (so the end of the head does not fall on a 1024-byte boundary).
fn head_and_body(head: &[u8], body: usize) -> (Client, usize) {
    let all = [head, &vec![b'y'; body]].concat();
    let recvs = 1 + (all.len() - 1000).div_ceil(1024);
    let mut conn = client(&[&all[..1000], &all[1000..]], Then::TimesOut);
    conn.most = recvs;
    conn.why_most = "the head and its whole body had come.";
    (conn, recvs)
}

#[test]
fn a_head_of_exactly_max_head_bytes_is_not_too_large() {
    let head = head_of(MAX_HEAD, 100);
    let (conn, recvs) = head_and_body(&head, 100);
    let (got, made) = run(conn);
    complete(
        &got,
        &head,
        &format!(
            "A head of exactly MAX_HEAD ({MAX_HEAD}) bytes, empty line included, and 100 bytes \
             of body in the same recvs: only a head LONGER than MAX_HEAD is too large, and the \
             body's bytes are not head."
        ),
    );
    if made != recvs {
        fail(
            "The head and its 100 bytes of body, all read.",
            &format!("{recvs} recvs"),
            &format!("{made} recv(s)"),
        );
    }
}

#[test]
fn a_body_over_max_head_bytes_is_read_to_its_end() {
    let head = head_of(200, 20_000);
    let (conn, recvs) = head_and_body(&head, 20_000);
    let (got, made) = run(conn);
    complete(
        &got,
        &head,
        &format!(
            "A head of 200 bytes announcing 20000 bytes of body (under MAX_BODY): MAX_HEAD \
             ({MAX_HEAD}) limits the head alone; body_length has already judged the body."
        ),
    );
    if made != recvs {
        fail(
            "The body must be read to its end (Content-Length: 20000).",
            &format!("{recvs} recvs"),
            &format!("{made} recv(s)"),
        );
    }
}

#[test]
fn a_body_too_large_is_refused_before_reading_it() {
    let head = b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n";
    let mut conn = client(&[head], Then::Floods(b'z'));
    conn.most = 1;
    conn.why_most = "the head announced 100 MB of body: refuse it before reading any.";
    let (got, _) = run(conn);
    if !matches!(&got, Ok(Request::Refused(r)) if r.starts_with(b"HTTP/1.1 413")) {
        fail(
            "A body over the limit is refused with the response body_length gives (413).",
            "Refused(HTTP/1.1 413 Content Too Large ...)",
            &show(&got),
        );
    }
}

#[test]
fn a_chunked_body_is_refused_with_501() {
    let head = b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    let mut conn = client(&[head], Then::Floods(b'z'));
    conn.most = 1;
    conn.why_most = "Transfer-Encoding is refused (body_length says so) before any body.";
    let (got, _) = run(conn);
    if !matches!(&got, Ok(Request::Refused(r)) if r.starts_with(b"HTTP/1.1 501")) {
        fail(
            "body_length refuses a chunked body: return its response.",
            "Refused(HTTP/1.1 501 Not Implemented ...)",
            &show(&got),
        );
    }
}

#[test]
fn deadlines_in_the_head_or_body_are_timed_out() {
    let mut conn = client(&[b"GET / HTTP/1.1\r\n"], Then::TimesOut);
    conn.most = 2;
    conn.why_most = "after Recv::TimedOut the request's deadline has passed: no recv may wait \
                     any longer (return TimedOut).";
    let (got, _) = run(conn);
    if !matches!(got, Ok(Request::TimedOut)) {
        fail(
            "The deadline passed in the middle of the head.",
            "TimedOut",
            &show(&got),
        );
    }
    let head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n";
    let mut conn = client(&[head, b"12345"], Then::TimesOut);
    conn.most = 3;
    conn.why_most = "after Recv::TimedOut the request's deadline has passed: return TimedOut.";
    let (got, _) = run(conn);
    if !matches!(got, Ok(Request::TimedOut)) {
        fail(
            "The deadline passed with 5 of the 10 body bytes read.",
            "TimedOut",
            &show(&got),
        );
    }
}

#[test]
fn early_closes_are_closed() {
    let (got, _) = run(client(&[], Then::Closes));
    if !matches!(got, Ok(Request::Closed)) {
        fail(
            "The client closed before sending anything.",
            "Closed",
            &show(&got),
        );
    }
    let mut conn = client(&[b"GET /hello HTTP/1.1\r\nHost: x\r\n"], Then::Closes);
    conn.most = 2;
    conn.why_most = "after Recv::Closed nothing more will come: return Closed.";
    let (got, _) = run(conn);
    if !matches!(got, Ok(Request::Closed)) {
        fail(
            "The client closed after b\"GET /hello HTTP/1.1\\r\\nHost: x\\r\\n\", before the empty \
             line: in HTTP/1.1 a close does not end a request head, the empty line does.",
            "Closed",
            &show(&got),
        );
    }
    let head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n";
    let (got, _) = run(client(&[head, b"123"], Then::Closes));
    if !matches!(got, Ok(Request::Closed)) {
        fail(
            "The client closed with 3 of the 10 body bytes sent: the request is not whole.",
            "Closed",
            &show(&got),
        );
    }
}

#[test]
fn a_recv_error_is_returned() {
    let (got, _) = run(client(&[b"GET / HT"], Then::Fails));
    if got.is_ok() {
        fail(
            "recv failed: read_request returns that error.",
            "Err(…)",
            &show(&got),
        );
    }
}

#[test]
fn read_request_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your read_request runs.
    testkit::prints_nothing(
        "read_request",
        &[
            "a_head_in_pieces_is_reassembled",
            "the_head_limit_holds_against_a_flood_with_no_end_of_head",
            "early_closes_are_closed",
        ],
    );
}
