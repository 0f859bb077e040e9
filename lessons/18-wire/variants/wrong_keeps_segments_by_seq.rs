// WRONG: keeps early segments whole, keyed by their sequence number, and looks for the next one
// by that exact number: a retransmission cut differently (one that starts inside a held
// segment, or a longer copy at the same number) never lines up, and the stream stalls.

use std::collections::HashMap;

pub struct Reassembler {
    /// The sequence number of the next byte to return.
    next: u32,
    window: usize,
    /// Segments that came early: seq -> (payload, FIN).
    early: HashMap<u32, (Vec<u8>, bool)>,
    finished: bool,
}

impl Reassembler {
    pub fn new(isn: u32, window: usize) -> Self {
        Reassembler {
            next: isn.wrapping_add(1),
            window,
            early: HashMap::new(),
            finished: false,
        }
    }

    pub fn push(&mut self, seq: u32, payload: &[u8], fin: bool) -> Vec<u8> {
        if self.finished {
            return Vec::new();
        }
        let distance = seq.wrapping_sub(self.next) as i32 as i64;
        // What fits in the window; a FIN counts only if its number does too.
        let room = (self.window as i64 - distance).max(0) as usize;
        let fin = fin && payload.len() < room;
        let payload = &payload[..payload.len().min(room)];
        if distance > 0 {
            if !payload.is_empty() || fin {
                self.early.entry(seq).or_insert((payload.to_vec(), fin));
            }
            return Vec::new();
        }
        let skip = distance.unsigned_abs() as usize;
        if skip > payload.len() || (skip == payload.len() && !fin) {
            return Vec::new();
        }
        let mut ready = payload[skip..].to_vec();
        let mut fin = fin;
        self.next = self.next.wrapping_add(ready.len() as u32);
        while !fin {
            let Some((more, more_fin)) = self.early.remove(&self.next) else {
                break;
            };
            self.next = self.next.wrapping_add(more.len() as u32);
            ready.extend_from_slice(&more);
            fin = more_fin;
        }
        self.finished = fin;
        ready
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }
}
