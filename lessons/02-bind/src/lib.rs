//! Lesson 02's exercise: `bind_to` binds a socket and finds out which address it really got.
//! It prints nothing: the lesson narrates the call around it (`bind(ADDR) -> ok, …`), and the
//! tests check what it does to the socket and what it returns.

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-02-bind` checks
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
pub use exercise::bind_to;
