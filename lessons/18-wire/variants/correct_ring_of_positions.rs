// CORRECT, written differently: sequence numbers are turned into positions in the stream (a
// u64 that never wraps, counted from the first byte of data), and the bytes that came early
// sit in a ring of `window` slots, the byte at position p in slot p % window.

pub struct Reassembler {
    /// The sequence number of position 0, the first byte of data.
    first: u32,
    /// How many bytes were returned: the position of the next one.
    returned: u64,
    /// ring[p % window]: the byte at position p, for returned <= p < returned + window.
    ring: Vec<Option<u8>>,
    /// The FIN's position, once known.
    end: Option<u64>,
}

impl Reassembler {
    pub fn new(isn: u32, window: usize) -> Self {
        Reassembler {
            first: isn.wrapping_add(1),
            returned: 0,
            ring: vec![None; window],
            end: None,
        }
    }

    /// The position of `seq`: the nearest one to `returned` with those 32 low bits.
    fn position(&self, seq: u32) -> i64 {
        let next = self.first.wrapping_add(self.returned as u32);
        self.returned as i64 + i64::from(seq.wrapping_sub(next) as i32)
    }

    pub fn push(&mut self, seq: u32, payload: &[u8], fin: bool) -> Vec<u8> {
        let slots = self.ring.len() as i64;
        let from = self.returned as i64;
        let edge = from + slots;
        let start = self.position(seq);
        let stop = self.end.map_or(edge, |end| edge.min(end as i64));
        for (p, &byte) in (start..).zip(payload) {
            if (from..stop).contains(&p) {
                self.ring[(p % slots) as usize] = Some(byte);
            }
        }
        let end = start + payload.len() as i64;
        if fin && self.end.is_none() && (from..edge).contains(&end) {
            self.end = Some(end as u64);
            for p in end..edge {
                self.ring[(p % slots) as usize] = None;
            }
        }
        let mut ready = Vec::new();
        let slots = slots as u64;
        while let Some(byte) = self.ring[(self.returned % slots) as usize].take() {
            ready.push(byte);
            self.returned += 1;
        }
        ready
    }

    pub fn is_finished(&self) -> bool {
        self.end == Some(self.returned)
    }
}
