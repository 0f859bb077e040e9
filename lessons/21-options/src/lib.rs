//! Lesson 21's exercise: `tune`, the options a request/answer client sets on its connection.
//! It prints nothing: the lesson narrates around it (`tune(connection)` in main.rs), and the
//! checks read back from the kernel what it set.

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-21-options` checks
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
pub use exercise::tune;
