// Lesson 18's exercise: decode a TCP header. Yours to write.
//
// Check it:       cargo exercise lesson-18-wire
// Stuck?          cargo hint lesson-18-wire      (one hint at a time)
// Try it:         cargo run-exercise lesson-18-wire -- --decode "9bc8 b69b 22ee 40eb ..."

#[allow(unused_imports)]
use crate::TcpHeader;

// ANCHOR: exercise
/// Decode a TCP header from its bytes as they are on the wire (RFC 9293, section 3.1).
///
/// The layout (the RFC's, every number big-endian):
/// source port (bytes 0–1), destination port (2–3), sequence number (4–7), acknowledgment
/// number (8–11), data offset (the top 4 bits of byte 12: the header's length in 32-bit
/// words; its low 4 bits are reserved: ignore them), flags (byte 13: CWR ECE URG ACK PSH RST
/// SYN FIN from the top bit down), window (14–15), checksum, urgent pointer, then options up
/// to the data offset.
/// An option is one byte of kind, then (for every kind but 0 and 1) one byte of length,
/// counting the kind and length bytes, then its value.
///
/// The contract (what the checks test):
/// - The fields as `TcpHeader` documents them: `flags` in tcpdump's letters and order (no
///   flag set: an empty string).
/// - `options` in the order they come: kind 0 (end of options) ends them; kind 1 is `nop`, a
///   single byte; kind 2 is `mss N`, 3 `wscale N`, 4 `sackOK`, 8 `TS val A ecr B` (two
///   32-bit numbers); any other kind may be shown as you like, and is skipped by its length.
/// - A header of exactly 20 bytes has no options; bytes after the data offset are the
///   segment's payload, not options.
/// - `Err` (any text), never a panic, for: fewer than 20 bytes; a data offset below 5 words
///   or past the bytes given; an option whose length is below 2, runs past the header (past
///   what the options before it left; payload bytes after the header are not its own), or is
///   missing. A known kind whose length is too short for its value (an `mss` of length 2):
///   `Err`, or shown as an unknown kind — never a value read from bytes not its own.
/// - Print nothing: the lesson prints what you return.
pub fn decode_tcp_header(bytes: &[u8]) -> Result<TcpHeader, String> {
    let _ = bytes;
    todo!("decode the TCP header")
}
// ANCHOR_END: exercise
