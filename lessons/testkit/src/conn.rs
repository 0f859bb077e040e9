//! A raw TCP connection for tests: send bytes, expect bytes, expect end of stream.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};

use crate::{fail, timeout};

/// A test's own client: it speaks raw bytes, so it can also send what our clients never would.
pub struct Conn {
    stream: TcpStream,
    /// Bytes received but not yet matched by an `expect`.
    pending: Vec<u8>,
}

fn show(bytes: &[u8]) -> String {
    format!("b\"{}\"", bytes.escape_ascii())
}

impl Conn {
    /// Connect (with a timeout); every later read and write times out too.
    #[track_caller]
    pub fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect_timeout(&addr, timeout())
            .unwrap_or_else(|e| panic!("connect({addr}) failed: {e}"));
        stream.set_read_timeout(Some(timeout())).unwrap();
        stream.set_write_timeout(Some(timeout())).unwrap();
        Conn {
            stream,
            pending: Vec::new(),
        }
    }

    /// Connect with small kernel buffers: SO_RCVBUF and SO_SNDBUF of `bytes`, set before
    /// connect() so that the receive window announced in the handshake is small too. A client
    /// that never reads then blocks its peer's send() after a few kilobytes instead of the
    /// megabytes Linux's autotuning would take (a server that narrates every line takes
    /// seconds for those on a busy machine).
    #[track_caller]
    pub fn open_small(addr: SocketAddr, bytes: usize) -> Conn {
        use socket2::{Domain, Socket, Type};
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None).unwrap();
        socket.set_recv_buffer_size(bytes).unwrap();
        socket.set_send_buffer_size(bytes).unwrap();
        socket
            .connect_timeout(&addr.into(), timeout())
            .unwrap_or_else(|e| panic!("connect({addr}) failed: {e}"));
        let stream: TcpStream = socket.into();
        stream.set_read_timeout(Some(timeout())).unwrap();
        stream.set_write_timeout(Some(timeout())).unwrap();
        Conn {
            stream,
            pending: Vec::new(),
        }
    }

    /// The underlying stream, for what these helpers do not cover.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Send all these bytes.
    #[track_caller]
    pub fn send(&mut self, bytes: &[u8]) -> &mut Self {
        if let Err(e) = self.stream.write_all(bytes) {
            panic!("sending {} failed: {e}", show(bytes));
        }
        self
    }

    /// Send all these bytes, and tell whether the peer took them (it may have closed already).
    pub fn try_send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// A client that trickles: on a thread of its own, send one byte (`x`) every `every`,
    /// `count` times, stopping at the first the peer refuses (it has cut us off). Each recv()
    /// of the server gets a byte long before a per-call timeout; only a deadline for the whole
    /// message stops it.
    pub fn trickle(mut self, count: usize, every: std::time::Duration) {
        std::thread::spawn(move || {
            for _ in 0..count {
                if self.try_send(b"x").is_err() {
                    return;
                }
                std::thread::sleep(every);
            }
        });
    }

    /// Close our sending direction (the peer reads end of stream); we can still receive.
    pub fn shutdown_write(&mut self) -> &mut Self {
        let _ = self.stream.shutdown(Shutdown::Write);
        self
    }

    /// Read until exactly these bytes have arrived, and check them.
    #[track_caller]
    pub fn expect(&mut self, expected: &[u8]) -> &mut Self {
        while self.pending.len() < expected.len() {
            match self.read_more() {
                Ok(0) => fail(
                    "The peer closed the connection before sending everything.",
                    &show(expected),
                    &format!("{} and then end of stream", show(&self.pending)),
                ),
                Ok(_) => {}
                Err(e) => fail(
                    &format!("Waiting for bytes failed: {e}."),
                    &show(expected),
                    &format!("{} so far", show(&self.pending)),
                ),
            }
        }
        let got: Vec<u8> = self.pending.drain(..expected.len()).collect();
        if got != expected {
            fail(
                "The peer sent different bytes.",
                &show(expected),
                &show(&got),
            );
        }
        self
    }

    /// Read one line (up to and including `\n`) and return it without the newline.
    #[track_caller]
    pub fn read_line(&mut self) -> String {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                return String::from_utf8_lossy(&line[..end]).into_owned();
            }
            match self.read_more() {
                Ok(0) => fail(
                    "The peer closed the connection in the middle of a line.",
                    "a line ending in \\n",
                    &show(&self.pending),
                ),
                Ok(_) => {}
                Err(e) => fail(
                    &format!("Waiting for a line failed: {e}."),
                    "a line ending in \\n",
                    &format!("{} so far", show(&self.pending)),
                ),
            }
        }
    }

    /// Read everything until the peer closes; return it.
    #[track_caller]
    pub fn read_to_end(&mut self) -> Vec<u8> {
        loop {
            match self.read_more() {
                Ok(0) => return std::mem::take(&mut self.pending),
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                    return std::mem::take(&mut self.pending)
                }
                Err(e) => fail(
                    &format!("Waiting for end of stream failed: {e}."),
                    "(the peer closes the connection)",
                    &format!("{} and no end of stream", show(&self.pending)),
                ),
            }
        }
    }

    /// The peer closes the connection with nothing more to say.
    #[track_caller]
    pub fn expect_eof(&mut self) -> &mut Self {
        let rest = self.read_to_end();
        if !rest.is_empty() {
            fail(
                "The peer sent more bytes instead of closing.",
                "(end of stream)",
                &show(&rest),
            );
        }
        self
    }

    fn read_more(&mut self) -> std::io::Result<usize> {
        let mut buf = [0u8; 4096];
        loop {
            match self.stream.read(&mut buf) {
                // A signal arrived (SIGCHLD, when a child process of the test ends: assert_cmd's
                // timeouts install a handler for it). A read with a timeout is not restarted
                // by the kernel, so it is restarted here.
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
                Ok(n) => {
                    self.pending.extend_from_slice(&buf[..n]);
                    return Ok(n);
                }
            }
        }
    }
}
