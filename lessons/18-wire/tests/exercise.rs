//! The exercise's checks: your `decode_tcp_header` runs here on real headers (from a capture of
//! lesson 05) and on broken ones, and the checks look at the fields it returns, or that it
//! returns an error instead of panicking. (`cargo exercise lesson-18-wire` runs them on
//! src/exercise.rs.)

use lesson_18_wire::{decode_tcp_header, TcpHeader};
use testkit::{fail, yours};

/// Bytes from tcpdump -x's hex ("9bc8 b69b …").
fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(&pair.iter().collect::<String>(), 16).unwrap())
        .collect()
}

/// A SYN with the options Linux sends: mss, sackOK, timestamps, nop, wscale.
const SYN: &str = "9bc8 b69b 22ee 40eb 0000 0000 a002 ffd7 fe30 0000 \
                   0204 ffd7 0402 080a f3e0 6cf6 0000 0000 0103 030a";
/// Data: PSH and ACK, options nop, nop, timestamps.
const DATA: &str = "9bc8 b69b 22ee 40ec cbd7 3e52 8018 0040 fe2e 0000 \
                    0101 080a f3e0 6cf7 41c0 4cd4";
/// A reset: 20 bytes, no options.
const RST: &str = "99fd 96e4 0000 0000 ade9 db1b 5014 0000 f7e6 0000";

fn show(result: &Result<TcpHeader, String>) -> String {
    match result {
        Ok(h) => format!(
            "ports {} > {}  flags \"{}\"  seq {}  ack {}  win {}\noptions: {:?}",
            h.source_port, h.destination_port, h.flags, h.seq, h.ack, h.window, h.options
        ),
        Err(e) => format!("Err({e:?})"),
    }
}

fn decode(bytes: &[u8]) -> Result<TcpHeader, String> {
    yours(|| decode_tcp_header(bytes))
}

#[track_caller]
fn assert_decodes(what: &str, bytes: &[u8], expected: TcpHeader) {
    let got = decode(bytes);
    if got.as_ref() != Ok(&expected) {
        fail(
            &format!("{what}: the fields differ."),
            &show(&Ok(expected)),
            &show(&got),
        );
    }
}

#[track_caller]
fn assert_refused(what: &str, bytes: &[u8]) {
    let got = decode(bytes);
    if got.is_ok() {
        fail(
            &format!("{what}: this header is broken, and must be an Err."),
            "Err(...)",
            &show(&got),
        );
    }
}

