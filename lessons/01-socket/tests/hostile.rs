//! A rude first client (testkit::hostile::once): this server serves one client and exits, by
//! design of the chapter, so what must hold is that whatever that client does, the server never
//! hangs or panics: it answers, or says what went wrong and exits (`--limit-ms` bounds the
//! whole exchange). `cargo test -p lesson-01-socket hostile_once -- --nocapture` prints one
//! line per case. Reference build only.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::time::Duration;

use testkit::hostile::once::Once;
use testkit::Conn;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-01-socket");

fn target() -> Once {
    Once::server(BIN, &["--limit-ms", "3000"], b"hello\n", |addr| {
        let mut conn = Conn::open(addr);
        conn.send(b"hello\n").expect(b"HELLO\n");
        conn.expect_eof();
    })
    .limit(Duration::from_millis(3000))
}

testkit::hostile_once_battery!(target);
