//! The exercise's checks, on behaviour alone: what `latencies` returns for made-up records of
//! one paced connection (no sockets needed: the times are what a paced connection records).
//! Times are in milliseconds after the start of the connection's timetable.
//! (`cargo exercise lesson-29-load` runs them on src/exercise.rs.)

use std::io;
use std::time::{Duration, Instant};

use lesson_29_load::{latencies, Latency, MOST_DUE};
use testkit::{fail, yours};

const MS: Duration = Duration::from_millis(1);
const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

/// What the checks expect, in milliseconds: `Answered(ms)` or `AtLeast(ms)`.
use Expected::{AtLeast, A};
#[derive(Clone, Copy)]
enum Expected {
    A(u64),
    AtLeast(u64),
}

/// One paced connection's record, in milliseconds after its start.
struct Record {
    interval_ms: u64,
    end_ms: u64,
    sent: &'static [u64],
    answered: &'static [u64],
}

impl Record {
    /// Your function on this record, its times counted from `t0`.
    fn run(&self) -> io::Result<Vec<Latency>> {
        let t0 = Instant::now();
        let at = |ms: &[u64]| -> Vec<Instant> { ms.iter().map(|&m| t0 + MS * m as u32).collect() };
        yours(|| {
            latencies(
                t0,
                MS * self.interval_ms as u32,
                t0 + MS * self.end_ms as u32,
                &at(self.sent),
                &at(self.answered),
            )
        })
    }
}

/// `[2 ms, ≥ 30 ms]`; a long list as its first and last entries and how many.
fn show(counted: &[Latency]) -> String {
    let one = |l: &Latency| match l {
        Latency::Answered(d) => duration(*d),
        Latency::AtLeast(d) => format!("≥ {}", duration(*d)),
    };
    let join = |part: &[Latency]| part.iter().map(one).collect::<Vec<_>>().join(", ");
    match counted.len() {
        0..=12 => format!("[{}]", join(counted)),
        n => format!(
            "[{}, …, {}] ({n} entries)",
            join(&counted[..4]),
            join(&counted[n - 2..])
        ),
    }
}

fn duration(d: Duration) -> String {
    if d >= YEAR {
        format!("{:.1} years", d.as_secs_f64() / YEAR.as_secs_f64())
    } else {
        // Exact, to the nanosecond: 999.999001 ms.
        let ns = d.as_nanos();
        let fraction = format!("{:06}", ns % 1_000_000);
        match fraction.trim_end_matches('0') {
            "" => format!("{} ms", ns / 1_000_000),
            digits => format!("{}.{digits} ms", ns / 1_000_000),
        }
    }
}

