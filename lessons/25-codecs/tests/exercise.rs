//! The exercise's checks, on behaviour alone: what your decoder returns and what it leaves in
//! the buffer (and how much room it makes there) for streams fed whole, cut at every place
//! (at every two places, for short ones) and a byte at a time; the frames of the lesson's own
//! encoder; what `decode_eof` makes of the end of the stream; the same decoder under a real
//! `FramedRead` on a real socket; and that it prints nothing (run in a child process).
//! (`cargo exercise lesson-25-codecs` runs them on src/exercise.rs.)

use std::io::ErrorKind;

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::StreamExt;
use lesson_25_codecs::VarintPrefixed;
use testkit::{fail, yours};
use tokio::io::AsyncWriteExt;
use tokio_util::codec::{Decoder, Encoder, FramedRead};

/// No check feeds more than a few KiB at a time: a buffer this big means room was made for a
/// payload that has not come.
const ROOM: usize = 64 * 1024;

/// A varint, written here independently of the lesson's `put_varint`.
fn varint(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(low);
            return out;
        }
        out.push(low | 0x80);
    }
}

/// A frame as the wire carries it: the length as a varint, then the payload.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut bytes = varint(payload.len() as u64);
    bytes.extend_from_slice(payload);
    bytes
}

fn frames(payloads: &[&[u8]]) -> Vec<u8> {
    payloads.iter().flat_map(|p| frame(p)).collect()
}

fn show(bytes: &[u8]) -> String {
    if bytes.len() > 40 {
        let start = bytes[..24].escape_ascii();
        return format!("b\"{start}\"... ({} bytes)", bytes.len());
    }
    format!("b\"{}\"", bytes.escape_ascii())
}

/// What a stream gave: its frames in order, then how it ended.
#[derive(Debug, PartialEq)]
struct Outcome {
    frames: Vec<Vec<u8>>,
    end: End,
}

#[derive(Debug, PartialEq)]
enum End {
    /// Ok(None) on the last call, these bytes still in the buffer (a frame not all there).
    Waiting(Vec<u8>),
    /// An error of this kind.
    Refused(ErrorKind),
}

impl Outcome {
    fn waiting(frames: &[&[u8]], left: &[u8]) -> Self {
        let frames = frames.iter().map(|f| f.to_vec()).collect();
        Outcome {
            frames,
            end: End::Waiting(left.to_vec()),
        }
    }

    fn refused(frames: &[&[u8]]) -> Self {
        let frames = frames.iter().map(|f| f.to_vec()).collect();
        Outcome {
            frames,
            end: End::Refused(ErrorKind::InvalidData),
        }
    }

    fn show(&self) -> String {
        let mut parts: Vec<String> = self.frames.iter().map(|f| show(f)).collect();
        parts.push(match &self.end {
            End::Waiting(left) if left.is_empty() => "Ok(None), nothing left".into(),
            End::Waiting(left) => format!("Ok(None), {} left in src", show(left)),
            End::Refused(kind) => format!("Err({kind:?})"),
        });
        parts.join(", ")
    }
}

/// Every way a check cuts `stream` into arrivals: whole, at every place, at every two places
/// (short streams), a byte at a time. Each with its description.
fn cuts(stream: &[u8]) -> Vec<(String, Vec<&[u8]>)> {
    let n = stream.len();
    let mut ways = vec![("fed whole".to_string(), vec![stream])];
    for i in 1..n {
        let (a, b) = stream.split_at(i);
        ways.push((format!("cut after byte {i}"), vec![a, b]));
        if n <= 24 {
            for j in i + 1..n {
                let (b, c) = b.split_at(j - i);
                ways.push((format!("cut after bytes {i} and {j}"), vec![a, b, c]));
            }
        }
    }
    ways.push(("a byte at a time".to_string(), stream.chunks(1).collect()));
    ways
}

