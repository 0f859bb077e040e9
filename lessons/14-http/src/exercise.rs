//! Lesson 14 exercise: read a request line, write a response.
//!
//! Check your work with:   cargo exercise lesson-14-http
//! Run your version with:  cargo run -p lesson-14-http --features exercise

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

// ANCHOR: exercise
/// Cut a request line (without its CRLF) into method, target and version.
///
/// TODO: split `line` on single spaces. Return `None` unless there are exactly three
/// non-empty parts and the third is `HTTP/1.1` or `HTTP/1.0`.
pub fn parse_request_line(line: &str) -> Option<RequestLine<'_>> {
    let _ = line;
    todo!("parse the request line")
}

/// The bytes of a whole response: status line, headers, blank line, body.
///
/// TODO: build, with every line ending in "\r\n":
///   HTTP/1.1 <status> <reason>
///   <name>: <value>            (one line for each of `headers`)
///   Content-Length: <the body's length>
///   Connection: close
///   (an empty line)
/// followed by the body's bytes.
pub fn response(status: u16, reason: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let _ = (status, reason, headers, body);
    todo!("build the response")
}
// ANCHOR_END: exercise
