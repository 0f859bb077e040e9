#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! What chapter 25 says about tokio-util's codecs, checked against the version in the
//! workspace's Cargo.lock: a claim the book makes that a new tokio-util breaks fails here.

use bytes::{BufMut, BytesMut};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio_util::codec::{Decoder, FramedRead, LengthDelimitedCodec, LinesCodec, LinesCodecError};

/// `decode` on a buffer, by hand: no socket needed.
fn buffer(bytes: &[u8]) -> BytesMut {
    BytesMut::from(bytes)
}

#[test]
fn lines_codec_refuses_a_long_line_then_discards_up_to_its_newline() {
    let mut codec = LinesCodec::new_with_max_length(4);
    // Four bytes and no newline yet: a line of 4 may still come.
    let mut buf = buffer(b"abcd");
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    // The fifth byte without a newline: refused at once, before the line ends.
    buf.put_slice(b"e");
    assert!(matches!(
        codec.decode(&mut buf),
        Err(LinesCodecError::MaxLineLengthExceeded)
    ));
    // Then the rest of that line is dropped as it comes, up to its newline ...
    buf.put_slice(b"fghij");
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    assert!(buf.is_empty(), "discarded bytes are not kept: {buf:?}");
    buf.put_slice(b"k\nok\n");
    // ... and the next line is a line again. Its \r (if any) goes too.
    assert_eq!(codec.decode(&mut buf).unwrap(), Some("ok".to_string()));
    let mut crlf = buffer(b"hi\r\n");
    assert_eq!(codec.decode(&mut crlf).unwrap(), Some("hi".to_string()));
}

#[test]
fn lines_codec_decode_eof_returns_an_unterminated_last_line() {
    let mut codec = LinesCodec::new();
    let mut buf = buffer(b"last");
    assert_eq!(
        codec.decode_eof(&mut buf).unwrap(),
        Some("last".to_string())
    );
}

#[test]
fn length_delimited_refuses_a_header_over_the_maximum_before_its_payload() {
    let mut codec = LengthDelimitedCodec::builder()
        .max_frame_length(1024)
        .new_codec();
    // Default: 4-byte big-endian length, then the payload.
    let mut buf = buffer(b"\0\0\0\x05hel");
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    buf.put_slice(b"lo");
    assert_eq!(&codec.decode(&mut buf).unwrap().unwrap()[..], b"hello");
    let mut huge = buffer(&(1u32 << 20).to_be_bytes());
    let err = codec.decode(&mut huge).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert_eq!(err.to_string(), "frame size too big");
    assert!(huge.capacity() < 64 * 1024, "{}", huge.capacity());
}

#[tokio::test(flavor = "current_thread")]
async fn a_framed_read_ends_its_stream_after_a_decoder_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut client = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    let mut lines = FramedRead::new(server, LinesCodec::new_with_max_length(4));
    let wait = testkit::timeout();
    client.write_all(b"toolong\nok\n").await.unwrap();
    let first = tokio::time::timeout(wait, lines.next()).await.unwrap();
    assert!(matches!(
        first,
        Some(Err(LinesCodecError::MaxLineLengthExceeded))
    ));
    // The next call says None, although the connection is open and "ok\n" is there.
    let second = tokio::time::timeout(wait, lines.next()).await.unwrap();
    assert!(second.is_none(), "{second:?}");
    // A loop `while let Some(line) = lines.next().await` stops here. (Called again, the
    // stream reads on: a None from FramedRead is not always the end of the connection.)
    client.write_all(b"more\n").await.unwrap();
    let third = tokio::time::timeout(wait, lines.next()).await.unwrap();
    assert_eq!(third.unwrap().unwrap(), "ok");
}
