// CORRECT, written differently: numbers assembled by shifts, the flags looked up in a table by
// letter, the options walked with an index, and other error texts.

use crate::TcpHeader;

pub fn decode_tcp_header(bytes: &[u8]) -> Result<TcpHeader, String> {
    let header = bytes.get(..20).ok_or("too short for a TCP header")?;
    let number = |at: usize, width: usize| {
        header[at..at + width]
            .iter()
            .fold(0u32, |n, &b| (n << 8) | u32::from(b))
    };
    let end = usize::from(header[12] >> 4) * 4;
    if !(20..=bytes.len()).contains(&end) {
        return Err("bad data offset".into());
    }
    let flags: String = "SFPRUEW."
        .chars()
        .zip([0x02u8, 0x01, 0x08, 0x04, 0x20, 0x40, 0x80, 0x10])
        .filter(|&(_, bit)| header[13] & bit == bit)
        .map(|(letter, _)| letter)
        .collect();
    let mut options = Vec::new();
    let mut i = 20;
    while i < end {
        let kind = bytes[i];
        if kind == 0 {
            break;
        }
        if kind == 1 {
            options.push(String::from("nop"));
            i += 1;
            continue;
        }
        if i + 1 >= end {
            return Err("truncated option".into());
        }
        let len = usize::from(bytes[i + 1]);
        if len < 2 || i + len > end {
            return Err("bad option length".into());
        }
        let value = &bytes[i + 2..i + len];
        let be = |v: &[u8]| v.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b));
        options.push(match kind {
            2 if len == 4 => format!("mss {}", be(value)),
            3 if len == 3 => format!("wscale {}", value[0]),
            4 if len == 2 => "sackOK".to_owned(),
            8 if len == 10 => format!("TS val {} ecr {}", be(&value[..4]), be(&value[4..])),
            _ => format!("kind {kind}"),
        });
        i += len;
    }
    Ok(TcpHeader {
        source_port: number(0, 2) as u16,
        destination_port: number(2, 2) as u16,
        seq: number(4, 4),
        ack: number(8, 4),
        flags,
        window: number(14, 2) as u16,
        options,
    })
}
