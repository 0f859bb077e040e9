//! Lesson 28's challenge: reliable delivery over UDP, built from the spec in
//! book/28-reliable.md. What the learner's `send` and `receive` are given: the datagrams'
//! format ([`Packet`]), the [`Config`], and a [`Link`] to the peer. They print nothing: the
//! lesson's `Link` narrates each datagram, and tests/exercise.rs checks what arrives.

use std::io;
use std::time::Duration;

pub mod relay;

// The functions you write: src/exercise.rs is yours (`cargo exercise lesson-28-reliable`
// checks them), src/solution.rs is ours. Maintainers build a variant in its place
// (CONTRIBUTING.md).
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
pub use exercise::{receive, send};

// ANCHOR: link
/// One end of a UDP conversation with one peer. The lesson's narrates each call; the checks'
/// records them, and can lose, repeat or hold back datagrams.
pub trait Link {
    /// Send one datagram to the peer.
    fn send(&mut self, datagram: &[u8]) -> io::Result<()>;
    /// The next datagram from the peer, or `None` if none came within `wait` (which must
    /// not be zero).
    fn recv(&mut self, wait: Duration) -> io::Result<Option<Vec<u8>>>;
}
// ANCHOR_END: link

// ANCHOR: packet
/// The three kinds of datagram (spec, "Datagrams"). Numbers are big-endian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// `D`, seq (4 bytes), then 0 to [`Packet::MAX_PAYLOAD`] bytes of the stream.
    Data { seq: u32, payload: Vec<u8> },
    /// `E`, seq (4 bytes): the stream ends; `seq` is the number of Data packets before it.
    End { seq: u32 },
    /// `A`, next (4 bytes): every packet numbered below `next` has arrived.
    Ack { next: u32 },
}

impl Packet {
    /// The most bytes of the stream in one Data packet.
    pub const MAX_PAYLOAD: usize = 1200;

    pub fn encode(&self) -> Vec<u8> {
        let (kind, number, payload): (u8, u32, &[u8]) = match self {
            Packet::Data { seq, payload } => (b'D', *seq, payload),
            Packet::End { seq } => (b'E', *seq, &[]),
            Packet::Ack { next } => (b'A', *next, &[]),
        };
        let mut bytes = vec![kind];
        bytes.extend_from_slice(&number.to_be_bytes());
        bytes.extend_from_slice(payload);
        bytes
    }

    /// The packet, or `None` for a datagram that is not one (too short, unknown kind, an
    /// End or Ack with bytes after its number, a payload over `MAX_PAYLOAD`).
    pub fn parse(datagram: &[u8]) -> Option<Packet> {
        let (&kind, rest) = datagram.split_first()?;
        let number = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
        let after = &rest[4..];
        match kind {
            b'D' if after.len() <= Packet::MAX_PAYLOAD => Some(Packet::Data {
                seq: number,
                payload: after.to_vec(),
            }),
            b'E' if after.is_empty() => Some(Packet::End { seq: number }),
            b'A' if after.is_empty() => Some(Packet::Ack { next: number }),
            _ => None,
        }
    }
}
// ANCHOR_END: packet

// ANCHOR: config
/// The protocol's settings (spec, "Settings"). The lesson uses [`Config::DEFAULT`]; the
/// checks use others, so use these fields, never the numbers.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// The most stream bytes in one Data packet (at most `Packet::MAX_PAYLOAD`).
    pub payload: usize,
    /// The most packets (Data or End) sent and not yet acknowledged.
    pub window: usize,
    /// The first retransmission timeout; it doubles on each expiry, up to `max_rto`.
    pub rto: Duration,
    pub max_rto: Duration,
    /// The sender gives up after this many expiries in a row with no new acknowledgement.
    pub tries: u32,
    /// The receiver gives up when nothing comes for this long.
    pub idle: Duration,
    /// After the End, the receiver goes on answering until nothing has come for this long,
    /// then returns. Longer than `max_rto` (the sender's longest wait between two tries);
    /// `tries × max_rto` outlasts any sender that has not given up.
    pub linger: Duration,
}

impl Config {
    pub const DEFAULT: Config = Config {
        payload: 1000,
        window: 8,
        rto: Duration::from_millis(200),
        max_rto: Duration::from_secs(2),
        tries: 6,
        idle: Duration::from_secs(30),
        linger: Duration::from_secs(4),
    };
}
// ANCHOR_END: config

/// A 64-bit FNV-1a hash, to show that two byte streams are the same without showing them.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