/// Feed the arrivals to a fresh decoder as FramedRead does: after each one, `decode` until it
/// says None (or fails). Checks on the way that Ok(None) leaves `src` as it was, and that no
/// call makes room for a payload that has not come.
#[track_caller]
fn feed(max: usize, arrivals: &[&[u8]], how: &str) -> Outcome {
    let mut decoder = VarintPrefixed::new(max);
    let mut buf = BytesMut::new();
    let mut got = Vec::new();
    for arrival in arrivals {
        buf.put_slice(arrival);
        loop {
            let before = buf.to_vec();
            let result = yours(|| decoder.decode(&mut buf));
            if buf.capacity() > ROOM.max(before.len()) {
                fail(
                    &format!(
                        "decode() made room for a payload that has not come (max = {max}, {how})."
                    ),
                    &format!("src's capacity at most {ROOM} bytes (a few KiB were fed)"),
                    &format!(
                        "capacity {} bytes, with {} in src",
                        buf.capacity(),
                        show(&before)
                    ),
                );
            }
            match result {
                Ok(Some(payload)) => got.push(payload.to_vec()),
                Ok(None) if buf[..] != before[..] => fail(
                    &format!("decode() returned Ok(None) but changed src (max = {max}, {how})."),
                    &format!("src as it was: {}", show(&before)),
                    &format!("src now: {}", show(&buf)),
                ),
                Ok(None) => break,
                Err(e) => {
                    return Outcome {
                        frames: got,
                        end: End::Refused(e.kind()),
                    }
                }
            }
        }
    }
    Outcome {
        frames: got,
        end: End::Waiting(buf.to_vec()),
    }
}

/// `stream` cut every way gives `want` (with max = `max`).
#[track_caller]
fn expect(what: &str, max: usize, stream: &[u8], want: Outcome) {
    for (how, arrivals) in cuts(stream) {
        let got = feed(max, &arrivals, &how);
        if got != want {
            fail(
                &format!("{what}: {} with max = {max}, {how}.", show(stream)),
                &want.show(),
                &got.show(),
            );
        }
    }
}

#[test]
fn frames_cut_every_way_come_out_whole() {
    let long = [0xffu8; 130]; // a varint of 2 bytes: 82 01
    let stream = frames(&[b"hello", b"world!", &long, b"a"]);
    let want = Outcome::waiting(&[b"hello", b"world!", &long, b"a"], b"");
    expect("Several frames", 1024, &stream, want);
}

#[test]
fn a_frame_not_all_there_is_not_a_frame_and_src_is_left_as_it_was() {
    // A 3-byte varint (16384 = 80 80 01), then 2 bytes of its payload: the first byte 80
    // alone is not a length of 0.
    let mut stream = frame(b"one");
    stream.extend_from_slice(b"\x80\x80\x01ab");
    let want = Outcome::waiting(&[b"one"], b"\x80\x80\x01ab");
    expect("A frame then the start of another", 1 << 20, &stream, want);
    let want = Outcome::waiting(&[], b"\x80");
    expect("One byte of a varint", 1 << 20, b"\x80", want);
}

#[test]
fn an_empty_payload_is_a_frame() {
    let stream = frames(&[b"", b"x", b"", b""]);
    let want = Outcome::waiting(&[b"", b"x", b"", b""], b"");
    expect("Empty frames", 64, &stream, want);
}

#[test]
fn a_payload_of_exactly_max_is_a_frame() {
    for max in [127, 128, 200] {
        let payload = vec![b'm'; max];
        let stream = frames(&[&payload, b"ok"]);
        let want = Outcome::waiting(&[&payload, b"ok"], b"");
        expect("A payload of exactly max", max, &stream, want);
    }
}

