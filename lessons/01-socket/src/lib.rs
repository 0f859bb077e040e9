//! Lesson 01's exercise, and what it is given: `new_socket` makes every socket the lesson uses,
//! of the [`Kind`] asked for. It prints nothing: the lesson narrates each call around it, and
//! the tests check the sockets it makes.

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-01-socket` checks
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
pub use exercise::new_socket;

// ANCHOR: kind
/// The two kinds of socket this book uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A byte stream over a connection: TCP.
    Stream,
    /// Separate messages, no connection: UDP.
    Datagram,
}
// ANCHOR_END: kind
