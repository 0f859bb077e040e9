//! A rude first client (testkit::hostile::once): this server serves one client and exits, by
//! design of the chapter, so what must hold is that whatever that client does, the server never
//! hangs or panics: it answers, or says what went wrong and exits (`--limit-ms` bounds the
//! whole exchange). `cargo test -p lesson-05-connect hostile_once -- --nocapture` prints one
//! line per case. Reference build only.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::time::Duration;

use testkit::hostile::once::Once;
use testkit::Conn;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-05-connect");

fn target() -> Once {
    Once::server(BIN, &["--limit-ms", "3000"], b"hello\n", |addr| {
        let mut conn = Conn::open(addr);
        let me = conn.stream().local_addr().unwrap();
        conn.send(b"hello\n");
        assert_eq!(conn.read_line(), format!("you came from {me}"));
        conn.expect_eof();
    })
    .limit(Duration::from_millis(3000))
}

testkit::hostile_once_battery!(target);
