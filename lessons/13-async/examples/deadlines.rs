//! A duration or a moment: three ways to put a time limit on a series of waits, on a UDP
//! socket that a chatty peer sends a datagram every 100 ms, two seconds long.
//! `cargo run -p lesson-13-async --example deadlines`.
//!
//! `timeout(d, ..)` counts `d` from the moment each wait starts; `timeout_at(moment, ..)` ends
//! at a moment fixed once; a pinned `Sleep` is a moment that can be moved (`reset`).

use std::io;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::{sleep, sleep_until, timeout, timeout_at, Instant};

#[tokio::main(flavor = "current_thread")]
async fn main() -> io::Result<()> {
    let limit = Duration::from_millis(300);
    for (name, how) in [
        ("timeout(300 ms) on each recv_from", How::EachWait),
        ("timeout_at(start + 300 ms)", How::Moment),
        ("a Sleep, reset at each datagram", How::MovedMoment),
    ] {
        let socket = UdpSocket::bind("127.0.0.1:0").await?;
        let chatty = tokio::spawn(chatty_peer(socket.local_addr()?));
        let start = Instant::now();
        let count = match how {
            How::EachWait => each_wait(&socket, limit).await,
            How::Moment => until_moment(&socket, limit).await,
            How::MovedMoment => until_quiet(&socket, limit).await,
        };
        let took = start.elapsed().as_millis();
        println!("{name}: {count} datagram(s), gave up after {took} ms");
        chatty.abort();
    }
    Ok(())
}

enum How {
    EachWait,
    Moment,
    MovedMoment,
}

/// Twenty datagrams, 100 ms apart, from a socket of its own.
async fn chatty_peer(to: std::net::SocketAddr) -> io::Result<()> {
    let socket = UdpSocket::bind("127.0.0.1:0").await?;
    for _ in 0..20 {
        socket.send_to(b"still here\n", to).await?;
        sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

// ANCHOR: each_wait
/// A limit for each wait: every datagram starts a new `limit`. The peer that never pauses
/// 300 ms keeps this loop going for as long as it talks (here 2 s; it could be for ever).
async fn each_wait(socket: &UdpSocket, limit: Duration) -> usize {
    let mut buf = [0u8; 1500];
    let mut count = 0;
    while let Ok(Ok(_)) = timeout(limit, socket.recv_from(&mut buf)).await {
        count += 1;
    }
    count
}
// ANCHOR_END: each_wait

// ANCHOR: until_moment
/// A limit for all the waits together: one moment, fixed before the first wait, and every
/// wait ends at that same moment, however many came before it.
async fn until_moment(socket: &UdpSocket, limit: Duration) -> usize {
    let mut buf = [0u8; 1500];
    let mut count = 0;
    let deadline = Instant::now() + limit;
    while let Ok(Ok(_)) = timeout_at(deadline, socket.recv_from(&mut buf)).await {
        count += 1;
    }
    count
}
// ANCHOR_END: until_moment

// ANCHOR: until_quiet
/// The same as `each_wait`, written with one timer that is moved instead of made again: a
/// `Sleep` is a future, pinned so that `select!` can poll it by `&mut` without using it up, and
/// `reset` gives it a new moment.
async fn until_quiet(socket: &UdpSocket, quiet: Duration) -> usize {
    let mut buf = [0u8; 1500];
    let mut count = 0;
    let silence = sleep_until(Instant::now() + quiet);
    tokio::pin!(silence);
    loop {
        tokio::select! {
            () = &mut silence => return count,
            received = socket.recv_from(&mut buf) => {
                if received.is_err() {
                    return count;
                }
                count += 1;
                silence.as_mut().reset(Instant::now() + quiet);
            }
        }
    }
}
// ANCHOR_END: until_quiet
