//! The exercise's checks, on behaviour alone: the latencies the function returns for made-up
//! timetables (no sockets needed: the times are what a paced connection records).
//! (`cargo exercise lesson-29-load` runs them on src/exercise.rs.)

use std::time::{Duration, Instant};

use lesson_29_load::latencies;
use testkit::{fail, yours};

const MS: Duration = Duration::from_millis(1);

/// Times `ms` milliseconds after `t0`.
fn at(t0: Instant, ms: &[u64]) -> Vec<Instant> {
    ms.iter().map(|&m| t0 + MS * m as u32).collect()
}

#[track_caller]
fn check(what: &str, interval_ms: u64, sent: &[u64], answered: &[u64], expected: &[u64]) {
    let t0 = Instant::now();
    let got = yours(|| {
        latencies(
            t0,
            MS * interval_ms as u32,
            &at(t0, sent),
            &at(t0, answered),
        )
    });
    let got_ms: Vec<u128> = got.iter().map(|d| d.as_millis()).collect();
    let expected_ms: Vec<u128> = expected.iter().map(|&m| m as u128).collect();
    if got_ms != expected_ms {
        fail(
            what,
            &format!("{expected_ms:?} (ms)"),
            &format!("{got_ms:?} (ms)"),
        );
    }
}

#[test]
fn a_server_on_time_gives_its_own_delay() {
    // One request every 10 ms, each answered 2 ms after it went.
    check(
        "Requests sent on time and answered in 2 ms should each take 2 ms.",
        10,
        &[0, 10, 20, 30],
        &[2, 12, 22, 32],
        &[2, 2, 2, 2],
    );
}

#[test]
fn a_stall_delays_every_request_that_was_due_during_it() {
    // The answer to request 0 takes 35 ms. Requests 1, 2 and 3 were due at 10, 20 and 30 ms,
    // but the connection was waiting: each went at 35 ms, after that answer, and was
    // answered 1 ms later. A user who asked at 10 ms waited 26 ms, not 1.
    check(
        "After a 35 ms stall, the requests due during it waited from their due time.",
        10,
        &[0, 35, 36, 37, 40],
        &[35, 36, 37, 38, 41],
        &[35, 26, 17, 8, 1],
    );
}

#[test]
fn requests_never_answered_get_no_latency() {
    // The run ended after three requests went and two answers came.
    check(
        "Three requests sent and two answered: two latencies, one per answer.",
        10,
        &[0, 10, 20],
        &[3, 13],
        &[3, 3],
    );
}

#[test]
fn no_answers_no_latencies() {
    check("Nothing answered: no latencies.", 10, &[0], &[], &[]);
}

#[test]
fn nothing_sent_no_latencies() {
    // The connection failed before its first request: nothing sent, nothing answered.
    check("Nothing sent: no latencies.", 10, &[], &[], &[]);
}

#[test]
fn a_late_first_request_counts_from_the_timetable_too() {
    // The timetable starts at 0, but the first request went at 50 ms (the connection was
    // slow to get going); the user meant to ask at 0 and waited 60 ms for the answer, and the
    // next requests are late by the same delay.
    check(
        "The first request went 50 ms late: its latency too runs from when it was due (start), \
         not from when it went.",
        10,
        &[50, 61, 62],
        &[60, 62, 63],
        &[60, 52, 43],
    );
}
