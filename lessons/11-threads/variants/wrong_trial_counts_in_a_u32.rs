// WRONG: counts in an AtomicU32 and keeps `max as u32` ("4 billion connections is plenty"):
// a max of 2^32 + 1 becomes 1, 2^32 becomes 0, and the server refuses nearly everyone. The
// contract says any max up to usize::MAX. (The issue 11 trial: it passed every check, whose
// maxes were 0 to 32 and usize::MAX, which `as u32` turns into u32::MAX.)

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use common::Result;

use crate::{handle, Connection, Shared};

pub struct Limit {
    taken: Arc<AtomicU32>,
    max: u32,
}

pub struct Pass {
    taken: Arc<AtomicU32>,
}

impl Limit {
    pub fn new(max: usize) -> Limit {
        Limit {
            taken: Arc::new(AtomicU32::new(0)),
            max: max as u32,
        }
    }

    pub fn try_enter(&self) -> Option<Pass> {
        let room = |taken: u32| (taken < self.max).then_some(taken + 1);
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
        let _pass = pass;
        handle(conn, &tally)
    })
}
