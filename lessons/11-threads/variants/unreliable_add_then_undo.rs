// WRONG by the contract's last clause, but NOT in verify-exercises' list (its name is not
// wrong_*): no check provokes the race that shows it. Take the place first (fetch_add), and
// give it back at once if there was none. Never more than max passes exist; but in a race a
// thread is refused while another's failed attempt is counted and not yet undone, so `None`
// can come while fewer than max exist, which the contract forbids. Kept as a known gap.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use std::io;
use std::thread::{self, JoinHandle};

use common::Result;

use crate::{handle, Connection, Shared};

pub struct Limit {
    max: usize,
    count: Arc<AtomicUsize>,
}

pub struct Pass {
    count: Arc<AtomicUsize>,
}

impl Drop for Pass {
    fn drop(&mut self) {
        self.count.fetch_sub(1, SeqCst);
    }
}

impl Limit {
    pub fn new(max: usize) -> Limit {
        Limit {
            max,
            count: Default::default(),
        }
    }

    pub fn try_enter(&self) -> Option<Pass> {
        let before = self.count.fetch_add(1, SeqCst);
        if before >= self.max {
            self.count.fetch_sub(1, SeqCst);
            return None;
        }
        Some(Pass {
            count: Arc::clone(&self.count),
        })
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
