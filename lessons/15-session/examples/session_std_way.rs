//! A tiny session with only the standard library:
//! `cargo run -p lesson-15-session --example session_std_way`.
//!
//! The server's thread keeps the session in a local variable: it lives exactly as long as
//! the loop over this connection's lines. `BufReader::read_line`, limited by `take`, does the
//! line splitting (`lines()` would read a line of any length).

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// One line without its CRLF, at most 512 bytes: `None` when the peer has closed.
fn next_line(reader: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut line = String::new();
    match reader.take(512).read_line(&mut line)? {
        0 => Ok(None),
        _ if !line.ends_with('\n') => Err(io::Error::new(
            ErrorKind::InvalidData,
            "a line over 512 bytes, or cut off by the peer's close",
        )),
        _ => Ok(Some(line.trim_end_matches(['\r', '\n']).to_string())),
    }
}

fn main() -> io::Result<()> {
    // ANCHOR: std
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = std::thread::Builder::new().spawn(move || -> io::Result<()> {
        let (conn, _peer) = listener.accept()?;
        // A silent client would hold this thread for ever without a limit.
        conn.set_read_timeout(Some(Duration::from_secs(30)))?;
        // The session: who asked to log in, and whether they did.
        let mut user: Option<String> = None;
        let mut logged_in = false;
        let mut reader = BufReader::new(&conn);
        while let Some(line) = next_line(&mut reader)? {
            let reply = match line.split_once(' ') {
                Some(("USER", name)) => {
                    user = Some(name.to_string());
                    "331 password required".to_string()
                }
                Some(("PASS", "secret")) if user.is_some() => {
                    logged_in = true;
                    "230 logged in".to_string()
                }
                Some(("GET", key)) if logged_in => format!("213 value of {key}"),
                Some(("GET", _)) => "530 not logged in".to_string(),
                _ if line == "QUIT" => "221 bye".to_string(),
                _ => "500 unknown command".to_string(),
            };
            (&conn).write_all(format!("{reply}\r\n").as_bytes())?;
            if reply.starts_with("221") {
                break;
            }
        }
        Ok(())
    })?; // an error, where thread::spawn would panic

    let conn = TcpStream::connect(addr)?;
    conn.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut replies = BufReader::new(&conn);
    let mut answers = Vec::new();
    for line in ["GET a", "USER alice", "PASS secret", "GET a", "QUIT"] {
        (&conn).write_all(format!("{line}\r\n").as_bytes())?;
        // A server that closes instead of answering is an error, not an empty reply.
        let reply = next_line(&mut replies)?;
        answers.push(reply.ok_or(io::Error::new(ErrorKind::UnexpectedEof, "no reply"))?);
    }
    server.join().expect("the server thread")?;
    // ANCHOR_END: std
    println!("std: {}", answers.join(" | "));
    Ok(())
}