#[test]
fn a_length_over_max_is_refused_as_soon_as_the_varint_is_there() {
    // 128 (80 01) over 127, 201 (c9 01) over 200: the stream ends with the varint, no payload.
    for (max, over) in [
        (127usize, &b"\x80\x01"[..]),
        (200, b"\xc9\x01"),
        (0, b"\x01"),
    ] {
        let mut stream = frame(b"");
        stream.extend_from_slice(over);
        expect(
            "A length one over max",
            max,
            &stream,
            Outcome::refused(&[b""]),
        );
    }
    // 2 GiB (80 80 80 80 08), with max = 1024: refused, and no room made for it.
    let stream = b"\x80\x80\x80\x80\x08";
    expect("A varint of 2 GiB", 1024, stream, Outcome::refused(&[]));
}

#[test]
fn five_byte_lengths_up_to_4_gib_cost_nothing_before_their_payload() {
    // With no maximum to speak of, 2^28 (80 80 80 80 01, the smallest 5-byte varint) and
    // u32::MAX (ff ff ff ff 0f) are lengths like any other: wait for their payloads, src as it
    // was, and no room made for them.
    // (2^28, 256 MiB, first: a decoder that reserves its payload then asks for that, not 4 GiB.)
    for varint in [&b"\x80\x80\x80\x80\x01"[..], b"\xff\xff\xff\xff\x0f"] {
        let mut stream = frame(b"hi");
        stream.extend_from_slice(varint);
        let want = Outcome::waiting(&[b"hi"], varint);
        expect("A 5-byte varint", usize::MAX, &stream, want);
    }
}

#[test]
fn a_varint_past_32_bits_is_refused() {
    // A 5th byte with bits past the 32nd: 2^32 (80 80 80 80 10), and 2^32 + 5 (85 80 80 80
    // 10), which a u32 wrapping round would take for 5. Refused even with no maximum.
    for varint in [&b"\x80\x80\x80\x80\x10"[..], b"\x85\x80\x80\x80\x10"] {
        let mut stream = varint.to_vec();
        stream.extend_from_slice(b"hello");
        expect(
            "A varint past 32 bits",
            usize::MAX,
            &stream,
            Outcome::refused(&[]),
        );
    }
}

#[test]
fn a_sixth_varint_byte_is_refused_at_once() {
    // A 5th byte with its high bit set: refused then, without waiting for the 6th. The whole
    // 10-byte varint (2^63, what a u64 decoder would take) must not panic either.
    let ten = b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01";
    expect("A 10-byte varint", usize::MAX, ten, Outcome::refused(&[]));
    let mut stream = frame(b"ok");
    stream.extend_from_slice(b"\xff\xff\xff\xff\x8f");
    expect(
        "Five varint bytes, more to follow",
        usize::MAX,
        &stream,
        Outcome::refused(&[b"ok"]),
    );
}

#[test]
fn a_varint_not_in_its_shortest_form_is_refused() {
    // 0 as 80 00, 5 as 85 00, 1 as 81 80 00, 128 as 80 81 00 (80 01 is enough), 2^28 - 1 as
    // ff ff ff ff 00 (ff ff ff 7f is enough): each has a shorter form. Refused as soon as its
    // last byte is there, with no payload behind it (max = usize::MAX: nothing else refuses
    // it), and with its payload behind it.
    let longer: [(&[u8], usize); 5] = [
        (b"\x80\x00", 0),
        (b"\x85\x00", 5),
        (b"\x81\x80\x00", 1),
        (b"\x80\x81\x00", 128),
        (b"\xff\xff\xff\xff\x00", (1 << 28) - 1),
    ];
    for (varint, len) in longer {
        let mut stream = frame(b"ok");
        stream.extend_from_slice(varint);
        expect(
            "A varint not in its shortest form, nothing after it",
            usize::MAX,
            &stream,
            Outcome::refused(&[b"ok"]),
        );
        if len <= 1024 {
            stream.extend(std::iter::repeat_n(b'p', len));
            expect(
                "A varint not in its shortest form, then its payload",
                1024,
                &stream,
                Outcome::refused(&[b"ok"]),
            );
        }
    }
}

