//! Lesson 18's exercise, and what it is given: a TCP header decoder. It takes the bytes as they
//! are on the wire and returns a [`TcpHeader`], or an error for a header that lies about its
//! length. It prints nothing: the lesson's `--decode HEX` prints what it returns, and the
//! tests check the fields.

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-18-wire` checks
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
pub use exercise::decode_tcp_header;

/// The fields of a TCP header (RFC 9293, section 3.1), as the exercise decodes them.
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
