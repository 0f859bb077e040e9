//! Lesson 01's exercise: `socket_for` makes every socket the lesson uses, from a spec that
//! names the endpoint (`tcp://127.0.0.1:7001`). It prints nothing: the lesson narrates each
//! call around it, and the tests check the sockets it makes.

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
pub use exercise::socket_for;
