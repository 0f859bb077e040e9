//! The exercise's checks: your `tune` runs here on a real connected socket, and the checks read
//! back from the kernel what it set (getsockopt), and what the peer sees when the connection
//! closes. Never what anything prints. (`cargo exercise lesson-21-options` runs them on
//! src/exercise.rs.)

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

use lesson_21_options::tune;
use socket2::SockRef;
use testkit::{fail, yours};

/// A connection on loopback, `tune` called on its client's side: (client, server).
fn tuned_pair() -> (TcpStream, TcpStream) {
    let (client, server) = pair();
    if let Err(e) = yours(|| tune(&client)) {
        fail("tune returned an error.", "Ok(())", &format!("Err({e})"));
    }
    (client, server)
}

fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind()");
    let client = TcpStream::connect(listener.local_addr().unwrap()).expect("connect()");
    let (server, _) = listener.accept().expect("accept()");
    for side in [&client, &server] {
        side.set_read_timeout(Some(testkit::timeout())).unwrap();
    }
    (client, server)
}

#[test]
fn each_write_goes_out_at_once() {
    let (client, _server) = tuned_pair();
    let nodelay = client.nodelay().expect("getsockopt(TCP_NODELAY)");
    if !nodelay {
        fail(
            "Nagle's algorithm is still on: a request written in two pieces waits for the \
             peer's delayed ACK (40 ms on Linux) before its second piece goes.",
            "getsockopt(TCP_NODELAY) = on",
            "getsockopt(TCP_NODELAY) = off",
        );
    }
}

#[test]
fn keepalive_probes_a_silent_peer_60_s_then_every_10_s_5_times() {
    let (client, _server) = tuned_pair();
    let socket = SockRef::from(&client);
    let on = socket.keepalive().expect("getsockopt(SO_KEEPALIVE)");
    let expected = "SO_KEEPALIVE on, first probe after 60 s, every 10 s, 5 probes";
    if !on {
        fail(
            "Keepalive is off: a peer that vanished without a FIN is never noticed.",
            expected,
            "SO_KEEPALIVE off",
        );
    }
    // Windows sets these but cannot read them back.
    #[cfg(not(windows))]
    {
        let idle = socket.tcp_keepalive_time().expect("TCP_KEEPIDLE").as_secs();
        let every = socket
            .tcp_keepalive_interval()
            .expect("TCP_KEEPINTVL")
            .as_secs();
        let count = socket.tcp_keepalive_retries().expect("TCP_KEEPCNT");
        if (idle, every, count) != (60, 10, 5) {
            fail(
                "Keepalive is on, but not with the contract's timing: what you leave unset \
                 stays the system's (on Linux: 7200 s idle, every 75 s, 9 probes).",
                expected,
                &format!(
                    "SO_KEEPALIVE on, first probe after {idle} s, every {every} s, {count} probes"
                ),
            );
        }
    }
}

#[test]
fn closing_still_ends_with_a_fin_not_a_reset() {
    let (mut client, mut server) = tuned_pair();
    client.write_all(b"bye\n").expect("send()");
    drop(client); // close()
    let mut got = Vec::new();
    match server.read_to_end(&mut got) {
        Ok(_) if got == b"bye\n" => {}
        Ok(_) => fail(
            "The peer did not get the bytes sent before close().",
            "b\"bye\\n\", then end of stream (a FIN)",
            &format!("b\"{}\", then end of stream", got.escape_ascii()),
        ),
        Err(e) => fail(
            "After tune, close() no longer ends the connection with a FIN: the peer reads a \
             reset (SO_LINGER with 0 s does that), and loses what was still in flight.",
            "b\"bye\\n\", then end of stream (a FIN)",
            &format!(
                "b\"{}\", then {}",
                got.escape_ascii(),
                match e.kind() {
                    ErrorKind::ConnectionReset =>
                        "error: connection reset by peer (ECONNRESET)".into(),
                    _ => format!("error: {e}"),
                }
            ),
        ),
    }
}

#[test]
fn the_buffer_sizes_stay_the_kernels() {
    let (client, _server) = pair();
    let socket = SockRef::from(&client);
    let sizes = || {
        let recv = socket.recv_buffer_size().expect("getsockopt(SO_RCVBUF)");
        let send = socket.send_buffer_size().expect("getsockopt(SO_SNDBUF)");
        format!("SO_RCVBUF {recv} bytes, SO_SNDBUF {send} bytes")
    };
    let before = sizes();
    if let Err(e) = yours(|| tune(&client)) {
        fail("tune returned an error.", "Ok(())", &format!("Err({e})"));
    }
    let after = sizes();
    if after != before {
        fail(
            "tune changed a buffer size: a socket whose SO_RCVBUF or SO_SNDBUF is set keeps \
             that size, and loses the autotuning that grows it as the connection needs.",
            &format!("{before} (as before tune)"),
            &after,
        );
    }
}

#[test]
fn no_other_time_limit_is_set() {
    let (client, _server) = pair();
    let socket = SockRef::from(&client);
    let limits = || {
        let read = client.read_timeout().expect("getsockopt(SO_RCVTIMEO)");
        let write = client.write_timeout().expect("getsockopt(SO_SNDTIMEO)");
        #[cfg(target_os = "linux")]
        let user = socket
            .tcp_user_timeout()
            .expect("getsockopt(TCP_USER_TIMEOUT)");
        #[cfg(not(target_os = "linux"))]
        let user: Option<std::time::Duration> = None;
        let _ = &socket;
        format!("SO_RCVTIMEO {read:?}, SO_SNDTIMEO {write:?}, TCP_USER_TIMEOUT {user:?}")
    };
    let before = limits();
    if let Err(e) = yours(|| tune(&client)) {
        fail("tune returned an error.", "Ok(())", &format!("Err({e})"));
    }
    let after = limits();
    if after != before {
        fail(
            "tune set another time limit. Keepalive alone decides when a silent peer is given \
             up (60 + 5 x 10 s): TCP_USER_TIMEOUT overrides its probe count (tcp(7)), and a \
             read or write timeout ends calls that keepalive would have let wait.",
            &format!("{before} (as before tune)"),
            &after,
        );
    }
}
