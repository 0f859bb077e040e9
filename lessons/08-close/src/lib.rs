//! Lesson 08's exercise: the client's side of a half-closed exchange, on a plain connected
//! `TcpStream`. It prints nothing: the lesson narrates around it, and the tests play the
//! server and check what it receives and what your functions return.

// The functions you write: src/exercise.rs is yours (`cargo exercise lesson-08-close` checks
// them), src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
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
pub use exercise::{read_answer, send_request};
