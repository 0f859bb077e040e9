// WRONG: keeps the bytes that came early from past the FIN's place (it does not cut the
// receive queue when the FIN arrives): they come out after the last byte of the stream, and
// is_finished() never becomes true.

use std::collections::VecDeque;

/// The receiving side of one direction of a TCP connection: segments in, as they arrive; the
/// bytes recv() may return out, in order, each once (RFC 9293, sections 3.4 and 3.10.7.4).
pub struct Reassembler {
    /// The sequence number of the next byte to return (the RFC's RCV.NXT).
    next: u32,
    /// How far past `next` a byte may lie and still be kept (RCV.WND).
    window: usize,
    /// The receive queue: `held[i]` is the byte numbered `next + i`, once it has arrived.
    /// It never grows past `window`: that is the whole memory a sender can make us use.
    held: VecDeque<Option<u8>>,
    /// The FIN's sequence number, once a FIN inside the window has arrived.
    fin: Option<u32>,
}

impl Reassembler {
    pub fn new(isn: u32, window: usize) -> Self {
        Reassembler {
            // The SYN took one sequence number: the first byte of data is the one after it.
            next: isn.wrapping_add(1),
            window,
            held: VecDeque::new(),
            fin: None,
        }
    }

    pub fn push(&mut self, seq: u32, payload: &[u8], fin: bool) -> Vec<u8> {
        // Where the segment starts, counted from the next byte to return. Sequence numbers
        // wrap at 2^32, so this is the difference modulo 2^32 read as a signed number
        // (RFC 1982): negative means "before next", bytes returned already.
        let start = i64::from(self.distance(seq));
        // Nothing is kept past the window, nor at or after the FIN's place.
        let mut limit = self.window as i64;
        if let Some(fin) = self.fin {
            limit = limit.min(i64::from(self.distance(fin)));
        }
        for (i, &byte) in payload.iter().enumerate() {
            let at = start + i as i64;
            if at < 0 {
                continue; // old: returned already (a retransmission)
            }
            if at >= limit {
                break; // beyond the window: dropped; the sender will send it again
            }
            let at = at as usize;
            if self.held.len() <= at {
                self.held.resize(at + 1, None);
            }
            self.held[at] = Some(byte);
        }
        // FIN takes the number after the last payload byte; it counts only inside the window.
        let fin_at = start + payload.len() as i64;
        if fin && self.fin.is_none() && (0..self.window as i64).contains(&fin_at) {
            self.fin = Some(seq.wrapping_add(payload.len() as u32));
        }
        // Return what is now in order: the bytes at the front, up to the first gap.
        let mut ready = Vec::new();
        while let Some(Some(byte)) = self.held.front() {
            ready.push(*byte);
            self.held.pop_front();
        }
        self.next = self.next.wrapping_add(ready.len() as u32);
        ready
    }

    pub fn is_finished(&self) -> bool {
        self.fin == Some(self.next)
    }

    /// How far `seq` lies after `next` (negative: before it), modulo 2^32.
    fn distance(&self, seq: u32) -> i32 {
        seq.wrapping_sub(self.next) as i32
    }
}
