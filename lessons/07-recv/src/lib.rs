//! Lesson 07's exercise, and what it is given: a `MessageReader` that reads length-prefixed
//! messages from anything that can be read (`impl Read`): each `read` is one recv(), which
//! may say `WouldBlock` on a non-blocking socket. `poll_message` answers with a `Polled`. The
//! lesson hands it a connection whose every recv() is narrated; the tests hand it fakes that
//! deliver bytes in the pieces they choose, and a real non-blocking socket. It prints
//! nothing: the lesson narrates around it.

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-07-recv` checks
// it), src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
#[cfg(not(feature = "variant"))]
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(not(feature = "exercise"), path = "solution.rs")]
mod exercise;
#[cfg(feature = "variant")]
mod exercise {
    include!(env!(
        "LESSON_VARIANT",
        "set LESSON_VARIANT to the variant's path (cargo xtask verify-exercises does)"
    ));
}
pub use exercise::MessageReader;

// ANCHOR: polled
/// What one call of `MessageReader::poll_message` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Polled {
    /// A whole message: its bytes, without the length.
    Message(Vec<u8>),
    /// No whole message yet: a recv() said `WouldBlock`. Call again when more bytes can come.
    NotYet,
    /// The peer closed between two messages: a clean end of stream.
    Closed,
}
// ANCHOR_END: polled
