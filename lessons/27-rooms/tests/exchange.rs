//! Lesson 27's exchange, checked for real, and the output the book shows. These check the
//! lesson as the book shows it, narration and all, so they run on the reference build only;
//! the exercise's checks are tests/exercise.rs.
#![cfg(not(any(feature = "exercise", feature = "variant")))]

use testkit::BookOutput;

const BIN: &str = env!("CARGO_BIN_EXE_lesson-27-rooms");

// TODO: the exchange over real sockets (testkit's Server and Conn: port 0, no sleeps, a
// timeout on every wait), asserting bytes and exit codes, not wording.

#[test]
fn the_book_shows_what_the_demo_prints() {
    BookOutput::new(BIN, "lesson-27-rooms").check();
}
