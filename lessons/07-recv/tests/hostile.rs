//! A rude first client (testkit::hostile::once), newline framing. This server serves one
//! client until it closes, then exits (by design of the chapter), so what must hold is that
//! whatever that client does, the server never hangs or panics: it answers, or says what went
//! wrong and exits. Its limits: `--timeout-ms` for each recv() and each send (the chapter
//! shows why that alone does not bound a trickle), and `--max` bytes per message, which does:
//! a client that trickles one byte every 150 ms is cut once its line passes `--max`. So the
//! cases run with a small `--max` (16: about 2 s of trickle). `cargo test -p lesson-07-recv
//! hostile_once -- --nocapture` prints one line per case. Reference build only.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use std::time::Duration;

use testkit::hostile::once::Once;
use testkit::Conn;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-07-recv");

fn target() -> Once {
    Once::server(
        BIN,
        &["--timeout-ms", "1000", "--max", "16"],
        // Short, so that its non-UTF-8 copy (4 bytes for each byte) stays under --max.
        b"hi\n",
        |addr| {
            let mut conn = Conn::open(addr);
            conn.send(b"hello\n").expect(b"got #1: hello\n");
            conn.stream().shutdown(std::net::Shutdown::Write).unwrap();
            conn.expect_eof();
        },
    )
    // 16 bytes at one every 150 ms, less the 2 sent at once: 2.1 s; a silent client, 1 s.
    .limit(Duration::from_millis(2500))
}

testkit::hostile_once_battery!(target);
