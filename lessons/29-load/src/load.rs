//! The load: C connections on one thread (tokio tasks on a current-thread runtime), each
//! driving the server in a closed loop, on a timetable (paced), or once (a storm).

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant as StdInstant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::{sleep_until, timeout, timeout_at, Instant};

use lesson_29_load::Latency;

use crate::plan::{Drive, Plan, Protocol};
use crate::tally::Tally;

type Shared = Rc<RefCell<Tally>>;

// ANCHOR: run
/// Open the plan's connections, drive them, and return what they counted and the window
/// the throughput is measured over. Bounded: every wait has the plan's timeout.
pub async fn run(plan: &Plan) -> (Tally, Duration) {
    let tally = Rc::new(RefCell::new(Tally::new()));
    let t0 = Instant::now();
    let arrived = t0 + plan.arrival(plan.connections);
    let gate = Gate::new(plan.connections, arrived + plan.timeout);
    let mut tasks = tokio::task::JoinSet::new();
    if plan.protocol == Protocol::Chat {
        crate::chat::start(plan, t0, arrived + plan.length(), &tally, &mut tasks);
    } else {
        for k in 0..plan.connections {
            let (plan, tally, gate) = (plan.clone(), tally.clone(), gate.clone());
            tasks.spawn_local(async move {
                sleep_until(t0 + plan.arrival(k)).await;
                match plan.protocol {
                    Protocol::Http => http_client(&plan, arrived + plan.length(), &tally).await,
                    _ => line_client(k, &plan, &gate, &tally).await,
                }
            });
        }
    }
    // Every task ends by itself (each wait has a timeout); this bounds the run once more.
    let limit = arrived + plan.timeout * 2 + plan.warmup + plan.length() + plan.timeout * 3;
    while let Ok(Some(_)) = tokio::time::timeout_at(limit, tasks.join_next()).await {}
    tasks.abort_all();
    let window = match plan.drive {
        Drive::Once => t0.elapsed(),
        _ => plan.length(),
    };
    let mut tally = tally.replace(Tally::new());
    if plan.protocol == Protocol::Chat {
        crate::chat::count_lost(&mut tally);
    }
    (tally, window)
}
// ANCHOR_END: run

// ANCHOR: gate
/// The starting line of a closed or paced run: the drive begins once every connection has
/// connected (or failed to), so that the connects are not counted in it (they are measured
/// apart), and every connection gets the same start (the moment the last one settled).
#[derive(Clone)]
pub struct Gate(Rc<Starting>);

struct Starting {
    /// Connections settled so far, and how many there are.
    settled: Cell<usize>,
    expected: usize,
    /// Wakes the waiting connections once, when the last one settles.
    open: Notify,
    start: Cell<Option<Instant>>,
    /// If some connection is still not settled by then, start anyway.
    latest: Instant,
}

impl Gate {
    fn new(expected: usize, latest: Instant) -> Gate {
        Gate(Rc::new(Starting {
            settled: Cell::new(0),
            expected,
            open: Notify::new(),
            start: Cell::new(None),
            latest,
        }))
    }

    /// This connection is settled: wait for the others, and return the drive's start.
    async fn pass(&self) -> Instant {
        let gate = &self.0;
        gate.settled.set(gate.settled.get() + 1);
        if gate.settled.get() >= gate.expected {
            gate.start.set(Some(Instant::now()));
            // One wake-up per waiting connection, once (not one per connection settled).
            gate.open.notify_waiters();
        } else {
            let _ = timeout_at(gate.latest, gate.open.notified()).await;
        }
        // (After a timeout, the first connection to get here sets the start for all.)
        let start = gate.start.get().unwrap_or_else(Instant::now);
        gate.start.set(Some(start));
        start
    }
}
// ANCHOR_END: gate

