//! Lesson 19's exercise: `connect_any`, try each address of a name in turn. It prints nothing:
//! the lesson hands it an attempt that narrates each connect() (with a timeout), and the tests
//! hand it one that records each call.

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-19-names` checks
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
pub use exercise::connect_any;
