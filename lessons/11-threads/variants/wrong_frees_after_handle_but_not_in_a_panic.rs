// WRONG: frees the place with a call after handle, whatever handle returned, but not when the
// thread panics (nor when it could not start): the panic unwinds past the call, and a pass
// without Drop frees nothing when it is dropped.

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

impl Pass {
    /// Free the place: the connection is done.
    pub fn leave(self) {
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
        let result = handle(conn, &tally);
        pass.leave();
        result
    })
}
