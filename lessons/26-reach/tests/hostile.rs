// In exercise builds too: YOUR reach is the normal client. (Not in maintainers' variant
// builds: the variants are proven by tests/exercise.rs.)
#![cfg(not(feature = "variant"))]

//! The hostile-client battery (testkit::hostile) against lesson 26's TLS server (a task per
//! connection, on one thread): the normal client, the lesson's own (YOUR reach, in the
//! reference build ours), must be served WHILE each rude client is still connected, and after
//! it. The rude clients speak raw bytes, not TLS, as in lesson 22's battery.
//! `cargo test -p lesson-26-reach hostile -- --nocapture` prints each case's figures.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use testkit::hostile::Target;
use testkit::{lesson, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-26-reach");

/// Each case's server writes its own CA; the normal client finds it by the server's address.
static CA_FILES: Mutex<Option<HashMap<SocketAddr, (PathBuf, tempfile::TempDir)>>> =
    Mutex::new(None);

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
        // The start of a ClientHello: a handshake record (0x16) that promises 16384 bytes.
        &[
            0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3f, 0xfc, 0x03, 0x03,
        ],
        normal,
    )
    .concurrent(Duration::from_millis(3000))
    .max_rss_mb(24.0)
    .skip(
        "stop_continue",
        "its client finishes the request after the stop and expects an answer; a raw client \
         cannot finish a TLS handshake (lesson 22's battery skips it for the same reason)",
    )
}

/// The lesson's client: reach "localhost" on the server's port, trusting the case's CA.
fn normal(addr: SocketAddr) {
    let ca = {
        let files = CA_FILES.lock().unwrap_or_else(|e| e.into_inner());
        let found = files.as_ref().and_then(|f| f.get(&addr));
        found.expect("the server's CA file").0.clone()
    };
    lesson(BIN)
        .client(addr)
        .args(&["--ca", ca.to_str().unwrap(), "--name", "localhost"])
        .run()
        .success()
        .stdout_has("answer: HELLO");
}

testkit::hostile_battery!(target);
