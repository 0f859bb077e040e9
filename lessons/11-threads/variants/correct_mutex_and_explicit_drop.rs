// CORRECT, written differently: the count behind a Mutex (checked and changed under one lock),
// and the pass dropped by name after handle; a panic in handle still drops it, with the
// closure's other captures, as the thread unwinds.

use std::sync::{Arc, Mutex};
use std::io;
use std::thread::{self, JoinHandle};

use common::Result;

use crate::{handle, Connection, Shared};

pub struct Limit {
    max: usize,
    taken: Arc<Mutex<usize>>,
}

pub struct Pass {
    taken: Arc<Mutex<usize>>,
}

fn count(taken: &Mutex<usize>) -> std::sync::MutexGuard<'_, usize> {
    taken.lock().unwrap_or_else(|e| e.into_inner())
}

impl Limit {
    pub fn new(max: usize) -> Limit {
        Limit {
            max,
            taken: Arc::default(),
        }
    }

    pub fn try_enter(&self) -> Option<Pass> {
        let mut taken = count(&self.taken);
        if *taken == self.max {
            return None;
        }
        *taken += 1;
        Some(Pass {
            taken: Arc::clone(&self.taken),
        })
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        *count(&self.taken) -= 1;
    }
}

pub fn spawn_handler(
    builder: thread::Builder,
    conn: impl Connection + Send + 'static,
    tally: Shared,
    pass: Pass,
) -> io::Result<JoinHandle<Result<()>>> {
    let serve = move || {
        let result = handle(conn, &tally);
        drop(pass);
        result
    };
    builder.spawn(serve)
}
