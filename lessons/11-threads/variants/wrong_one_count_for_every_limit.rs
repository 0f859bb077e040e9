// WRONG: the count is a static (so that a pass reaches it without an Arc): every Limit shares
// it, and a second server's limit (or a test's) counts the first's passes.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::io;
use std::thread::{self, JoinHandle};

use common::Result;

use crate::{handle, Connection, Shared};

static TAKEN: AtomicUsize = AtomicUsize::new(0);

pub struct Limit {
    max: usize,
}

pub struct Pass;

impl Limit {
    pub fn new(max: usize) -> Limit {
        Limit { max }
    }

    pub fn try_enter(&self) -> Option<Pass> {
        let room = |n: usize| (n < self.max).then_some(n + 1);
        TAKEN.fetch_update(SeqCst, SeqCst, room).ok()?;
        Some(Pass)
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        TAKEN.fetch_sub(1, SeqCst);
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
