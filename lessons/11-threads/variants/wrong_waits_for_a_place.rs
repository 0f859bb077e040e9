// WRONG: try_enter waits for a place (a semaphore: a Condvar, woken when a pass is dropped)
// instead of answering None: when the limit is full, the accept loop stops accepting until a
// connection ends, and nobody is told busy (the pool's policy, not the limit's). (Found by
// the issue 11 trial: the checks hung; they now ask from a thread of their own, with a time
// limit.)

use std::io;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};

use common::Result;

use crate::{handle, Connection, Shared};

pub struct Limit {
    max: usize,
    places: Arc<(Mutex<usize>, Condvar)>,
}

pub struct Pass {
    places: Arc<(Mutex<usize>, Condvar)>,
}

impl Limit {
    pub fn new(max: usize) -> Limit {
        Limit {
            max,
            places: Arc::new((Mutex::new(0), Condvar::new())),
        }
    }

    pub fn try_enter(&self) -> Option<Pass> {
        if self.max == 0 {
            return None;
        }
        let (taken, freed) = &*self.places;
        let mut taken = taken.lock().unwrap();
        while *taken >= self.max {
            taken = freed.wait(taken).unwrap();
        }
        *taken += 1;
        Some(Pass {
            places: Arc::clone(&self.places),
        })
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        let (taken, freed) = &*self.places;
        *taken.lock().unwrap() -= 1;
        freed.notify_one();
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
