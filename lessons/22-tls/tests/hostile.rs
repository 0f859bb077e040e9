#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! The hostile-client battery (testkit::hostile) against lesson 22's TLS server (a task per
//! connection, on one thread): a normal client, the lesson's own TLS client, must be served
//! WHILE each rude client is still connected, and after it. The rude clients speak raw bytes,
//! not TLS: a TLS server must drop them (an alert, or the handshake's deadline) and nothing
//! else. `cargo test -p lesson-22-tls hostile -- --nocapture` prints each case's figures.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use testkit::hostile::Target;
use testkit::{lesson, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-22-tls");

/// Each case's server writes its own CA; the normal client finds it by the server's address.
static CA_FILES: Mutex<Option<HashMap<SocketAddr, (PathBuf, tempfile::TempDir)>>> =
    Mutex::new(None);

/// The server as the battery starts it: 3 s for the handshake, each whole line and each
/// answer (longer than the battery's 2 s margin, so that the rude client is still connected
/// while the normal one is served).
fn target() -> Target {
    Target::new(
        |extra| {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let ca = dir.path().join("ca.pem");
            let mut args = vec!["--timeout", "3", "--ca", ca.to_str().unwrap()];
            args.extend_from_slice(extra);
            let server = Server::start(BIN, &args);
            let mut files = CA_FILES.lock().unwrap_or_else(|e| e.into_inner());
            files
                .get_or_insert_with(HashMap::new)
                .insert(server.addr, (ca, dir));
            server
        },
        // What the rude clients send (over and over, or cut short): the start of a ClientHello,
        // a handshake record (0x16) that promises 16384 bytes. Cut short and trickled, only
        // the handshake's deadline can end it; sent whole and repeated, its body is nonsense
        // and the handshake fails at once.
        &[
            0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3f, 0xfc, 0x03, 0x03,
        ],
        normal,
    )
    .concurrent(Duration::from_millis(3000))
    // One thread; rustls' buffers are bounded (a record is at most 16 KiB + 256).
    .max_rss_mb(24.0)
    .skip(
        "stop_continue",
        "its client finishes the request after the stop and expects an answer; a raw client \
         cannot finish a TLS handshake, and the half ClientHello gets none (end of stream, no \
         alert). The runtime that retries EINTR is lesson 13's, which passes this case",
    )
}

/// A normal client: the lesson's own, trusting the case's CA: a line in, the same line out.
fn normal(addr: SocketAddr) {
    let ca = {
        let files = CA_FILES.lock().unwrap_or_else(|e| e.into_inner());
        let found = files.as_ref().and_then(|f| f.get(&addr));
        found.expect("the server's CA file").0.clone()
    };
    lesson(BIN)
        .client(addr)
        .args(&["--ca", ca.to_str().unwrap()])
        .stdin(b"hello\n")
        .run()
        .success()
        .stdout_has("echo: hello");
}

testkit::hostile_battery!(target);
