//! `--quiet` with no `--trace`: nobody hears the narration, so none is made (a measured
//! server pays for its design, not for text nobody reads), yet a failed call still names
//! itself in its error. (A test binary of its own: quiet mode is one switch per process.)

use std::cell::Cell;
use std::io;

use common::narrate::{heard, set_quiet};
use common::Narrator;

#[test]
fn a_quiet_narrator_makes_no_text_but_still_names_a_failed_call() {
    let say = Narrator::new("server", "common");
    let shown = Cell::new(0);
    let show = |_: &usize| {
        shown.set(shown.get() + 1);
        "6 bytes".to_string()
    };

    // Heard: the result's text is made.
    assert!(heard());
    say.call_then("recv(64)", "why", || Ok(6), show).unwrap();
    assert_eq!(shown.get(), 1);

    set_quiet(true);
    assert!(!heard());
    say.call_then("recv(64)", "why", || Ok(6), show).unwrap();
    assert_eq!(
        shown.get(),
        1,
        "a quiet run formatted a result nobody reads"
    );

    let refused = || Err::<usize, _>(io::Error::from(io::ErrorKind::ConnectionRefused));
    let err = say.call_then("connect(127.0.0.1:1)", "why", refused, show);
    let err = err.unwrap_err();
    assert_eq!(err.call, "connect(127.0.0.1:1)");
    assert_eq!(
        err.source.map(|e| e.kind()),
        Some(io::ErrorKind::ConnectionRefused)
    );
    set_quiet(false);
}
