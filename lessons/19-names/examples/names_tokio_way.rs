//! Names with tokio: `cargo run -p lesson-19-names --example names_tokio_way`.
//!
//! `tokio::net::lookup_host` runs getaddrinfo on a blocking thread (it has no asynchronous
//! form), and yields every address. Happy Eyeballs is shorter with tasks than with threads:
//! a losing attempt is really cancelled (`abort`, or dropping the `JoinSet`).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{lookup_host, TcpListener, TcpStream};
use tokio::task::JoinSet;

// ANCHOR: tokio
/// Happy Eyeballs (RFC 8305): an attempt every 250 ms (or at once when one fails), the
/// first to connect wins; dropping the JoinSet aborts the others.
async fn happy_eyeballs(addrs: Vec<SocketAddr>) -> std::io::Result<TcpStream> {
    let mut attempts = JoinSet::new();
    let mut queue = addrs.into_iter();
    let mut last_error = std::io::Error::other("the name has no address");
    loop {
        if let Some(addr) = queue.next() {
            attempts.spawn(TcpStream::connect(addr));
        } else if attempts.is_empty() {
            return Err(last_error);
        }
        // Wait for an attempt to finish, or 250 ms (when more addresses are left).
        let more = queue.len() > 0;
        tokio::select! {
            Some(done) = attempts.join_next() => match done.expect("an attempt panicked") {
                Ok(stream) => return Ok(stream), // the JoinSet is dropped: the rest abort
                Err(e) => last_error = e,
            },
            _ = tokio::time::sleep(Duration::from_millis(250)), if more => {}
        }
    }
}
// ANCHOR_END: tokio

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let addrs: Vec<SocketAddr> = lookup_host(("localhost", port)).await?.collect();
    println!("tokio: localhost is {addrs:?}");
    let mut client = happy_eyeballs(addrs).await?;
    let (server, _) = listener.accept().await?;
    client.write_all(b"hello\n").await?;
    let mut line = String::new();
    BufReader::new(server).read_line(&mut line).await?;
    println!("tokio: connected to {}, sent {line:?}", client.peer_addr()?);
    assert_eq!(line, "hello\n");
    Ok(())
}
