// WRONG: `let _ = pass;` in the closure does not move the pass into it (`_` binds nothing,
// so the closure captures nothing): the pass is dropped when spawn_handler returns, and the
// place is free while the connection is still served.

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
        self.taken.fetch_sub(1, SeqCst);
    }
}

pub fn spawn_handler(
    builder: thread::Builder,
    conn: impl Connection + Send + 'static,
    tally: Shared,
    pass: Pass,
) -> io::Result<JoinHandle<Result<()>>> {
    builder.spawn(move || {
        let _ = pass;
        handle(conn, &tally)
    })
}
