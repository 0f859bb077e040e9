// WRONG: stops at a broken option and returns the options before it as if all were well: a
// header that lies about an option's length must be an Err.

use crate::TcpHeader;

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
            break;
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
