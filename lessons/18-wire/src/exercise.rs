//! Lesson 18 exercise: decode a TCP header, as the wire view does.
//!
//! Check your work with:   cargo exercise lesson-18-wire
//! Try your decoder with:  cargo run -p lesson-18-wire --features exercise -- --decode "9bc8 b69b ..."

use crate::TcpHeader;

// ANCHOR: exercise
/// Decode a TCP header (RFC 9293, section 3.1): the fixed 20 bytes, then the options.
///
/// TODO:
///   - fewer than 20 bytes, or a data offset (top 4 bits of byte 12, in 32-bit words) below
///     20 bytes or past the end: return an `Err` that says so (never panic);
///   - ports (bytes 0–1, 2–3), seq (4–7), ack (8–11), window (14–15): big-endian numbers;
///   - flags from byte 13 in the order tcpdump writes them: S F P R U E W, then `.` for ACK
///     (SYN 0x02, FIN 0x01, PSH 0x08, RST 0x04, URG 0x20, ECE 0x40, CWR 0x80, ACK 0x10);
///   - options, from byte 20 to the data offset: kind 0 ends them, kind 1 is `nop` (ONE
///     byte, no length); any other is kind, length (counting both), value:
///     2 → `mss N`, 3 → `wscale N`, 4 → `sackOK`, 8 → `TS val A ecr B`.
pub fn decode_tcp_header(bytes: &[u8]) -> Result<TcpHeader, String> {
    let _ = bytes;
    todo!("decode the TCP header")
}
// ANCHOR_END: exercise
