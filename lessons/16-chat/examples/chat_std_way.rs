//! The chat with threads and a shared list of sockets: `cargo run -p lesson-16-chat --example chat_std_way`.
//!
//! Simple, and with a flaw the tokio version does not have: the thread that broadcasts writes
//! to every other client's socket itself, under the lock. One client that stops reading fills
//! its socket buffers, that write blocks, and with it every other sender.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

fn main() -> std::io::Result<()> {
    // ANCHOR: std
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let clients: Arc<Mutex<Vec<(SocketAddr, TcpStream)>>> = Arc::default();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // Into the list at once, in the order of arrival; then a thread of its own.
            let peer = stream.peer_addr().unwrap();
            clients
                .lock()
                .unwrap()
                .push((peer, stream.try_clone().unwrap()));
            let clients = Arc::clone(&clients);
            thread::spawn(move || {
                let mut lines = BufReader::new(stream).lines();
                let Some(Ok(nick)) = lines.next() else { return };
                for text in lines.map_while(Result::ok) {
                    let line = format!("{nick}: {text}\n");
                    for (other, socket) in clients.lock().unwrap().iter() {
                        if *other != peer {
                            // Blocks while that client's buffers are full: the flaw.
                            let _ = (&*socket).write_all(line.as_bytes());
                        }
                    }
                }
                clients.lock().unwrap().retain(|(other, _)| *other != peer);
            });
        }
    });

    let bob = TcpStream::connect(addr)?;
    (&bob).write_all(b"bob\n")?;
    let mut alice = TcpStream::connect(addr)?;
    alice.write_all(b"alice\nhi\n")?;
    let mut got = String::new();
    BufReader::new(bob).read_line(&mut got)?;
    // ANCHOR_END: std
    println!("std: bob got {got:?}");
    assert_eq!(got, "alice: hi\n");
    Ok(())
}
