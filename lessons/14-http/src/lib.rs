//! Lesson 14's exercise, and what it is given: `read_request` reads one whole request through
//! a [`Connection`] (the lesson's narrates each recv and keeps the deadline; the tests' one
//! hands over scripted bytes and counts the recvs), with the helpers that find the end of a
//! head and the length of a body. It prints nothing: the lesson narrates around it, and the
//! tests check what it returns and how much it reads.

use common::Result;

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-14-http` checks
// it), src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
#[cfg(not(feature = "variant"))]
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(not(feature = "exercise"), path = "solution.rs")]
mod exercise;
#[cfg(feature = "variant")]
mod exercise {
    include!(env!(
        "LESSON_VARIANT",
        "set LESSON_VARIANT to the variant's path (cargo xtask verify-exercises does)"
    ));
}
pub use exercise::read_request;

// ANCHOR: request
/// The most bytes a request head may have. A client that sends more without the empty line
/// that ends a head is either broken or hostile; either way it gets 400 and we close.
pub const MAX_HEAD: usize = 8 * 1024;

/// The most bytes of body a request may announce. This server reads a body only to find where
/// the request ends (it answers GET alone), and will not read more than this to do it.
pub const MAX_BODY: usize = 64 * 1024;

/// What reading a request came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// A whole request: its head, up to and including the empty line that ends it. (Its
    /// body, if it had one, was read too and set aside: this server answers only GET.)
    Complete(Vec<u8>),
    /// More than MAX_HEAD bytes came without an empty line.
    TooLarge,
    /// The head announced a body this server will not read: the response that says why.
    Refused(Vec<u8>),
    /// The whole request did not arrive before the deadline.
    TimedOut,
    /// The client closed its side before the request was complete.
    Closed,
}

/// What one recv came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Recv {
    Some,
    TimedOut,
    Closed,
}

/// A client's connection, as `read_request` reads it.
pub trait Connection {
    /// One recv() of at most 1024 bytes, appended to `into`. It waits only until the request's
    /// deadline: `Recv::TimedOut` once that has passed, `Recv::Closed` at the end of stream.
    fn recv(&mut self, into: &mut Vec<u8>) -> Result<Recv>;
}
// ANCHOR_END: request

// ANCHOR: body_length
/// How many body bytes follow this head: its Content-Length, or 0 without one. A body this
/// server will not read gets its response instead (RFC 9112 sections 6.1 and 6.3):
/// Transfer-Encoding (chunked) → 501; a Content-Length that is not a number, or two that
/// differ → 400; more than MAX_BODY → 413.
pub fn body_length(head: &[u8]) -> std::result::Result<usize, Vec<u8>> {
    let text = String::from_utf8_lossy(head);
    let mut length: Option<usize> = None;
    // Header lines only (the request line has no ':' before its first space, mostly); their
    // syntax is answer()'s business: here we look only for the two that frame a body.
    for line in text.lines().skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(response(
                501,
                "Not Implemented",
                &[("Content-Type", TEXT)],
                "501 Not Implemented: this server reads no Transfer-Encoding (chunked) body\n",
            ));
        }
        if !name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        let number = match value.bytes().all(|b| b.is_ascii_digit()) {
            true => value.parse::<usize>().ok(),
            false => None,
        };
        match (number, length) {
            (None, _) => return Err(bad_request("Content-Length must be a number of bytes")),
            (Some(n), Some(before)) if n != before => {
                return Err(bad_request("two different Content-Length values"))
            }
            (Some(n), _) => length = Some(n),
        }
    }
    match length.unwrap_or(0) {
        n if n > MAX_BODY => Err(response(
            413,
            "Content Too Large",
            &[("Content-Type", TEXT)],
            &format!("413 Content Too Large: at most {MAX_BODY} bytes of body\n"),
        )),
        n => Ok(n),
    }
}

/// Where the head ends: just after the first empty line (`\n\r\n`, or a sloppy `\n\n`).
/// A proper head ends `\r\n\r\n`, which contains `\n\r\n`.
pub fn head_end(bytes: &[u8]) -> Option<usize> {
    let crlf = find(bytes, b"\n\r\n").map(|at| at + 3);
    let lf = find(bytes, b"\n\n").map(|at| at + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Where `needle` first occurs in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
// ANCHOR_END: body_length

// ANCHOR: response
/// The first line of a request, cut into its three parts: `GET /hello HTTP/1.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLine<'a> {
    /// What the client wants done: `GET`, `POST`, … (case matters: `get` is another method).
    pub method: &'a str,
    /// Which resource: `/hello`, maybe with a query, `/hello?lang=fr`.
    pub target: &'a str,
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub version: &'a str,
}

/// Cut a request line (without its CRLF) into method, target and version.
/// `None` when it is not exactly three parts separated by single spaces, or not HTTP/1.x.
pub fn parse_request_line(line: &str) -> Option<RequestLine<'_>> {
    let mut parts = line.split(' ');
    let method = parts.next()?;
    let target = parts.next()?;
    let version = parts.next()?;
    // A fourth part, or an empty one (two spaces in a row), is a malformed line.
    if parts.next().is_some() || method.is_empty() || target.is_empty() {
        return None;
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return None;
    }
    Some(RequestLine {
        method,
        target,
        version,
    })
}

/// The bytes of a whole response: status line, headers, blank line, body.
/// Every line ends with CRLF, and Content-Length counts the body's BYTES.
pub fn response(status: u16, reason: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    // `str::len` is the length in bytes (UTF-8), which is what the client will read.
    head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    // We close after each response, and say so.
    head.push_str("Connection: close\r\n");
    // The empty line ends the head; the body follows.
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

/// 400 Bad Request, with the reason in the body for the human at the other end.
pub fn bad_request(why: &str) -> Vec<u8> {
    let body = format!("400 Bad Request: {why}\n");
    response(400, "Bad Request", &[("Content-Type", TEXT)], &body)
}

pub const TEXT: &str = "text/plain; charset=utf-8";
// ANCHOR_END: response
