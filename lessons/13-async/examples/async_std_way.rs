//! The same server with threads, as lesson 11 builds it: one thread per connection instead of
//! one task. `cargo run -p lesson-13-async --example async_std_way`.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;

fn main() -> std::io::Result<()> {
    // ANCHOR: std
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // One thread per connection: its recv() blocks only this thread.
            thread::spawn(move || {
                let mut writer = &stream;
                let mut n = 0;
                for line in BufReader::new(&stream).lines().map_while(Result::ok) {
                    n += 1;
                    let answer = format!("{n}: {}\n", line.to_uppercase());
                    if writer.write_all(answer.as_bytes()).is_err() {
                        break;
                    }
                }
            });
        }
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
