//! The small helper crate every lesson shares.
//!
//! It does the parts that are the same in every lesson, so that a lesson's `main.rs` can be
//! about its system call and nothing else:
//!
//! - [`cli`]: the one command line all lessons speak (`demo`, `server`, `client`, `--addr`,
//!   `--step`, `--help`) and the `listening on HOST:PORT` readiness line;
//! - [`narrate`]: the narrator: a call is one line (`say.call("bind(…)", why, || …)?`, or
//!   `say.call_async("connect(…)", why, future).await?` in a tokio lesson) or happens behind
//!   an I/O adapter ([`Narrated`]); step mode; how bytes are shown;
//! - [`trace`]: what the narrator records: one event per call, note, kernel view, segment or
//!   bytes moved, rendered as the terminal text, as `--trace FILE` (JSON lines) and, by
//!   testkit, as the book's sequence diagram;
//! - [`kernel`]: what the operating system holds for a socket (TCP state, queues), read from
//!   the kernel on Linux (sock_diag netlink, or `/proc/net/tcp`);
//! - [`error`]: errors that name the call that failed and give a hint;
//! - [`talk`]: send a whole message, close, getsockname — narrated steps lessons 1–7 share;
//! - [`listener`]: the listening socket of lessons 9 to 17, still made and narrated call by call;
//! - `lines` (feature `tokio`): the cancel-safe, size-limited async line reader of lessons 13 and 16,
//!   their narrated line client, and `within` (an async call with a time limit).
//!
//! The socket calls a chapter teaches stay in the lesson, each on its own line; `talk` and
//! `listener` hold the calls that earlier chapters taught and later lessons share.

pub mod cli;
#[cfg(target_os = "linux")]
mod diag;
pub mod error;
pub mod kernel;
#[cfg(feature = "tokio")]
pub mod lines;
pub mod listener;
pub mod narrate;
pub mod talk;
pub mod trace;
pub mod wire;

pub use cli::{Flag, Lesson, Mode, Options};
pub use error::{LessonError, Result};
pub use narrate::{show_bytes, CallName, Narrated, Narrator, Shown};