/// What `decode_eof` (called by FramedRead once the peer has closed, until it says None or
/// fails) gave for the bytes left in `src`.
#[derive(Debug, PartialEq)]
enum AtEnd {
    /// Ok(None) at once, with nothing left: the peer closed after a whole frame.
    Clean,
    /// An error (of any kind), no frame: the peer closed in the middle of a frame.
    Refused,
    /// Anything else, described.
    Other(String),
}

impl AtEnd {
    fn show(&self) -> String {
        match self {
            AtEnd::Clean => "then, at the end, Ok(None) with nothing left: a clean end".into(),
            AtEnd::Refused => "then, at the end, an error: half a frame is not a frame".into(),
            AtEnd::Other(what) => format!("then, at the end, {what}"),
        }
    }
}

/// The stream cut every way, then closed by the peer: the whole frames come out of `decode`,
/// then `decode_eof` says how the stream ends.
fn shown(frames: &[Vec<u8>]) -> String {
    let frames: Vec<String> = frames.iter().map(|f| show(f)).collect();
    format!("the frames [{}]", frames.join(", "))
}

#[track_caller]
fn expect_at_end(what: &str, stream: &[u8], frames: &[&[u8]], want: AtEnd) {
    let max = 1024;
    for (how, arrivals) in cuts(stream) {
        let got = feed(max, &arrivals, &how);
        let whole: Vec<Vec<u8>> = frames.iter().map(|f| f.to_vec()).collect();
        let End::Waiting(left) = &got.end else {
            fail(
                &format!("{what}: {} with max = {max}, {how}.", show(stream)),
                &format!("{}, then Ok(None) until the close", shown(&whole)),
                &got.show(),
            );
        };
        let mut decoder = VarintPrefixed::new(max);
        let mut buf = BytesMut::from(&left[..]);
        let mut made = Vec::new();
        let end = loop {
            match yours(|| decoder.decode_eof(&mut buf)) {
                Ok(Some(frame)) => made.push(frame.to_vec()),
                Ok(None) if made.is_empty() && buf.is_empty() => break AtEnd::Clean,
                Ok(None) if buf.is_empty() => {
                    break AtEnd::Other(format!("{}, then Ok(None)", shown(&made)))
                }
                Ok(None) => {
                    let left = show(&buf);
                    let made = shown(&made);
                    let dropped = format!("Ok(None) with {left} left (dropped without a word)");
                    break AtEnd::Other(format!("{made}, then {dropped}"));
                }
                Err(_) if made.is_empty() => break AtEnd::Refused,
                Err(e) => {
                    break AtEnd::Other(format!("{}, then Err({:?})", shown(&made), e.kind()))
                }
            }
            if made.len() > 16 {
                break AtEnd::Other(format!("{} and more", shown(&made)));
            }
        };
        if got.frames != whole || end != want {
            fail(
                &format!(
                    "{what}: {}, {how}, then the peer closed (FramedRead calls decode_eof).",
                    show(stream)
                ),
                &format!("{}, {}", shown(&whole), want.show()),
                &format!("{}, {}", shown(&got.frames), end.show()),
            );
        }
    }
}

#[test]
fn at_the_end_half_a_frame_is_an_error_and_nothing_left_a_clean_end() {
    // The peer closes after whole frames: they come out, then the stream ends cleanly.
    let stream = frames(&[b"hello", b"", b"x"]);
    let done = "Whole frames, then the peer's close";
    expect_at_end(done, &stream, &[b"hello", b"", b"x"], AtEnd::Clean);
    // The peer closes in the middle of a frame (its payload, its varint): not a frame.
    let mut stream = frame(b"hello");
    stream.extend_from_slice(b"\x05hel");
    let cut = "A frame, then half a frame cut short by the peer's close";
    expect_at_end(cut, &stream, &[b"hello"], AtEnd::Refused);
    let mut stream = frame(b"hello");
    stream.extend_from_slice(b"\x82");
    let cut = "A frame, then half a varint cut short by the peer's close";
    expect_at_end(cut, &stream, &[b"hello"], AtEnd::Refused);
}

