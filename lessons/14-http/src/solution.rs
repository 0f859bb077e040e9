//! Reference solution for lesson 14's exercise. (Yours goes in exercise.rs.)

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

// ANCHOR: solution
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
// ANCHOR_END: solution
