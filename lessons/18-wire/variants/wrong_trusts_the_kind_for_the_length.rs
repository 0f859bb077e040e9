// WRONG: trusts an option's kind for its length: reads an mss's two bytes, a TS's eight,
// whatever the length byte says. An mss of length 2 has no value: it reads past its option,
// and at the end of the header, past the slice (a panic on a hostile packet).

use crate::TcpHeader;

pub fn decode_tcp_header(bytes: &[u8]) -> Result<TcpHeader, String> {
    if bytes.len() < 20 {
        return Err(format!("{} bytes: a TCP header has at least 20", bytes.len()));
    }
    let u16_at = |i: usize| u16::from_be_bytes([bytes[i], bytes[i + 1]]);
    let u32_at = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let len = (bytes[12] >> 4) as usize * 4;
    if len < 20 || len > bytes.len() {
        return Err(format!("data offset {len} bytes"));
    }
    let f = bytes[13];
    let mut flags = String::new();
    for (bit, letter) in [(0x02, 'S'), (0x01, 'F'), (0x08, 'P'), (0x04, 'R'), (0x20, 'U'), (0x40, 'E'), (0x80, 'W'), (0x10, '.')] {
        if f & bit != 0 {
            flags.push(letter);
        }
    }
    let mut options = Vec::new();
    let opts = &bytes[20..len];
    let mut i = 0;
    while i < opts.len() {
        match opts[i] {
            0 => break,
            1 => {
                options.push("nop".to_string());
                i += 1;
                continue;
            }
            kind => {
                let Some(&olen) = opts.get(i + 1) else {
                    return Err(format!("option {kind} has no length"));
                };
                let olen = olen as usize;
                if olen < 2 || i + olen > opts.len() {
                    return Err(format!("option {kind} has a bad length {olen}"));
                }
                let v = &opts[i + 2..i + olen];
                let shown = match (kind, v.len()) {
                    (2, _) => format!("mss {}", u16::from_be_bytes([v[0], v[1]])),
                    (3, _) => format!("wscale {}", v[0]),
                    (4, _) => "sackOK".to_string(),
                    (8, _) => format!(
                        "TS val {} ecr {}",
                        u32::from_be_bytes([v[0], v[1], v[2], v[3]]),
                        u32::from_be_bytes([v[4], v[5], v[6], v[7]])
                    ),
                    _ => format!("option {kind} ({} bytes)", v.len()),
                };
                options.push(shown);
                i += olen;
            }
        }
    }
    Ok(TcpHeader {
        source_port: u16_at(0),
        destination_port: u16_at(2),
        seq: u32_at(4),
        ack: u32_at(8),
        flags,
        window: u16_at(14),
        options,
    })
}
