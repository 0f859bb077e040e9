// WRONG, but NOT in verify-exercises' list (its name is not wrong_*): the 32-thread check
// catches it only when two of its threads run on two cores at the same instant, often enough
// (the issue 11 trial, 2-core machine, load average 33: 7 runs of 10, and 0 of 10 before the
// check took and dropped passes without holding them when there is room for all). Kept as a
// known gap. A compare_exchange loop that gives up after 3 tries and says None: under
// contention it refuses a client while there is room.

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
        let mut entered = None;
        for _ in 0..3 {
            let now = self.taken.load(Ordering::Relaxed);
            if now >= self.max {
                return None;
            }
            if self
                .taken
                .compare_exchange(now, now + 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                entered = Some(());
                break;
            }
        }
        entered.map(|_| Pass {
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
