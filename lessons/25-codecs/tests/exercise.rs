//! The exercise's checks, on behaviour alone: what your decoder returns and what it leaves in
//! the buffer, for frames cut every way; and the same decoder under a real `FramedRead` on a
//! real socket. (`cargo exercise lesson-25-codecs` runs them on src/exercise.rs.)

use std::io;

use bytes::{BufMut, BytesMut};
use futures_util::StreamExt;
use lesson_25_codecs::LengthPrefixed;
use testkit::{fail, yours};
use tokio::io::AsyncWriteExt;
use tokio_util::codec::{Decoder, FramedRead};

/// A frame as the wire carries it: 4 bytes of length, big-endian, then the payload.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut bytes = (payload.len() as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(payload);
    bytes
}

fn show(bytes: &[u8]) -> String {
    format!("b\"{}\"", bytes.escape_ascii())
}

fn show_result(got: &io::Result<Option<BytesMut>>) -> String {
    match got {
        Ok(Some(payload)) => format!("Ok(Some({}))", show(payload)),
        Ok(None) => "Ok(None)".to_string(),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}

/// Feed `bytes` to a decoder in pieces of `piece` bytes (as reads would bring them), calling
/// `decode` after each piece until it returns None, as FramedRead does; the frames it gave.
#[track_caller]
fn decode_in_pieces(max: usize, bytes: &[u8], piece: usize) -> Vec<Vec<u8>> {
    let mut decoder = LengthPrefixed::new(max);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for chunk in bytes.chunks(piece) {
        buf.put_slice(chunk);
        loop {
            match yours(|| decoder.decode(&mut buf)) {
                Ok(Some(payload)) => frames.push(payload.to_vec()),
                Ok(None) => break,
                Err(e) => fail(
                    &format!("decode() refused frames that are all within max = {max} (fed in pieces of {piece} bytes)."),
                    "frames",
                    &format!("Err({:?}: {e}) after {} frame(s)", e.kind(), frames.len()),
                ),
            }
        }
    }
    frames
}

#[track_caller]
fn expect_frames(max: usize, payloads: &[&[u8]], piece: usize) {
    let bytes: Vec<u8> = payloads.iter().flat_map(|p| frame(p)).collect();
    let got = decode_in_pieces(max, &bytes, piece);
    let want: Vec<Vec<u8>> = payloads.iter().map(|p| p.to_vec()).collect();
    if got != want {
        let list = |f: &[Vec<u8>]| f.iter().map(|p| show(p)).collect::<Vec<_>>().join(", ");
        fail(
            &format!(
                "The frames that came out are not the frames that went in ({} bytes in pieces of {piece}).",
                bytes.len()
            ),
            &list(&want),
            &list(&got),
        );
    }
}

#[test]
fn one_whole_frame_is_its_payload() {
    let mut buf = BytesMut::from(&frame(b"hello")[..]);
    let got = yours(|| LengthPrefixed::new(64).decode(&mut buf));
    if !matches!(&got, Ok(Some(p)) if &p[..] == b"hello") || !buf.is_empty() {
        fail(
            "decode() of one whole frame, b\"\\0\\0\\0\\x05hello\", should give its payload and leave nothing.",
            "Ok(Some(b\"hello\")), buffer empty",
            &format!("{}, buffer {}", show_result(&got), show(&buf)),
        );
    }
}

#[test]
fn frames_in_one_read_come_out_one_at_a_time() {
    expect_frames(64, &[b"one", b"two", b"three"], 1000);
}

#[test]
fn frames_cut_into_single_bytes_come_out_whole() {
    expect_frames(
        64,
        &[b"hello", b"world", b"a longer payload, still in pieces"],
        1,
    );
}

#[test]
fn frames_cut_anywhere_come_out_whole() {
    for piece in [2, 3, 5, 7, 11] {
        expect_frames(64, &[b"hello", b"", b"world!", &[0xff; 40]], piece);
    }
}

#[test]
fn a_partial_frame_is_not_a_frame() {
    // The header says 5, only 3 bytes of payload are there.
    let mut buf = BytesMut::from(&b"\0\0\0\x05hel"[..]);
    let got = yours(|| LengthPrefixed::new(64).decode(&mut buf));
    if !matches!(got, Ok(None)) {
        fail(
            "decode() returned something for a frame whose payload is not all there yet (header 5, 3 bytes).",
            "Ok(None)",
            &show_result(&got),
        );
    }
}

#[test]
fn an_empty_payload_is_a_frame() {
    expect_frames(64, &[b"", b"x", b""], 1000);
}

#[test]
fn a_payload_of_exactly_max_is_a_frame() {
    expect_frames(16, &[&[b'a'; 16], b"ok"], 1000);
}

#[test]
fn a_length_over_max_is_an_error_as_soon_as_the_header_is_there() {
    // max 16, the header says 17: no payload has come, and none is needed to refuse it.
    let mut buf = BytesMut::from(&17u32.to_be_bytes()[..]);
    let got = yours(|| LengthPrefixed::new(16).decode(&mut buf));
    match &got {
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {}
        _ => fail(
            "A header whose length is over max (17 > 16) must be refused at once, before its payload.",
            "Err(InvalidData: …)",
            &show_result(&got),
        ),
    }
}

#[test]
fn a_header_that_promises_16_mib_costs_nothing() {
    let mut buf = BytesMut::from(&(16u32 << 20).to_be_bytes()[..]);
    let got = yours(|| LengthPrefixed::new(1024).decode(&mut buf));
    if got.is_ok() || buf.capacity() > 64 * 1024 {
        fail(
            "A header promising 16 MiB (max 1024) must be refused without making room for it.",
            "Err(InvalidData: …), the buffer's capacity under 64 KiB",
            &format!("{}, capacity {} bytes", show_result(&got), buf.capacity()),
        );
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
            let mut bytes = frame(b"hello");
            bytes.extend(frame(b"world"));
            bytes.extend(17u32.to_be_bytes()); // over max = 16: the end
            for piece in bytes.chunks(3) {
                client.write_all(piece).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            client // kept open: the decoder's error must end the stream, not our FIN
        });
        let (server, _) = listener.accept().await.unwrap();
        let mut frames = FramedRead::new(server, LengthPrefixed::new(16));
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
    let want = ["b\"hello\"", "b\"world\"", "Err(InvalidData)"];
    if got != want {
        fail(
            "Under FramedRead, over a socket, the frames (then the error for the header over max) are not right.",
            &want.join(", "),
            &got.join(", "),
        );
    }
}
