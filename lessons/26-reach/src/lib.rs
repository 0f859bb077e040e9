//! Lesson 26, the challenge of part three: `reach`, a client that finds its server. Given a
//! name, it asks a resolver for the addresses, connects with Happy Eyeballs (RFC 8305),
//! speaks TLS checking the server's certificate for that name, sends a request and reads the
//! answer. This file is what you are given: the resolver's trait, the limits, what `reach`
//! returns, its errors, and the black hole the demo and the checks use.

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-26-reach` checks
// it), src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
#[cfg(not(feature = "variant"))]
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(not(feature = "exercise"), path = "solution.rs")]
mod exercise;
#[cfg(feature = "variant")]
mod exercise {
    include!(env!(
        "LESSON_VARIANT",
        "set LESSON_VARIANT to the variant's path (cargo xtask verify-exercises does)"
    ));
}
pub use exercise::reach;

// ANCHOR: given
/// Where a name's addresses come from. The lesson's resolver asks the system (getaddrinfo,
/// chapter 19); the checks use their own, which returns the addresses they choose.
pub trait Resolve: Send + Sync {
    /// Every address of `host`, with `port`, in the order to try them.
    fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>>;
}

/// The limits of one `reach`. Never write the numbers yourself: the checks use other ones.
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long an attempt has alone before the next one starts (RFC 8305's "Connection
    /// Attempt Delay"; 250 ms).
    pub stagger: Duration,
    /// How long one connection attempt may take before it counts as failed (2 s).
    pub attempt: Duration,
    /// How long the whole of `reach` may take, from resolving to the answer's end (10 s).
    pub deadline: Duration,
    /// The longest answer taken, in bytes (64 KiB).
    pub max_answer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            stagger: Duration::from_millis(250),
            attempt: Duration::from_secs(2),
            deadline: Duration::from_secs(10),
            max_answer: 64 * 1024,
        }
    }
}

/// What `reach` brings back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    /// The address whose connection won.
    pub addr: SocketAddr,
    /// The server's whole answer (everything it sent before its close_notify).
    pub answer: Vec<u8>,
}

/// Why `reach` failed.
#[derive(Debug)]
pub enum ReachError {
    /// The resolver failed, or found no address.
    Resolve(io::Error),
    /// Every address failed: each one with its own error, in the resolver's order.
    AllFailed(Vec<(SocketAddr, io::Error)>),
    /// The TLS handshake failed: a certificate not for the name, or not from a CA we trust,
    /// or a name that is not a DNS name or an IP address.
    Tls(io::Error),
    /// Sending the request or reading the answer failed, or the answer was too long.
    Exchange(io::Error),
    /// `limits.deadline` passed before the answer was complete, whichever phase it interrupted.
    TimedOut,
}
// ANCHOR_END: given

impl fmt::Display for ReachError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReachError::Resolve(e) => write!(f, "resolving failed: {e}"),
            ReachError::AllFailed(failures) => {
                let each: Vec<String> = failures.iter().map(|(a, e)| format!("{a}: {e}")).collect();
                write!(f, "every address failed: {}", each.join("; "))
            }
            ReachError::Tls(e) => write!(f, "TLS handshake failed: {e}"),
            ReachError::Exchange(e) => write!(f, "the exchange failed: {e}"),
            ReachError::TimedOut => write!(f, "no whole answer within the deadline"),
        }
    }
}

impl std::error::Error for ReachError {}

// ANCHOR: black_hole
/// An address where connect() hangs, made offline: a listener with an accept queue of one,
/// filled by a connection nobody accepts. Linux then drops every new SYN (the queue is full),
/// so a client sees no answer at all, as from a host that is down or a firewall that drops:
/// its connect() waits, retransmitting its SYN, until it gives up. (Other systems may refuse
/// instead; the checks that need a black hole run on Linux.)
pub struct BlackHole {
    pub addr: SocketAddr,
    _listener: socket2::Socket,
    _filler: TcpStream,
}

pub fn black_hole() -> io::Result<BlackHole> {
    use socket2::{Domain, Socket, Type};
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    let any: SocketAddr = "127.0.0.1:0".parse().expect("an address");
    listener.bind(&any.into())?;
    // listen(0): the kernel keeps at most one connection waiting for accept().
    listener.listen(0)?;
    let addr = listener.local_addr()?.as_socket().expect("an IP address");
    // That one connection: its handshake completes, and it waits in the queue for ever.
    let filler = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    Ok(BlackHole {
        addr,
        _listener: listener,
        _filler: filler,
    })
}
// ANCHOR_END: black_hole
