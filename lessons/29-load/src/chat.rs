//! The chat's load (lesson 16): C members join (`mK\n`, then wait for `* welcome`), member 0
//! speaks on a timetable once everyone has joined, and every other member times each of its
//! lines from the moment it was due. A line a member never gets is counted lost.
//!
//! The speaking lasts the plan's length from the moment the last member joined, however long
//! the joining took (10,000 members take a second or more): the joins eat none of it. A member
//! listens until it has every line said, or until the plan's timeout after the speaking ended.

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedReadHalf;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::{sleep_until, timeout_at, Instant};

use crate::load::{connect, read_line};
use crate::plan::Plan;
use crate::tally::Tally;

type Shared = Rc<RefCell<Tally>>;

/// Shared by the members: how many have joined (or failed to), when the speaking began, and
/// how many lines were said once it is over.
#[derive(Clone)]
struct Room {
    settled: watch::Sender<usize>,
    start: Rc<Cell<Option<Instant>>>,
    said: Rc<Cell<Option<u64>>>,
    /// Time between two of member 0's lines.
    interval: Duration,
    /// How long member 0 speaks.
    length: Duration,
    /// Member 0 starts speaking by then, even if some member has still not joined.
    joined_by: Instant,
    /// How long after the speaking a line may still arrive (the plan's timeout).
    grace: Duration,
}

impl Room {
    /// Until when a member waits for lines: the plan's timeout after the speaking ends.
    fn last(&self) -> Instant {
        self.start.get().unwrap_or(self.joined_by) + self.length + self.grace
    }
}

/// Start every member's task. `end` is when the run would end if the speaking began as the
/// last member arrives; joining may take longer, and the speaking moves with it.
pub fn start(plan: &Plan, t0: Instant, end: Instant, tally: &Shared, tasks: &mut JoinSet<()>) {
    let arrived = end.checked_sub(plan.length()).unwrap_or(t0);
    let room = Room {
        settled: watch::channel(0).0,
        start: Rc::new(Cell::new(None)),
        said: Rc::new(Cell::new(None)),
        interval: plan.interval(),
        length: plan.length(),
        joined_by: arrived + plan.timeout,
        grace: plan.timeout,
    };
    for k in 0..plan.connections {
        let (plan, tally, room) = (plan.clone(), tally.clone(), room.clone());
        tasks.spawn_local(async move {
            sleep_until(t0 + plan.arrival(k)).await;
            let joined = join(k, &plan, &tally).await;
            room.settled.send_modify(|n| *n += 1);
            let Some(reader) = joined else { return };
            if k == 0 {
                speak(&plan, reader, &room, &tally).await;
            } else {
                listen(reader.0, &room, &tally).await;
            }
        });
    }
}

type Member = (BufReader<OwnedReadHalf>, tokio::net::tcp::OwnedWriteHalf);

/// Connect and join as `mK`: wait for our own `* welcome` line (notices before it are skipped).
async fn join(k: usize, plan: &Plan, tally: &Shared) -> Option<Member> {
    let stream = connect(plan, tally).await?;
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    let result: io::Result<()> = async {
        writer.write_all(format!("m{k}\n").as_bytes()).await?;
        loop {
            read_line(&mut reader, &mut line, plan.timeout).await?;
            if line.starts_with(b"* welcome") {
                return Ok(());
            }
        }
    }
    .await;
    match result {
        Ok(()) => {
            tally.borrow_mut().joined += 1;
            Some((reader, writer))
        }
        Err(e) => {
            tally.borrow_mut().failed("join", &e);
            None
        }
    }
}

/// Member 0: once everyone has joined, one line per interval (`0\n`, `1\n`, …) for the plan's
/// length; what arrives for it meanwhile is read and dropped.
async fn speak(plan: &Plan, member: Member, room: &Room, tally: &Shared) {
    let (mut reader, mut writer) = member;
    let mut everyone = room.settled.subscribe();
    let _ = timeout_at(
        room.joined_by,
        everyone.wait_for(|n| *n >= plan.connections),
    )
    .await;
    let drain = tokio::task::spawn_local(async move {
        let mut line = Vec::new();
        while read_line(&mut reader, &mut line, Duration::from_secs(3600))
            .await
            .is_ok()
        {}
    });
    let start = Instant::now();
    room.start.set(Some(start));
    let end = start + room.length;
    for i in 0.. {
        let due = start + room.interval * i;
        if due >= end {
            break;
        }
        sleep_until(due).await;
        if let Err(e) = writer.write_all(format!("{i}\n").as_bytes()).await {
            tally.borrow_mut().failed("speak", &e);
            break;
        }
        tally.borrow_mut().spoken += 1;
    }
    // Set before any member can read the last line (no await since its write): a member that
    // has it knows it is the last.
    room.said.set(Some(tally.borrow().spoken));
    drain.abort();
}

/// Every other member: time each of member 0's lines (`m0: I`) from when line I was due.
async fn listen(mut reader: BufReader<OwnedReadHalf>, room: &Room, tally: &Shared) {
    let mut line = Vec::new();
    loop {
        let wait = room.last().saturating_duration_since(Instant::now());
        match read_line(&mut reader, &mut line, wait).await {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return,
            Err(e) => return tally.borrow_mut().failed("member", &e),
        }
        if line.starts_with(b"error:") {
            // One kind per reason, whatever its numbers: `error: too slow, 12 messages lost`
            // is counted as `error: too slow`.
            let text = String::from_utf8_lossy(&line);
            let text = text
                .trim_end()
                .split(',')
                .next()
                .unwrap_or_default()
                .to_string();
            let dropped = io::Error::new(io::ErrorKind::InvalidData, text);
            return tally.borrow_mut().failed("dropped", &dropped);
        }
        let seq = line.strip_prefix(b"m0: ").and_then(|rest| {
            std::str::from_utf8(rest)
                .ok()?
                .trim_end()
                .parse::<u32>()
                .ok()
        });
        if let (Some(i), Some(start)) = (seq, room.start.get()) {
            let due = start + room.interval * i;
            tally
                .borrow_mut()
                .answered(Instant::now().saturating_duration_since(due));
            if room.said.get() == Some(u64::from(i) + 1) {
                return; // the last line said: nothing more will come
            }
        }
    }
}

/// Lines that some member should have received and never did (dropped members included);
/// and a run in which member 0 said nothing (it could not join) is no success either.
pub fn count_lost(tally: &mut Tally) {
    if tally.spoken == 0 {
        tally.failed.insert("no line said".to_string(), 1);
    }
    let expected = tally.spoken * tally.joined.saturating_sub(1);
    let lost = expected.saturating_sub(tally.completed);
    if lost > 0 {
        tally.failed.insert("lines lost".to_string(), lost);
    }
}