// ANCHOR: connect
/// Connect, recording how long it took (a second or more: a SYN was sent again).
pub async fn connect(plan: &Plan, tally: &Shared) -> Option<TcpStream> {
    let began = Instant::now();
    let result = match timeout(plan.timeout, TcpStream::connect(plan.addr)).await {
        Ok(result) => result,
        Err(_) => Err(io::ErrorKind::TimedOut.into()),
    };
    match result {
        Ok(stream) => {
            // One small line at a time: send it now, not after the previous one's ACK.
            let _ = stream.set_nodelay(true);
            tally.borrow_mut().connected(began.elapsed());
            Some(stream)
        }
        Err(e) => {
            tally.borrow_mut().failed("connect", &e);
            None
        }
    }
}
// ANCHOR_END: connect

/// Read one line (the answer), with the plan's timeout; end of stream is an error.
pub async fn read_line<R: AsyncBufReadExt + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
    wait: Duration,
) -> io::Result<()> {
    line.clear();
    match timeout(wait, reader.read_until(b'\n', line)).await {
        Err(_) => Err(io::ErrorKind::TimedOut.into()),
        Ok(Ok(_)) if line.ends_with(b"\n") => Ok(()),
        Ok(Ok(_)) => Err(io::ErrorKind::UnexpectedEof.into()),
        Ok(Err(e)) => Err(e),
    }
}

// ANCHOR: round_trip
/// One round trip: send `ping\n`, wait for one whole line back (any line: the lessons'
/// servers answer in capitals, or numbered).
async fn round_trip<S>(
    stream: &mut BufReader<S>,
    line: &mut Vec<u8>,
    wait: Duration,
) -> Result<(), (&'static str, io::Error)>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    stream
        .get_mut()
        .write_all(b"ping\n")
        .await
        .map_err(|e| ("send", e))?;
    read_line(stream, line, wait)
        .await
        .map_err(|e| ("answer", e))
}
// ANCHOR_END: round_trip

// ANCHOR: line_client
/// One connection of the line protocol, driven as the plan says.
async fn line_client(k: usize, plan: &Plan, gate: &Gate, tally: &Shared) {
    let stream = connect(plan, tally).await;
    // A storm does its round trip at once; the others wait for every connection first.
    let start = match plan.drive {
        Drive::Once => Instant::now(),
        _ => gate.pass().await,
    };
    let Some(stream) = stream else {
        return;
    };
    // Room for an answer line: the lines are short, and 10,000 buffers of 8 KiB (tokio's
    // default) would take 80 MB.
    let mut stream = BufReader::with_capacity(256, stream);
    let mut line = Vec::with_capacity(64);
    let failure = match plan.drive {
        Drive::Once | Drive::Closed(_) => loop {
            let sent = Instant::now();
            if let Err(failure) = round_trip(&mut stream, &mut line, plan.timeout).await {
                break Some(failure);
            }
            tally.borrow_mut().answered(sent.elapsed());
            if plan.drive == Drive::Once || Instant::now() >= start + plan.length() {
                break None;
            }
        },
        Drive::Paced(_) => {
            let table = Timetable::new(plan, k, start.into_std());
            paced(&table, &mut stream, &mut line, plan.timeout, tally).await
        }
    };
    if let Some((step, e)) = failure {
        tally.borrow_mut().failed(step, &e);
    }
}
// ANCHOR_END: line_client

// ANCHOR: timetable
/// A paced connection's timetable. Request i is due at `first + i × interval`; connection k
/// of C begins k/C of an interval after the common start, so that the C connections send
/// evenly spread, not all at once. The first `plan.warmup` is run but not counted: the
/// first line on a connection pays for what happens once (the server's buffers for it,
/// cold caches), and at the start every connection is woken at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timetable {
    pub first: StdInstant,
    pub interval: Duration,
    /// Requests due before this are the warm-up: sent and answered, not counted.
    pub counted_from: StdInstant,
    /// No request is due at or after this.
    pub end: StdInstant,
}

impl Timetable {
    pub fn new(plan: &Plan, k: usize, start: StdInstant) -> Timetable {
        let interval = plan.interval();
        let counted_from = start + plan.warmup;
        Timetable {
            first: start + interval.mul_f64(k as f64 / plan.connections as f64),
            interval,
            counted_from,
            end: counted_from + plan.length(),
        }
    }

