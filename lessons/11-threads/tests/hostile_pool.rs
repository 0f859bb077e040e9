#![cfg(not(any(feature = "exercise", feature = "variant")))]

//! The hostile-client battery against lesson 11's server with a pool of 4 workers: a hostile
//! client holds one worker (for at most the line's deadline, 3 s), and a normal client is
//! served by another one meanwhile. (tests/exchange.rs runs it with a thread per connection.)

use std::time::Duration;

use testkit::{Conn, Server};

const BIN: &str = env!("CARGO_BIN_EXE_lesson-11-threads");

fn hostile_target() -> testkit::hostile::Target {
    testkit::hostile::Target::new(
        |extra| {
            let mut args = vec!["--pool", "4", "--timeout", "3"];
            args.extend_from_slice(extra);
            Server::start(BIN, &args)
        },
        b"hello\n",
        |addr| {
            Conn::open(addr)
                .send(b"hello\n")
                .expect(b"HELLO\n")
                .shutdown_write()
                .expect_eof();
        },
    )
    .concurrent(Duration::from_secs(3))
}

testkit::hostile_battery!(hostile_target);
