// WRONG: when the limit is full, try_enter tries again every 10 ms for up to a second before
// it says None ("give a place a moment to come free"): the accept loop stops for a second per
// client turned away, and a flood of clients stops it altogether. (The issue 11 trial: it
// passed every check, which only required an answer within the test's 10 s.)

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use common::Result;

use crate::{handle, Connection, Shared};

pub struct Limit {
    taken: Arc<AtomicUsize>,
    max: usize,
}

pub struct Pass {
    taken: Arc<AtomicUsize>,
}

impl Limit {
    pub fn new(max: usize) -> Limit {
        Limit {
            taken: Arc::new(AtomicUsize::new(0)),
            max,
        }
    }

    pub fn try_enter(&self) -> Option<Pass> {
        let room = |taken: usize| (taken < self.max).then_some(taken + 1);
        let start = std::time::Instant::now();
        let mut entered = self
            .taken
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, room);
        while entered.is_err() && start.elapsed() < std::time::Duration::from_millis(1000) {
            thread::sleep(std::time::Duration::from_millis(10));
            entered = self
                .taken
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, room);
        }
        entered.ok().map(|_| Pass {
            taken: Arc::clone(&self.taken),
        })
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        self.taken.fetch_sub(1, Ordering::Relaxed);
    }
}

pub fn spawn_handler(
    builder: thread::Builder,
    conn: impl Connection + Send + 'static,
    tally: Shared,
    pass: Pass,
) -> io::Result<JoinHandle<Result<()>>> {
    builder.spawn(move || {
        let _pass = pass;
        handle(conn, &tally)
    })
}
