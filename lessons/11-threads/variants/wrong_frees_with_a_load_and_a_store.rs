// WRONG: a pass frees its place with a load and a store: two passes dropped at the same
// moment both read N and both store N - 1, one release is lost, and the limit shrinks for
// ever (the first, try_enter, is right: one atomic step).

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::io;
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
            taken: Arc::default(),
            max,
        }
    }

    pub fn try_enter(&self) -> Option<Pass> {
        let room = |n: usize| (n < self.max).then_some(n + 1);
        self.taken.fetch_update(SeqCst, SeqCst, room).ok()?;
        Some(Pass {
            taken: Arc::clone(&self.taken),
        })
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        let now = self.taken.load(SeqCst);
        self.taken.store(now - 1, SeqCst);
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
