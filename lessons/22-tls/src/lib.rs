//! Lesson 22's exercise: `connect_tls`, the client's side of the TLS handshake. It prints
//! nothing: the lesson narrates around it (`TlsConnector::connect(…)` in main.rs), and the
//! checks run it against TLS servers of their own.

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-22-tls` checks it),
// src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
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
pub use exercise::connect_tls;
