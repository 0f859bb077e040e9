//! Lesson 18's given code and its exercise.
//!
//! Given: a TCP header decoder ([`decode_tcp_header`], the lesson's `--decode HEX`), which
//! takes the bytes as they are on the wire and returns a [`TcpHeader`], or an error for a
//! header that lies about its length; and [`scramble`], which cuts a stream into segments,
//! shuffles them and repeats some, as a network may deliver them (the lesson's
//! `--reassemble SEED`).
//!
//! The exercise: [`Reassembler`], what the receiving kernel does with segments as they arrive:
//! the bytes recv() returns, in order, each once. It prints nothing: the lesson prints what it
//! returns, and the tests check the bytes.

// The type you write: src/exercise.rs is yours (`cargo exercise lesson-18-wire` checks it),
// src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
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
pub use exercise::Reassembler;

/// The fields of a TCP header (RFC 9293, section 3.1), as [`decode_tcp_header`] reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpHeader {
    pub source_port: u16,
    pub destination_port: u16,
    pub seq: u32,
    pub ack: u32,
    /// As tcpdump writes them, in this order: `S` SYN, `F` FIN, `P` PSH, `R` RST, `U` URG,
    /// `E` ECE, `W` CWR, `.` ACK (a SYN-ACK is `S.`, a bare ACK `.`).
    pub flags: String,
    /// The window field as sent (before any window scaling).
    pub window: u16,
    /// Each option in order: `mss 65495`, `sackOK`, `TS val 1 ecr 0`, `nop`, `wscale 7`, …
    pub options: Vec<String>,
}

// ANCHOR: decoder
/// Decode a TCP header (RFC 9293, section 3.1): the fixed 20 bytes, then the options.
pub fn decode_tcp_header(bytes: &[u8]) -> Result<TcpHeader, String> {
    if bytes.len() < 20 {
        return Err(format!(
            "{} bytes: a TCP header has at least 20",
            bytes.len()
        ));
    }
    // Every number on the wire is big-endian ("network byte order").
    let u16_at = |i: usize| u16::from_be_bytes([bytes[i], bytes[i + 1]]);
    let u32_at =
        |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    // The data offset: the header's length in 32-bit words, in the top 4 bits of byte 12.
    let length = usize::from(bytes[12] >> 4) * 4;
    if length < 20 || length > bytes.len() {
        return Err(format!(
            "the data offset says {length} bytes of header, and {} are here",
            bytes.len()
        ));
    }
    // Byte 13 holds the flags: CWR ECE URG ACK PSH RST SYN FIN, from the top bit down.
    let bits = bytes[13];
    let mut flags = String::new();
    for (mask, letter) in [
        (0x02, 'S'),
        (0x01, 'F'),
        (0x08, 'P'),
        (0x04, 'R'),
        (0x20, 'U'),
        (0x40, 'E'),
        (0x80, 'W'),
        (0x10, '.'),
    ] {
        if bits & mask != 0 {
            flags.push(letter);
        }
    }
    Ok(TcpHeader {
        source_port: u16_at(0),
        destination_port: u16_at(2),
        seq: u32_at(4),
        ack: u32_at(8),
        flags,
        window: u16_at(14),
        options: decode_options(&bytes[20..length])?,
    })
}

/// Options are kind, length, value — except kinds 0 (end) and 1 (no-op), one byte each.
fn decode_options(mut rest: &[u8]) -> Result<Vec<String>, String> {
    let mut options = Vec::new();
    while let Some(&kind) = rest.first() {
        match kind {
            0 => break,
            1 => {
                options.push("nop".to_string());
                rest = &rest[1..];
                continue;
            }
            _ => {}
        }
        let len = usize::from(*rest.get(1).ok_or("an option cut short")?);
        if len < 2 || len > rest.len() {
            return Err(format!("option {kind} says it is {len} bytes long"));
        }
        let value = &rest[2..len];
        let number = |v: &[u8]| v.iter().fold(0u64, |n, b| n << 8 | u64::from(*b));
        options.push(match (kind, value.len()) {
            (2, 2) => format!("mss {}", number(value)),
            (3, 1) => format!("wscale {}", value[0]),
            (4, 0) => "sackOK".to_string(),
            (5, _) => format!("sack {} blocks", value.len() / 8),
            (8, 8) => format!("TS val {} ecr {}", number(&value[..4]), number(&value[4..])),
            _ => format!("option {kind} ({} bytes)", value.len()),
        });
        rest = &rest[len..];
    }
    Ok(options)
}
// ANCHOR_END: decoder

/// One segment as the receiver sees it: where its payload starts in the sequence space,
/// the payload, and whether it carries FIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub seq: u32,
    pub payload: Vec<u8>,
    pub fin: bool,
}

/// splitmix64: small, and the same numbers on every machine for the same seed: the dice of
/// [`scramble`], and of the exercise's random checks.
pub struct Random(pub u64);

impl Random {
    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// `stream`, sent after a SYN numbered `isn`, as a network may deliver it: cut into pieces
/// of 1 to 8 bytes, some sent twice (cut again, so that the copies overlap their neighbours),
/// all shuffled; the last piece carries FIN. The same `seed` gives the same segments.
pub fn scramble(stream: &[u8], isn: u32, seed: u64) -> Vec<Segment> {
    let mut random = Random(seed);
    let first = isn.wrapping_add(1); // the SYN takes one number
    let mut segments = Vec::new();
    let cut = |segments: &mut Vec<Segment>, from: usize, to: usize, random: &mut Random| {
        let mut at = from;
        while at < to {
            let end = (at + 1 + random.below(8)).min(to);
            segments.push(Segment {
                seq: first.wrapping_add(at as u32),
                payload: stream[at..end].to_vec(),
                fin: end == stream.len(),
            });
            at = end;
        }
    };
    cut(&mut segments, 0, stream.len(), &mut random);
    if stream.is_empty() {
        segments.push(Segment {
            seq: first,
            payload: Vec::new(),
            fin: true,
        });
    }
    // A few retransmissions: a stretch of the stream sent again, cut elsewhere.
    for _ in 0..2 {
        if stream.len() > 1 {
            let from = random.below(stream.len());
            let to = (from + 1 + random.below(12)).min(stream.len());
            cut(&mut segments, from, to, &mut random);
        }
    }
    for i in (1..segments.len()).rev() {
        let j = random.below(i + 1);
        segments.swap(i, j);
    }
    segments
}