    /// When request `i` is due; `None` once the run is over.
    pub fn due(&self, i: usize) -> Option<StdInstant> {
        intended(self.first, self.interval, i).filter(|&due| due < self.end)
    }

    /// Request `i` is counted: it was due after the warm-up.
    pub fn counted(&self, i: usize) -> bool {
        // A due time too far off to write down is after the warm-up too.
        intended(self.first, self.interval, i).is_none_or(|due| due >= self.counted_from)
    }

    /// How late this generator sent request `i`: from the moment it could go (its due time,
    /// or the answer to the one before if that came later) to the moment it went. This is
    /// the instrument's own error, not the server's.
    pub fn late(&self, i: usize, sent: &[StdInstant], answered: &[StdInstant]) -> Duration {
        // Request `i` was sent, so it was due before the end: its due time can be written.
        let Some(due) = intended(self.first, self.interval, i) else {
            return Duration::ZERO;
        };
        let free = match i {
            0 => due,
            _ => due.max(answered[i - 1]),
        };
        sent[i].saturating_duration_since(free)
    }
}
// ANCHOR_END: timetable

// ANCHOR: paced
/// A paced connection: each request goes when due, or at once if the connection was still
/// waiting for an earlier answer. What each request counts for (the exercise) is measured
/// from its due time, so a stall counts against every request it delayed; and a request due
/// before the end that never had its answer counts too, as at least its wait until the end.
async fn paced(
    table: &Timetable,
    stream: &mut BufReader<TcpStream>,
    line: &mut Vec<u8>,
    wait: Duration,
    tally: &Shared,
) -> Option<(&'static str, io::Error)> {
    let (mut sent, mut answered) = (Vec::new(), Vec::new());
    let mut failure = None;
    for i in 0.. {
        let Some(due) = table.due(i) else {
            break;
        };
        wait_until(due).await;
        sent.push(StdInstant::now());
        if let Err(f) = round_trip(stream, line, wait).await {
            failure = Some(f);
            break;
        }
        answered.push(StdInstant::now());
    }
    let counted =
        lesson_29_load::latencies(table.first, table.interval, table.end, &sent, &answered);
    let mut tally = tally.borrow_mut();
    // (A refused record would be this loop's mistake: its records keep to the timetable, and
    // Plan::from refused a timetable with more than MOST_DUE requests due.)
    let counted = counted.unwrap_or_else(|e| {
        tally.failed("record", &e);
        Vec::new()
    });
    for (i, latency) in counted.into_iter().enumerate() {
        match (table.counted(i), latency) {
            // The warm-up: run, not counted (nor a request left unanswered in it).
            (false, Latency::Answered(_)) => tally.warm_up += 1,
            (false, Latency::AtLeast(_)) => {}
            (true, Latency::Answered(took)) => {
                tally.answered(took);
                tally.late(table.late(i, &sent, &answered));
            }
            // Due before the end, and no answer: stuck behind a stalled one, or never sent.
            (true, Latency::AtLeast(waited)) => tally.unanswered(waited),
        }
    }
    failure
}
// ANCHOR_END: paced

/// When request `i` of a timetable is due; `None` if that cannot be written down. Plain
/// `first + interval * i as u32` would panic on an overflow (`Duration * u32` and
/// `Instant + Duration` both do) and, worse, `as u32` silently wraps a large `i` into a
/// small one: the checked steps say `None` instead, which every caller reads as "past the
/// end" (the exercise's solution, src/solution.rs, does the same).
fn intended(first: StdInstant, interval: Duration, i: usize) -> Option<StdInstant> {
    let i = u32::try_from(i).ok()?;
    first.checked_add(interval.checked_mul(i)?)
}

