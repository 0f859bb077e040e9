// WRONG: `pass;` as the closure's first statement (meant as "the thread owns the pass"): a
// path statement moves the pass in and drops it at once, as the thread starts, so the place
// is free while the connection is served. (The issue 11 trial: it failed, but the checks
// looked at the place as soon as spawn_handler returned, often before the new thread ran:
// in 10 runs, 1 of the 30 checks that should have caught it passed. They now wait until the
// thread serves.)

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
        let entered = self
            .taken
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, room);
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
        #[allow(path_statements)]
        pass;
        handle(conn, &tally)
    })
}
