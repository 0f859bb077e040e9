//! A plausible wrong answer to lesson 14's exercise, kept to prove the tests catch it:
//! Content-Length counts characters, not bytes. For plain ASCII the two agree, so it looks
//! right, until a body has a character like `é` (two bytes in UTF-8): then the client reads
//! one byte too few and the end of the body is lost (or, with keep-alive, read as the start
//! of the next response).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLine<'a> {
    pub method: &'a str,
    pub target: &'a str,
    pub version: &'a str,
}

pub fn parse_request_line(line: &str) -> Option<RequestLine<'_>> {
    let parts: Vec<&str> = line.split(' ').collect();
    match parts[..] {
        [method, target, version] if !method.is_empty() && !target.is_empty() => {
            if version == "HTTP/1.1" || version == "HTTP/1.0" {
                Some(RequestLine {
                    method,
                    target,
                    version,
                })
            } else {
                None
            }
        }
        _ => None,
    }
}

pub fn response(status: u16, reason: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut text = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str(&format!("Content-Length: {}\r\n", body.chars().count()));
    text.push_str("Connection: close\r\n\r\n");
    text.push_str(body);
    text.into_bytes()
}
