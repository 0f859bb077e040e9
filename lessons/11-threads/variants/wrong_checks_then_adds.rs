// WRONG: checks the count, then adds to it, in two steps: two threads that both see room
// before either adds both enter, and max + 1 (or more) are served at once.

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
        if self.taken.load(SeqCst) >= self.max {
            return None;
        }
        self.taken.fetch_add(1, SeqCst);
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
        let _pass = pass;
        handle(conn, &tally)
    })
}