fn options(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_syn_and_its_options() {
    assert_decodes(
        "A SYN from a real capture",
        &hex(SYN),
        TcpHeader {
            source_port: 39880,
            destination_port: 46747,
            seq: 586039531,
            ack: 0,
            flags: "S".into(),
            window: 65495,
            options: options(&[
                "mss 65495",
                "sackOK",
                "TS val 4091571446 ecr 0",
                "nop",
                "wscale 10",
            ]),
        },
    );
}

#[test]
fn data_with_psh_and_ack_and_one_byte_nops() {
    assert_decodes(
        "A data segment from a real capture (two nops: one byte each)",
        &hex(DATA),
        TcpHeader {
            source_port: 39880,
            destination_port: 46747,
            seq: 586039532,
            ack: 3419881042,
            flags: "P.".into(),
            window: 64,
            options: options(&["nop", "nop", "TS val 4091571447 ecr 1103121620"]),
        },
    );
}

#[test]
fn a_reset_of_twenty_bytes_has_no_options() {
    assert_decodes(
        "A reset from a real capture",
        &hex(RST),
        TcpHeader {
            source_port: 39421,
            destination_port: 38628,
            seq: 0,
            ack: 2917784347,
            flags: "R.".into(),
            window: 0,
            options: vec![],
        },
    );
}

#[test]
fn every_flag_in_tcpdumps_order() {
    let mut bytes = hex(RST);
    bytes[13] = 0xff;
    let got = decode(&bytes);
    if got.as_ref().map(|h| h.flags.as_str()) != Ok("SFPRUEW.") {
        fail(
            "A header with all eight flag bits set.",
            "flags \"SFPRUEW.\"",
            &show(&got),
        );
    }
    bytes[13] = 0x12;
    let got = decode(&bytes);
    if got.as_ref().map(|h| h.flags.as_str()) != Ok("S.") {
        fail("A SYN-ACK (byte 13 = 0x12).", "flags \"S.\"", &show(&got));
    }
    bytes[13] = 0x00;
    let got = decode(&bytes);
    if got.as_ref().map(|h| h.flags.as_str()) != Ok("") {
        fail(
            "A header with no flag set (byte 13 = 0x00): no flag, no letter. tcpdump shows \
             [none], but the field holds only the letters: an empty string.",
            "flags \"\"",
            &show(&got),
        );
    }
}

#[test]
fn the_reserved_bits_of_byte_12_are_ignored() {
    // The data segment with the four reserved bits under the data offset set: byte 12 is 0x8f
    // instead of 0x80. The data offset is still 8 words (32 bytes), and nothing else changes.
    let mut bytes = hex(DATA);
    bytes[12] = 0x8f;
    assert_decodes(
        "The data segment with byte 12 = 0x8f: the data offset is its top 4 bits (8 words), the \
         low 4 are reserved and ignored (RFC 9293)",
        &bytes,
        TcpHeader {
            source_port: 39880,
            destination_port: 46747,
            seq: 586039532,
            ack: 3419881042,
            flags: "P.".into(),
            window: 64,
            options: options(&["nop", "nop", "TS val 4091571447 ecr 1103121620"]),
        },
    );
}

#[test]
fn the_payload_after_the_header_is_not_options() {
    // The data segment with its payload, "hello\n", after the 32 bytes of header.
    let mut bytes = hex(DATA);
    bytes.extend_from_slice(b"hello\n");
    let got = decode(&bytes);
    let expected = options(&["nop", "nop", "TS val 4091571447 ecr 1103121620"]);
    if got.as_ref().map(|h| &h.options) != Ok(&expected) {
        fail(
            "A header followed by 6 bytes of payload (\"hello\\n\"): the options end at the data \
             offset (8 words, 32 bytes).",
            &format!("options: {expected:?}"),
            &show(&got),
        );
    }
}

#[test]
fn an_unknown_option_is_skipped_by_its_length_and_end_stops_the_list() {
    // Options (8 bytes): kind 30 length 4 (two bytes of value), mss 1460, then end (0) and a
    // byte of padding that must not be read as an option.
    let bytes = hex("9bc8 b69b 0000 0001 0000 0000 8002 ffff 0000 0000 \
                     1e04 abcd 0204 05b4 00ff 0000");
    let got = decode(&bytes);
    let ok = matches!(&got, Ok(h) if h.options.len() == 2 && h.options[1] == "mss 1460");
    if !ok {
        fail(
            "Options: an unknown kind 30 (4 bytes), mss 1460, then kind 0 (end) and padding.",
            "options: [(kind 30, as you like), \"mss 1460\"]",
            &show(&got),
        );
    }
}

#[test]
fn fewer_than_twenty_bytes_is_an_error_not_a_panic() {
    assert_refused("4 bytes", &hex("9bc8 b69b"));
    assert_refused("no bytes at all", &[]);
    assert_refused("19 bytes", &hex(RST)[..19]);
}

#[test]
fn a_data_offset_past_the_end_is_an_error_not_a_panic() {
    // The data offset says 15 words (60 bytes); 20 are given.
    assert_refused(
        "A data offset of 60 bytes, 20 given",
        &hex("9bc8 b69b 22ee 40eb 0000 0000 f002 ffd7 fe30 0000"),
    );
    // The data offset says 4 words (16 bytes): less than the fixed header.
    assert_refused(
        "A data offset of 16 bytes, below the fixed 20",
        &hex("9bc8 b69b 22ee 40eb 0000 0000 4002 ffd7 fe30 0000"),
    );
}

#[test]
fn an_option_length_of_zero_or_one_is_an_error_not_a_panic() {
    assert_refused(
        "Option kind 2 with length 0",
        &hex("9bc8 b69b 22ee 40eb 0000 0000 6002 ffd7 fe30 0000 0200 0000"),
    );
    assert_refused(
        "Option kind 2 with length 1",
        &hex("9bc8 b69b 22ee 40eb 0000 0000 6002 ffd7 fe30 0000 0201 0000"),
    );
}

#[test]
fn an_option_running_past_the_header_is_an_error_not_a_panic() {
    assert_refused(
        "Option kind 2 with length 8, in a 4-byte option space",
        &hex("9bc8 b69b 22ee 40eb 0000 0000 6002 ffd7 fe30 0000 0208 0000"),
    );
    // The last byte of the options is a kind with no room for its length.
    assert_refused(
        "Options 01 01 01 02: kind 2 with no length byte",
        &hex("9bc8 b69b 22ee 40eb 0000 0000 6002 ffd7 fe30 0000 0101 0102"),
    );
    // Two nops, then an mss of length 4 with only 2 bytes left: it fits in the option space
    // (4 bytes), but not in what is left of it.
    assert_refused(
        "Options 01 01 02 04: an mss of length 4, 2 bytes left in the header",
        &hex("9bc8 b69b 22ee 40eb 0000 0000 6002 ffd7 fe30 0000 0101 0204"),
    );
    // An mss of length 8 in a 4-byte option space, and 4 bytes of payload after the header:
    // the option runs past the header, into the data, which is not its own.
    assert_refused(
        "Option kind 2 with length 8 in a 4-byte option space, then 4 bytes of payload",
        &hex("9bc8 b69b 22ee 40eb 0000 0000 6002 ffd7 fe30 0000 0208 0000 05b4 abcd"),
    );
}

#[test]
fn a_known_option_too_short_for_its_value_is_not_a_panic() {
    // An mss of length 2 (no value), then a TS of length 6 (one number of two), then nops:
    // each length is valid as a length, but too short for what the kind should hold.
    let bytes =
        hex("9bc8 b69b 22ee 40eb 0000 0000 8002 ffd7 fe30 0000 0202 0806 0000 0001 0101 0101");
    let got = decode(&bytes);
    if let Ok(h) = &got {
        let misread = h
            .options
            .iter()
            .find(|o| o.starts_with("mss ") || o.starts_with("TS "));
        if let Some(misread) = misread {
            fail(
                "An option's length says how many bytes are its own: an mss of length 2 has no \
                 value, a TS of length 6 only one number. Its value was read from bytes that \
                 are not its own.",
                "Err(...), or those two shown as unknown options, never a value",
                &format!("{misread:?} in {}", show(&got)),
            );
        }
    }
}

#[test]
fn decode_tcp_header_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your decode_tcp_header runs.
    testkit::prints_nothing(
        "decode_tcp_header",
        &[
            "a_syn_and_its_options",
            "an_unknown_option_is_skipped_by_its_length_and_end_stops_the_list",
            "an_option_running_past_the_header_is_an_error_not_a_panic",
        ],
    );
}
