//! The exercise's checks, on behaviour alone: what the function returns (and, for a socket
//! exercise, the bytes each client receives), never what anything prints.
//! (`cargo exercise lesson-28-reliable` runs them on src/exercise.rs.)

use lesson_28_reliable::reply;
use testkit::{fail, yours};

#[track_caller]
fn check(request: &[u8], expected: &[u8]) {
    let got = yours(|| reply(request));
    if got != expected {
        fail(
            &format!("reply(b\"{}\") is not the request in capitals.", request.escape_ascii()),
            &format!("b\"{}\"", expected.escape_ascii()),
            &format!("b\"{}\"", got.escape_ascii()),
        );
    }
}

#[test]
fn letters_become_capitals() {
    check(b"hello\n", b"HELLO\n");
}

#[test]
fn other_bytes_stay_as_they_are() {
    check(b"a1 \xff\x00z", b"A1 \xff\x00Z");
}

#[test]
fn an_empty_request_gets_an_empty_answer() {
    check(b"", b"");
}
