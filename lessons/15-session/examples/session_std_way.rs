//! A tiny session with only the standard library:
//! `cargo run -p lesson-15-session --example session_std_way`.
//!
//! The server's thread keeps the session in a local variable: it lives exactly as long as
//! the loop over this connection's lines. `BufReader::lines` does the line splitting.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    // ANCHOR: std
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = std::thread::spawn(move || -> std::io::Result<()> {
        let (conn, _peer) = listener.accept()?;
        // The session: who asked to log in, and whether they did.
        let mut user: Option<String> = None;
        let mut logged_in = false;
        for line in BufReader::new(&conn).lines() {
            let line = line?;
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
    });

    let conn = TcpStream::connect(addr)?;
    let mut replies = BufReader::new(&conn).lines();
    let mut answers = Vec::new();
    for line in ["GET a", "USER alice", "PASS secret", "GET a", "QUIT"] {
        (&conn).write_all(format!("{line}\r\n").as_bytes())?;
        answers.push(replies.next().transpose()?.unwrap_or_default());
    }
    server.join().expect("the server thread")?;
    // ANCHOR_END: std
    println!("std: {}", answers.join(" | "));
    Ok(())
}
