// WRONG: sleeps a second after the spawn, "to let the thread start", before it returns the
// handle: the accept loop waits a second per connection. The contract says: return at once.
// (The issue 11 trial: it passed every check, which timed nothing of spawn_handler.)

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
    let thread = builder.spawn(move || {
        let _pass = pass;
        handle(conn, &tally)
    })?;
    thread::sleep(std::time::Duration::from_millis(1000));
    Ok(thread)
}
