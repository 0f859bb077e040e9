// Lesson 18's exercise: put a TCP stream back together, as the receiving kernel does. Yours to
// write.
//
// Check it:       cargo exercise lesson-18-wire
// Stuck?          cargo hint lesson-18-wire      (one hint at a time)
// Try it:         cargo run-exercise lesson-18-wire -- --reassemble 1

// ANCHOR: exercise
/// The receiving side of one direction of a TCP connection (RFC 9293, sections 3.4 and
/// 3.10.7.4): segments go in as they arrive — in any order, cut anywhere, some more than once —
/// and out come the bytes recv() may return: the sender's bytes, in the sender's order, each
/// exactly once.
///
/// - `new(isn, window)`: `isn` is the sequence number of the peer's SYN. `window` (at least 1,
///   below 2^31) is how many sequence numbers, counted from the first byte not yet returned,
///   the receiver accepts.
/// - `push(seq, payload, fin)`: one segment. `seq` is the number of its first payload byte
///   (when the payload is empty, of its FIN); `fin`: whether it carries FIN. Returns the bytes
///   this segment made ready: every byte, from the first one not yet returned, up to the first
///   that has not arrived (empty when there are none).
/// - `is_finished()`: whether the stream is complete (below).
///
/// The contract (what the checks test):
/// - The SYN takes one sequence number: the first byte of data is numbered `isn + 1`.
/// - Sequence numbers have 32 bits and wrap around: after 4294967295 comes 0. Every segment the
///   checks push lies within 2^31 of the first byte not yet returned.
/// - A byte that arrives again after it was returned is not returned again: a segment returned
///   entirely already gives nothing, one partly old and partly new gives its new bytes only.
/// - A byte that arrives before those ahead of it is kept, and returned once the gap before it
///   is filled, whatever order and cuts the segments filling it come in.
/// - The window: a byte numbered at or beyond (first byte not yet returned) + `window` is
///   dropped: never kept, never returned, even once the gap before it fills (its sender will
///   send it again). The segment's bytes inside the window are kept. So whatever a sender
///   sends, no more than `window` bytes are ever held.
/// - FIN takes the sequence number after the segment's last payload byte; a FIN whose number is
///   beyond the window when its segment arrives (the window as it was before that segment's
///   own bytes were returned) is dropped, like a byte. `is_finished()` becomes true once every byte
///   before the FIN has been returned, and not before. Bytes at or after the FIN's number are
///   never returned.
/// - The checks send one consistent stream: every copy of a byte holds the same value, and
///   every FIN sent has the same place.
/// - Never a panic, whatever the segment; print nothing (the lesson prints what you return).
pub struct Reassembler {
    // Yours: whatever the receiver must remember.
}

impl Reassembler {
    pub fn new(isn: u32, window: usize) -> Self {
        let _ = (isn, window);
        todo!("what does a receiver start with?")
    }

    pub fn push(&mut self, seq: u32, payload: &[u8], fin: bool) -> Vec<u8> {
        let _ = (seq, payload, fin);
        todo!("take one segment, return the bytes it made ready")
    }

    pub fn is_finished(&self) -> bool {
        todo!("has every byte before the FIN been returned?")
    }
}
// ANCHOR_END: exercise
