//! Lesson 07's exercise, and what it is given: `read_message` reads from anything that can
//! be read (`impl Read`): each `read` is one recv(). The lesson hands it a connection whose
//! every recv() is narrated; the tests hand it fakes that deliver bytes in the pieces they
//! choose. It prints nothing: the lesson narrates around it.

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
pub use exercise::read_message;