// ANCHOR: wait_until
/// Wait until `due`, to within microseconds. tokio's timer counts whole milliseconds and
/// wakes a task in the millisecond after its deadline, never before: alone, it would send
/// every line up to a millisecond late, and the table would show that millisecond as the
/// server's. So sleep until 2 ms before, then let the other tasks run (`yield_now`: the
/// runtime also looks for ready sockets meanwhile) until the moment has come.
async fn wait_until(due: StdInstant) {
    if let Some(early) = due.checked_sub(Duration::from_millis(2)) {
        sleep_until(early.into()).await;
    }
    while StdInstant::now() < due {
        tokio::task::yield_now().await;
    }
}
// ANCHOR_END: wait_until

// ANCHOR: http_client
/// A connection per request (lesson 14): connect, send a request, read the answer to the
/// end of the stream, again and again until the end. Latency includes the connect.
async fn http_client(plan: &Plan, end: Instant, tally: &Shared) {
    let request = b"GET /hello HTTP/1.1\r\nHost: load\r\nConnection: close\r\n\r\n";
    loop {
        let began = Instant::now();
        let Some(mut stream) = connect(plan, tally).await else {
            if plan.drive == Drive::Once || Instant::now() >= end {
                return;
            }
            continue;
        };
        let mut answer = Vec::new();
        let result = async {
            stream.write_all(request).await.map_err(|e| ("send", e))?;
            match timeout(plan.timeout, stream.read_to_end(&mut answer)).await {
                Err(_) => Err(("answer", io::ErrorKind::TimedOut.into())),
                Ok(Err(e)) => Err(("answer", e)),
                Ok(Ok(_)) if answer.starts_with(b"HTTP/1.") => Ok(()),
                Ok(Ok(_)) => Err((
                    "answer",
                    io::Error::new(io::ErrorKind::InvalidData, "not HTTP"),
                )),
            }
        }
        .await;
        match result {
            Ok(()) => tally.borrow_mut().answered(began.elapsed()),
            Err((step, e)) => tally.borrow_mut().failed(step, &e),
        }
        if plan.drive == Drive::Once || Instant::now() >= end {
            return;
        }
    }
}
// ANCHOR_END: http_client

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Plan;

    const MS: Duration = Duration::from_millis(1);

    /// A paced plan: C connections, `rate` lines a second, for `length` after `warmup`.
    fn plan(connections: usize, rate: f64, length: Duration, warmup: Duration) -> Plan {
        Plan {
            addr: "127.0.0.1:1".parse().unwrap(),
            connections,
            drive: Drive::Paced(length),
            rate,
            arrive: None,
            protocol: Protocol::Line,
            timeout: Duration::from_secs(1),
            warmup,
        }
    }

    /// Every due time of connection `k`, in ms after `start`.
    fn dues(table: &Timetable, start: StdInstant) -> Vec<u128> {
        (0..)
            .map_while(|i| table.due(i))
            .map(|due| (due - start).as_millis())
            .collect()
    }

    #[test]
    fn the_connections_are_spread_over_one_interval_and_end_together() {
        // 4 connections, 10 lines/s (one every 100 ms), 300 ms after a 200 ms warm-up.
        let plan = plan(4, 10.0, 300 * MS, 200 * MS);
        let start = StdInstant::now();
        let table = |k| Timetable::new(&plan, k, start);
        assert_eq!(dues(&table(0), start), [0, 100, 200, 300, 400]);
        assert_eq!(dues(&table(1), start), [25, 125, 225, 325, 425]);
        assert_eq!(dues(&table(3), start), [75, 175, 275, 375, 475]);
        // Nothing is due at or after the end: warm-up + length.
        assert!(table(3).due(5).is_none());
    }

    #[test]
    fn a_due_time_too_far_off_is_past_the_end_not_a_panic() {
        let plan = plan(4, 10.0, 300 * MS, 200 * MS);
        let start = StdInstant::now();
        let table = Timetable::new(&plan, 0, start);
        // `as u32` would wrap 2^32 to 0 (due at once); the multiplication overflows too.
        for i in [
            u32::MAX as usize,
            (u32::MAX as usize).saturating_add(1),
            usize::MAX,
        ] {
            assert!(table.due(i).is_none(), "request {i}");
            assert!(table.counted(i), "request {i}");
        }
        // A huge interval: `Duration * u32` and `Instant + Duration` overflow.
        let far = Timetable {
            interval: Duration::MAX / 2,
            ..table
        };
        assert!(far.due(3).is_none());
        assert!(intended(start, Duration::MAX, 2).is_none());
    }

    #[test]
    fn what_is_due_in_the_warm_up_is_not_counted() {
        let plan = plan(4, 10.0, 300 * MS, 200 * MS);
        let start = StdInstant::now();
        // Connection 0: due at 0 and 100 ms (warm-up), 200, 300, 400 ms (counted).
        let counted: Vec<bool> = (0..5)
            .map(|i| Timetable::new(&plan, 0, start).counted(i))
            .collect();
        assert_eq!(counted, [false, false, true, true, true]);
        // Connection 3: due at 75 and 175 ms (warm-up), 275, 375, 475 ms (counted).
        let counted: Vec<bool> = (0..5)
            .map(|i| Timetable::new(&plan, 3, start).counted(i))
            .collect();
        assert_eq!(counted, [false, false, true, true, true]);
        // No warm-up: everything counts.
        let plan = self::plan(4, 10.0, 300 * MS, Duration::ZERO);
        assert!(Timetable::new(&plan, 0, start).counted(0));
    }

    #[test]
    fn late_is_the_generators_own_delay_not_the_servers() {
        // One line every 10 ms; the answer to line 0 took 25 ms.
        let plan = plan(1, 100.0, 100 * MS, Duration::ZERO);
        let start = StdInstant::now();
        let table = Timetable::new(&plan, 0, start);
        let at =
            |ms: &[u64]| -> Vec<StdInstant> { ms.iter().map(|&m| start + MS * m as u32).collect() };
        let sent = at(&[3, 26, 27]);
        let answered = at(&[25, 27, 28]);
        // Line 0 went 3 ms after its due time: the generator's delay.
        assert_eq!(table.late(0, &sent, &answered), 3 * MS);
        // Line 1 was due at 10 ms but could go only at 25 ms (the answer to line 0): it
        // went at 26 ms, 1 ms late, though 16 ms after its due time.
        assert_eq!(table.late(1, &sent, &answered), MS);
        // Line 2 (due at 20 ms) went the moment line 1's answer came: not late.
        assert_eq!(table.late(2, &sent, &answered), Duration::ZERO);
    }

    #[test]
    fn everyone_leaves_the_gate_together_once_the_last_connection_settles() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let starts = rt.block_on(tokio::task::LocalSet::new().run_until(async {
            let began = Instant::now();
            let gate = Gate::new(3, began + Duration::from_secs(10));
            let mut tasks = tokio::task::JoinSet::new();
            for k in 0..3u32 {
                let gate = gate.clone();
                tasks.spawn_local(async move {
                    tokio::time::sleep(MS * 20 * k).await;
                    gate.pass().await - began
                });
            }
            let mut starts = Vec::new();
            while let Some(start) = tasks.join_next().await {
                starts.push(start.unwrap());
            }
            starts
        }));
        // One start for all, when the last one (after 40 ms) settled.
        assert!(starts.iter().all(|&s| s == starts[0]), "{starts:?}");
        assert!(starts[0] >= 40 * MS, "{starts:?}");
    }

    #[test]
    fn the_gate_opens_at_its_latest_time_if_a_connection_never_settles() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (start, latest) = rt.block_on(async {
            let latest = Instant::now() + 50 * MS;
            // Two of three settle; the third never does.
            let gate = Gate::new(3, latest);
            let (a, b) = tokio::join!(gate.pass(), gate.pass());
            assert_eq!(a, b);
            (a, latest)
        });
        assert!(start >= latest);
    }

    #[test]
    fn wait_until_is_never_early() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            for ms in [0, 1, 3, 7] {
                let due = StdInstant::now() + MS * ms;
                wait_until(due).await;
                assert!(StdInstant::now() >= due);
            }
        });
    }
}
