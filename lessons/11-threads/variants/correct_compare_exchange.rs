// CORRECT, written differently: a compare_exchange loop by hand (SeqCst), the limit and its
// count together in one Arc, and a guard struct named in the closure.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::io;
use std::thread::{self, JoinHandle};

use common::Result;

use crate::{handle, Connection, Shared};

struct Places {
    max: usize,
    taken: AtomicUsize,
}

pub struct Limit(Arc<Places>);

pub struct Pass(Arc<Places>);

impl Limit {
    pub fn new(max: usize) -> Limit {
        Limit(Arc::new(Places {
            max,
            taken: AtomicUsize::new(0),
        }))
    }

    pub fn try_enter(&self) -> Option<Pass> {
        let mut seen = self.0.taken.load(SeqCst);
        loop {
            if seen >= self.0.max {
                return None;
            }
            match self.0.taken.compare_exchange(seen, seen + 1, SeqCst, SeqCst) {
                Ok(_) => return Some(Pass(Arc::clone(&self.0))),
                // Another thread changed it meanwhile: look again.
                Err(now) => seen = now,
            }
        }
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        self.0.taken.fetch_sub(1, SeqCst);
    }
}

pub fn spawn_handler(
    builder: thread::Builder,
    conn: impl Connection + Send + 'static,
    tally: Shared,
    pass: Pass,
) -> io::Result<JoinHandle<Result<()>>> {
    builder.spawn(move || {
        let held = pass;
        let result = handle(conn, &tally);
        drop(held);
        result
    })
}