/// `max` is a usize, and may be more than any u32 holds: then no length is over it.
#[cfg(target_pointer_width = "64")]
#[test]
fn a_max_past_u32_is_not_cut_down() {
    // max = 2^32 + 200: frames of 201 and 300 bytes are under it (a max cut to 32 bits
    // would be 200), and so is u32::MAX (ff ff ff ff 0f), which waits for its payload.
    let max = (1usize << 32) + 200;
    let (a, b) = (vec![b'a'; 201], vec![b'b'; 300]);
    let mut stream = frames(&[&a, &b]);
    stream.extend_from_slice(b"\xff\xff\xff\xff\x0f");
    let want = Outcome::waiting(&[&a, &b], b"\xff\xff\xff\xff\x0f");
    expect("A max past u32::MAX", max, &stream, want);
}

#[test]
fn the_lessons_encoder_and_your_decoder_agree() {
    let lengths = [0usize, 1, 127, 128, 300, 16383, 16384, 20000];
    let payloads: Vec<Vec<u8>> = lengths.iter().map(|&n| vec![b'e'; n]).collect();
    let mut wire = BytesMut::new();
    let mut encoder = VarintPrefixed::new(20000);
    for payload in &payloads {
        encoder
            .encode(Bytes::from(payload.clone()), &mut wire)
            .unwrap();
    }
    let want = Outcome {
        frames: payloads.clone(),
        end: End::Waiting(vec![]),
    };
    for piece in [wire.len(), 1000, 7, 1] {
        let arrivals: Vec<&[u8]> = wire.chunks(piece).collect();
        let got = feed(20000, &arrivals, &format!("in pieces of {piece} bytes"));
        if got != want {
            fail(
                &format!("The lesson's encoder wrote frames of {lengths:?} bytes; your decoder read them (in pieces of {piece})."),
                &want.show(),
                &got.show(),
            );
        }
    }
}

/// Your decoder under tokio-util's FramedRead, on a real connection: the bytes arrive as the
/// kernel delivers them, in pieces written with pauses.
#[test]
fn under_a_framed_read_on_a_socket() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let got: Vec<String> = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let writer = tokio::spawn(async move {
            let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
            let mut bytes = frames(&[b"hello", &[b'w'; 200]]);
            bytes.extend(varint(301)); // over max = 300: the end
            for piece in bytes.chunks(3) {
                client.write_all(piece).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            client // kept open: the decoder's error must end the stream, not our FIN
        });
        let (server, _) = listener.accept().await.unwrap();
        let mut frames = FramedRead::new(server, VarintPrefixed::new(300));
        let mut got = Vec::new();
        let wait = testkit::timeout();
        while let Ok(Some(next)) = tokio::time::timeout(wait, frames.next()).await {
            got.push(match next {
                Ok(payload) => show(&payload),
                Err(e) => format!("Err({:?})", e.kind()),
            });
        }
        drop(writer.await);
        got
    });
    let want = [
        show(b"hello"),
        show(&[b'w'; 200]),
        "Err(InvalidData)".into(),
    ];
    if got != want {
        fail(
            "Under FramedRead, over a socket, the frames (then the error for the length over max) are not right.",
            &want.join(", "),
            &got.join(", "),
        );
    }
}

#[test]
fn your_decoder_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen (frames,
    // refusals, ends), and nothing may come out while your decoder runs.
    testkit::prints_nothing(
        "decoder",
        &[
            "frames_cut_every_way_come_out_whole",
            "a_varint_not_in_its_shortest_form_is_refused",
            "at_the_end_half_a_frame_is_an_error_and_nothing_left_a_clean_end",
        ],
    );
}
