//! Lesson 02's exercise: `bind_in_range` binds a socket to the first free port of a range, as
//! a development server does when its port is taken. It prints nothing: the lesson hands it a
//! `bind(addr)` that narrates each attempt (socket, setsockopt, bind), and the tests hand it
//! one that records each attempt and says which ports are taken.

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
pub use exercise::bind_in_range;
