//! The same server with threads, as lesson 11 builds it: one thread per connection instead of
//! one task. `cargo run -p lesson-13-async --example async_std_way`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

fn main() -> std::io::Result<()> {
    // ANCHOR: std
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || loop {
        let stream = match listener.accept() {
            Ok((stream, _peer)) => stream,
            // accept(2) errors (EMFILE...) pass: say so, pause, go on.
            Err(e) => {
                eprintln!("accept: {e}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        // One thread per connection: its recv() blocks only this thread.
        thread::spawn(move || {
            // Per call, not per line (chapter 11 turns them into a deadline per line).
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
            let mut reader = BufReader::new(&stream).take(0);
            let mut writer = &stream;
            let mut line = Vec::new();
            for n in 1.. {
                line.clear();
                reader.set_limit(1024); // at most 1024 bytes per line
                match reader.read_until(b'\n', &mut line) {
                    Ok(_) if line.ends_with(b"\n") => {}
                    Ok(_) => break, // end of stream, or a line too long
                    Err(e) => return eprintln!("recv: {e}"),
                }
                let text = String::from_utf8_lossy(&line);
                let answer = format!("{n}: {}\n", text.trim_end().to_uppercase());
                if let Err(e) = writer.write_all(answer.as_bytes()) {
                    return eprintln!("send: {e}");
                }
            }
        });
    });

    let client = TcpStream::connect(addr)?;
    (&client).write_all(b"hello\nthreads\n")?;
    client.shutdown(Shutdown::Write)?;
    let answers: Vec<String> = BufReader::new(&client).lines().collect::<Result<_, _>>()?;
    // ANCHOR_END: std
    println!("std: {answers:?}");
    assert_eq!(answers, ["1: HELLO", "2: THREADS"]);
    Ok(())
}
