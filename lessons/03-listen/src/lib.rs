//! Lesson 03's exercise: `start_listening` turns a bound socket into a listening one, with the
//! backlog it is given. It prints nothing: the lesson narrates the call around it
//! (`listen(backlog=N) -> ok`), and the tests check what the socket does afterwards.

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-03-listen` checks
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
pub use exercise::start_listening;