fn got(result: &io::Result<Vec<Latency>>) -> String {
    match result {
        Ok(counted) => format!("Ok({})", show(counted)),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}

/// The record must give exactly these, in this order.
#[track_caller]
fn check(what: &str, record: Record, expected: &[Expected]) {
    let expected: Vec<Latency> = expected
        .iter()
        .map(|e| match *e {
            A(ms) => Latency::Answered(MS * ms as u32),
            AtLeast(ms) => Latency::AtLeast(MS * ms as u32),
        })
        .collect();
    let result = record.run();
    // A wrong count first: it is the mistake, whatever the entries it did make look like.
    if let Ok(counted) = &result {
        let (n, m) = (counted.len(), expected.len());
        let which = if n < m {
            format!(
                "the request due at {} ms is missing",
                n as u64 * record.interval_ms
            )
        } else {
            format!(
                "the one due at {} ms is not the run's: the end is at {} ms",
                m as u64 * record.interval_ms,
                record.end_ms
            )
        };
        if n != m {
            let what = format!(
                "{}, expected {m}: one per request due before the end ({which}).\n\
                 The check: {what}",
                entries(n)
            );
            fail(&what, &format!("Ok({})", show(&expected)), &got(&result));
        }
    }
    expect(what, result, &expected);
}

#[track_caller]
fn expect(what: &str, result: io::Result<Vec<Latency>>, expected: &[Latency]) {
    if !matches!(&result, Ok(counted) if counted == expected) {
        let what = match &result {
            Ok(counted) if counted.len() != expected.len() => format!(
                "{}, expected {}: one per request due before the end.\nThe check: {what}",
                entries(counted.len()),
                expected.len()
            ),
            _ => what.to_string(),
        };
        fail(&what, &format!("Ok({})", show(expected)), &got(&result));
    }
}

/// `1 entry`, `4 entries`.
fn entries(n: usize) -> String {
    match n {
        1 => "1 entry".to_string(),
        n => format!("{n} entries"),
    }
}

/// The record must be refused with InvalidInput.
#[track_caller]
fn refused(what: &str, result: io::Result<Vec<Latency>>) {
    if !matches!(&result, Err(e) if e.kind() == io::ErrorKind::InvalidInput) {
        fail(what, "Err(InvalidInput)", &got(&result));
    }
}

// ---------------------------------------------------------------------------------------
// Answered requests.

#[test]
fn a_server_on_time_gives_its_own_delay() {
    check(
        "Requests sent on time and answered in 2 ms should each count 2 ms.",
        Record {
            interval_ms: 10,
            end_ms: 35,
            sent: &[0, 10, 20, 30],
            answered: &[2, 12, 22, 32],
        },
        &[A(2), A(2), A(2), A(2)],
    );
}

#[test]
fn a_stall_delays_every_request_that_was_due_during_it() {
    // The answer to request 0 took 35 ms. Requests 1, 2 and 3 were due at 10, 20 and 30 ms,
    // but the connection was waiting: each went after the answer before it, and was answered
    // 1 ms later. A user who asked at 10 ms waited 26 ms, not 1.
    check(
        "After a 35 ms stall, each request due during it waited from the moment it was due, \
         not from the moment it could go.",
        Record {
            interval_ms: 10,
            end_ms: 45,
            sent: &[0, 35, 36, 37, 40],
            answered: &[35, 36, 37, 38, 41],
        },
        &[A(35), A(26), A(17), A(8), A(1)],
    );
}

#[test]
fn a_late_first_request_counts_from_the_timetable_too() {
    // The timetable starts at 0, but the first request went at 15 ms (the connection was slow
    // to get going): its user meant to ask at 0.
    check(
        "The first request went 15 ms late: its latency too runs from when it was due (the \
         start of the timetable), not from when it went.",
        Record {
            interval_ms: 10,
            end_ms: 29,
            sent: &[15, 26, 27],
            answered: &[25, 27, 28],
        },
        &[A(25), A(17), A(8)],
    );
}

#[test]
fn an_answer_after_the_end_is_a_latency_not_a_bound() {
    // The last request (due at 20 ms) was answered at 45 ms, after the run's end at 25 ms:
    // the generator waited for it, and its user's wait is known.
    check(
        "The answer to the request due at 20 ms came at 45 ms, after the end (25 ms): its \
         user waited 25 ms, a latency like the others, not a lower bound.",
        Record {
            interval_ms: 10,
            end_ms: 25,
            sent: &[0, 10, 20],
            answered: &[2, 12, 45],
        },
        &[A(2), A(2), A(25)],
    );
}

// ---------------------------------------------------------------------------------------
// The tail: due, and no answer.

#[test]
fn the_request_stuck_at_the_end_counts_at_least_its_wait() {
    // Request 1 took 15 ms; request 2 (due at 20 ms) went at 25 ms, and had no answer by the
    // end at 28 ms. Its user had waited 8 ms by then, and was still waiting.
    check(
        "The request due at 20 ms went at 25 ms and had no answer at the end (28 ms): it \
         counts, as at least the 8 ms from when it was due until the end.",
        Record {
            interval_ms: 10,
            end_ms: 28,
            sent: &[0, 10, 25],
            answered: &[2, 25],
        },
        &[A(2), A(15), AtLeast(8)],
    );
}

#[test]
fn requests_that_never_went_count_too() {
    // The server stopped answering after request 0: request 1 went at 10 ms and is stuck;
    // requests 2, 3, 4 (due at 20, 30, 40 ms) never went, the connection was waiting.
    check(
        "The server stopped answering at 10 ms: the request it never answered AND the three \
         due after it, which never went, each count as at least their wait until the end \
         (45 ms).",
        Record {
            interval_ms: 10,
            end_ms: 45,
            sent: &[0, 10],
            answered: &[2],
        },
        &[A(2), AtLeast(35), AtLeast(25), AtLeast(15), AtLeast(5)],
    );
}

#[test]
fn a_server_stalled_for_the_whole_run_counts_every_request() {
    check(
        "The server never answered: every request due in the run (at 0, 10, 20 and 30 ms) \
         counts, as at least its wait until the end (35 ms).",
        Record {
            interval_ms: 10,
            end_ms: 35,
            sent: &[0],
            answered: &[],
        },
        &[AtLeast(35), AtLeast(25), AtLeast(15), AtLeast(5)],
    );
}

#[test]
fn a_connection_that_failed_early_owes_the_rest_of_its_requests() {
    // Two requests answered, then the connection was reset: the record stops there, with no
    // request stuck, and the requests due at 20, 30 and 40 ms were never made.
    check(
        "The connection failed after two answers (nothing stuck): the requests due later, \
         never sent, still count, as at least their wait until the end (45 ms).",
        Record {
            interval_ms: 10,
            end_ms: 45,
            sent: &[0, 10],
            answered: &[1, 11],
        },
        &[A(1), A(1), AtLeast(25), AtLeast(15), AtLeast(5)],
    );
    check(
        "The connection failed before its first request: the requests due at 0, 10 and \
         20 ms each count, as at least their wait until the end (25 ms).",
        Record {
            interval_ms: 10,
            end_ms: 25,
            sent: &[],
            answered: &[],
        },
        &[AtLeast(25), AtLeast(15), AtLeast(5)],
    );
}

// ---------------------------------------------------------------------------------------
// Where the run ends.

#[test]
fn a_request_due_at_the_end_is_not_part_of_the_run() {
    check(
        "With the end at 30 ms, the requests due at 0, 10 and 20 ms are the run's; the one \
         due at 30 ms exactly is not (nothing for it).",
        Record {
            interval_ms: 10,
            end_ms: 30,
            sent: &[0, 10, 20],
            answered: &[1, 11, 21],
        },
        &[A(1), A(1), A(1)],
    );
    check(
        "With the end at 31 ms, the request due at 30 ms is the run's: it never went, and \
         waited at least 1 ms.",
        Record {
            interval_ms: 10,
            end_ms: 31,
            sent: &[0, 10, 20],
            answered: &[1, 11, 21],
        },
        &[A(1), A(1), A(1), AtLeast(1)],
    );
    check(
        "With the end at 20 ms, the request due at 20 ms is not the run's, even answered: \
         nothing for it.",
        Record {
            interval_ms: 10,
            end_ms: 20,
            sent: &[0, 10, 20],
            answered: &[1, 11, 21],
        },
        &[A(1), A(1)],
    );
}

#[test]
fn an_empty_run_counts_nothing() {
    check(
        "A run that ends where it starts has nothing due.",
        Record {
            interval_ms: 10,
            end_ms: 0,
            sent: &[],
            answered: &[],
        },
        &[],
    );
    let t0 = Instant::now() + 100 * MS;
    expect(
        "A run that ends before its timetable starts has nothing due.",
        yours(|| latencies(t0, 10 * MS, t0 - 50 * MS, &[], &[])),
        &[],
    );
}

// ---------------------------------------------------------------------------------------
// Records that make no sense.

#[test]
fn an_interval_of_zero_is_refused() {
    // Every request would be due at the start: no end to them.
    refused(
        "An interval of zero must be refused (InvalidInput), even in a run with nothing due.",
        Record {
            interval_ms: 0,
            end_ms: 0,
            sent: &[],
            answered: &[],
        }
        .run(),
    );
}

#[test]
fn more_answers_than_requests_are_refused() {
    refused(
        "Two answers for one request sent: the record must be refused (InvalidInput).",
        Record {
            interval_ms: 10,
            end_ms: 30,
            sent: &[0],
            answered: &[1, 11],
        }
        .run(),
    );
}

#[test]
fn an_answer_before_its_request_is_refused() {
    refused(
        "The answer to request 1 came at 9 ms, before request 1 went (10 ms): the record must \
         be refused (InvalidInput).",
        Record {
            interval_ms: 10,
            end_ms: 30,
            sent: &[0, 10],
            answered: &[1, 9],
        }
        .run(),
    );
    refused(
        "Request 1 was due at 10 ms and went late, at 20 ms; its answer is recorded at 15 ms: \
         after it was due, but before it went. The record must be refused (InvalidInput): an \
         answer is checked against when its request went.",
        Record {
            interval_ms: 10,
            end_ms: 30,
            sent: &[0, 20],
            answered: &[2, 15],
        }
        .run(),
    );
}

#[test]
fn a_request_sent_before_it_was_due_is_refused() {
    refused(
        "Request 1 went at 5 ms, but it was due at 10 ms: the record must be refused \
         (InvalidInput).",
        Record {
            interval_ms: 10,
            end_ms: 30,
            sent: &[0, 5],
            answered: &[1, 6],
        }
        .run(),
    );
    refused(
        "Request 2 went at 15 ms, but it was due at 20 ms: the record must be refused \
         (InvalidInput), though request 2 is not part of the run (the end is at 20 ms).",
        Record {
            interval_ms: 10,
            end_ms: 20,
            sent: &[0, 10, 15],
            answered: &[1, 11, 16],
        }
        .run(),
    );
}

// ---------------------------------------------------------------------------------------
// Durations too big for the obvious arithmetic.

#[test]
fn an_interval_of_duration_max_does_not_overflow() {
    let t0 = Instant::now();
    expect(
        "With an interval of Duration::MAX only request 0 is ever due (request 1's due time \
         is past any Instant): one latency, and no overflow.",
        yours(|| latencies(t0, Duration::MAX, t0 + 1000 * MS, &[t0], &[t0 + MS])),
        &[Latency::Answered(MS)],
    );
    refused(
        "With an interval of Duration::MAX, request 1 is never due: a record where it went \
         must be refused (InvalidInput), without an overflow.",
        yours(|| {
            latencies(
                t0,
                Duration::MAX,
                t0 + 1000 * MS,
                &[t0, t0 + 2 * MS],
                &[t0 + MS],
            )
        }),
    );
}

#[test]
fn a_run_of_a_thousand_years_does_not_overflow() {
    let t0 = Instant::now();
    let Some(end) = t0.checked_add(1000 * YEAR) else {
        return eprintln!("this platform's Instant cannot be 1000 years later: skipped");
    };
    // Due at 0, 400 and 800 years; nothing ever sent.
    expect(
        "A run of 1000 years with one request every 400 years: three requests due (at 0, 400 \
         and 800 years), none answered. (1000 years is more nanoseconds than a u64 holds.)",
        yours(|| latencies(t0, 400 * YEAR, end, &[], &[])),
        &[
            Latency::AtLeast(1000 * YEAR),
            Latency::AtLeast(600 * YEAR),
            Latency::AtLeast(200 * YEAR),
        ],
    );
    expect(
        "An interval of Duration::MAX in a run of 1000 years: only request 0 is due.",
        yours(|| latencies(t0, Duration::MAX, end, &[], &[])),
        &[Latency::AtLeast(1000 * YEAR)],
    );
}

#[test]
fn a_long_interval_keeps_every_nanosecond() {
    let t0 = Instant::now();
    // A century and 0.9999999 s; a century and 1 ns.
    for interval in [
        Duration::new(100 * YEAR.as_secs(), 999_999_900),
        Duration::new(100 * YEAR.as_secs(), 1),
    ] {
        let Some(end) = t0.checked_add(2 * interval) else {
            return eprintln!("this platform's Instant cannot be 200 years later: skipped");
        };
        // Both requests went exactly when due, and were answered 1 ms later.
        let second = t0 + interval;
        expect(
            &format!(
                "With an interval of {}.{:09} s (a century and a fraction of a second), \
                 request 1 went exactly when due, at start + interval, and was answered 1 ms \
                 later: 1 ms each. Due times are exact to the nanosecond (an f64 of seconds is \
                 not: a century is about 2^31 s, where f64 steps are hundreds of nanoseconds).",
                interval.as_secs(),
                interval.subsec_nanos()
            ),
            yours(|| latencies(t0, interval, end, &[t0, second], &[t0 + MS, second + MS])),
            &[Latency::Answered(MS), Latency::Answered(MS)],
        );
    }
}

// ---------------------------------------------------------------------------------------
// At most a million requests due.

#[test]
fn a_run_of_more_than_a_million_requests_due_is_refused() {
    const US: Duration = Duration::from_micros(1);
    let t0 = Instant::now();
    assert_eq!(MOST_DUE, 1_000_000, "this check counts on a million");
    // First the one over: a function that makes every entry makes a million and one here
    // (24 MB), not 10^12 as below.
    refused(
        "With one request every microsecond and the end 1 s + 1 ns after the start, \
         1000001 requests are due, one more than MOST_DUE: the run must be refused \
         (InvalidInput).",
        yours(|| latencies(t0, US, t0 + Duration::new(1, 1), &[], &[])),
    );
    let counted = yours(|| latencies(t0, US, t0 + Duration::from_secs(1), &[], &[]));
    // Request i, due at i µs, waited at least until the end: 1 s − i µs.
    let waited = |i: usize| Latency::AtLeast(Duration::from_secs(1) - US * i as u32);
    let ok = matches!(&counted, Ok(c) if c.len() == MOST_DUE
        && c.iter().enumerate().all(|(i, l)| *l == waited(i)));
    if !ok {
        fail(
            "With one request every microsecond and the end 1 s after the start, exactly \
             MOST_DUE (1000000) requests are due: the run is counted, none of them answered.",
            "Ok([≥ 1000 ms, ≥ 999.999 ms, …, ≥ 0.001 ms] (1000000 entries))",
            &got(&counted),
        );
    }
    drop(counted);
    refused(
        "With one request every nanosecond for an hour, 3.6 × 10^12 requests are due: the \
         run must be refused (InvalidInput), without making their entries.",
        yours(|| {
            latencies(
                t0,
                Duration::from_nanos(1),
                t0 + 3600 * 1000 * MS,
                &[t0],
                &[],
            )
        }),
    );
    if let Some(end) = t0.checked_add(1000 * YEAR) {
        refused(
            "With one request every nanosecond for a thousand years: refused (InvalidInput).",
            yours(|| latencies(t0, Duration::from_nanos(1), end, &[], &[])),
        );
    }
}

#[test]
fn latencies_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your latencies runs.
    testkit::prints_nothing(
        "latencies",
        &[
            "a_stall_delays_every_request_that_was_due_during_it",
            "requests_that_never_went_count_too",
            "an_answer_before_its_request_is_refused",
        ],
    );
}
