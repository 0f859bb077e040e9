//! Lesson 24: local sockets (Unix domain sockets, AF_UNIX; unix(7)).
//!
//! - A path instead of a port: bind() makes a socket FILE, which stays after close(); a new
//!   bind() on it fails with EADDRINUSE until someone unlinks it, and connect() to it is
//!   refused. Its permissions decide who may connect.
//! - Lesson 09's echo over it: the same calls, another address family.
//! - The peer's credentials (SO_PEERCRED, Linux): the kernel says which pid, uid and gid is
//!   at the other end, and no client can lie about it.
//! - socketpair(): two sockets already connected, no path at all; one end goes to a child
//!   process as its standard input.
//! - Passing a descriptor (SCM_RIGHTS): the parent accepts a TCP connection and sends it to
//!   the child, which serves it. The exchange: `hello\n` from a TCP client, echoed by the child.
//! - SOCK_DGRAM: datagrams that keep their boundaries and, unlike UDP, are never lost.

use std::process::ExitCode;

use common::{Flag, Lesson};

#[cfg(unix)]
mod local;

static LESSON: Lesson = Lesson {
    package: "lesson-24-local",
    title: "local sockets: a path instead of a port, socketpair, SO_PEERCRED, SCM_RIGHTS",
    port: 7024,
    about: "The demo binds a Unix socket in a new directory of the temporary directory, echoes two\n\
            lines over it, shows what is left of it when it closes, then hands a TCP connection\n\
            to a child process over a socketpair (SCM_RIGHTS), and sends two datagrams.\n\
            The server echoes lines (at most 1024 bytes; each whole line within --timeout) on\n\
            the Unix socket at --path, many clients at once; the client sends its standard\n\
            input's lines there and prints each echo. --addr is not used: a local socket has a\n\
            path, not an address and a port.\n\
            Try it with: ss -xlp, ls -l on the path, and: nc -U PATH (or socat - UNIX-CONNECT:PATH)",
    flags: &[
        Flag {
            name: "--path",
            value: Some("PATH"),
            help: "server: where to bind; client: where to connect (default: lesson-24-local.sock in the temporary directory)",
        },
        Flag {
            name: "--timeout",
            value: Some("SECS"),
            help: "server: deadline for each whole line and each echo (default 10)",
        },
    ],
};

// ANCHOR: main
fn main() -> ExitCode {
    // The demo's child process (section 4) is this program again.
    #[cfg(target_os = "linux")]
    if let Some(trace) = std::env::var_os(local::CHILD_ENV) {
        return local::child_main(&LESSON, trace);
    }
    #[cfg(unix)]
    return common::cli::main(&LESSON, local::demo, local::server, local::client);
    #[cfg(not(unix))]
    common::cli::main(&LESSON, elsewhere, elsewhere, elsewhere)
}
// ANCHOR_END: main

/// Windows 10 (1803) and later have AF_UNIX stream sockets, but Rust's standard library
/// exposes them only on Unix (`std::os::unix::net`).
#[cfg(not(unix))]
fn elsewhere(_: &common::Options) -> common::Result<()> {
    println!(
        "Unix domain sockets are not in Rust's standard library here: std::os::unix::net exists \
         on Unix (Linux, macOS, the BSDs) only. Windows 10 (version 1803) and later have AF_UNIX \
         stream sockets, but std does not expose them. Run this lesson on Linux or macOS \
         (or in WSL)."
    );
    Ok(())
}
