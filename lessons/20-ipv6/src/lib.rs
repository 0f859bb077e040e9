//! Lesson 20's exercise: `unmap`, the address a peer of a dual-stack socket really has. It
//! prints nothing: the lesson's server calls it and narrates around it, and the tests check
//! what it returns.

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-20-ipv6` checks
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
pub use exercise::unmap;
