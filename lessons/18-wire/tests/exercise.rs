//! The exercise's checks: your `Reassembler` gets segments as a network delivers them (in
//! order, out of order, repeated, overlapping, across the 2^32 wrap of sequence numbers,
//! beyond its window), and the checks look at the bytes each `push` returns, at
//! `is_finished()`, and (for a hostile sender) at the memory it holds. The last checks are
//! many random cases from a fixed seed: the same on every run. (`cargo exercise
//! lesson-18-wire` runs them on src/exercise.rs.)

use lesson_18_wire::{Random, Reassembler};
use testkit::allocations::{peak_during, Counting};
use testkit::{fail, yours};

// Memory: an allocator that counts the bytes each thread allocates (a check's figures are its
// own thread's, whatever other tests do meanwhile).
#[global_allocator]
static COUNTING: Counting = Counting;

/// Bytes as the book shows them: `b"hello"`.
fn show(bytes: &[u8]) -> String {
    format!("b\"{}\"", bytes.escape_ascii())
}

/// The pushes of a check so far, the last ones if there are many.
fn listing(log: &[String]) -> String {
    const SHOWN: usize = 40;
    let skip = log.len().saturating_sub(SHOWN);
    let mut text = String::new();
    if skip > 0 {
        text.push_str(&format!("({skip} pushes before these)\n"));
    }
    text.push_str(&log[skip..].join("\n"));
    text
}

/// One receiver under test, with what was pushed into it, for the messages. Offsets are
/// counted from the first byte of data (the SYN's number + 1); the messages show both.
struct Receiver {
    receiver: Reassembler,
    isn: u32,
    log: Vec<String>,
}

impl Receiver {
    fn new(isn: u32, window: usize) -> Self {
        Receiver {
            receiver: yours(|| Reassembler::new(isn, window)),
            isn,
            log: vec![format!("Reassembler::new({isn}, {window})")],
        }
    }

    /// The sequence number of the byte `offset` bytes after the first byte of data.
    fn seq(&self, offset: i64) -> u32 {
        self.isn.wrapping_add(1).wrapping_add(offset as u32)
    }

    fn call(&self, offset: i64, payload: &[u8], fin: bool) -> String {
        let seq = self.seq(offset);
        format!("push({seq}, {}, {fin})  (isn+1{offset:+})", show(payload))
    }

    /// Push a segment; it must return `expected`.
    #[track_caller]
    fn push(&mut self, offset: i64, payload: &[u8], fin: bool, expected: &[u8], what: &str) {
        let seq = self.seq(offset);
        let call = self.call(offset, payload, fin);
        let got = yours(|| self.receiver.push(seq, payload, fin));
        if got != expected {
            let before = listing(&self.log);
            fail(
                &format!("{what}: the last push returned the wrong bytes."),
                &format!("{before}\n{call} -> {}", show(expected)),
                &format!("{call} -> {}", show(&got)),
            );
        }
        self.log.push(format!("{call} -> {}", show(&got)));
    }

    #[track_caller]
    fn finished(&mut self, expected: bool, what: &str) {
        let got = yours(|| self.receiver.is_finished());
        if got != expected {
            fail(
                &format!("{what}: is_finished() is wrong."),
                &format!("{}\nis_finished() -> {expected}", listing(&self.log)),
                &format!("is_finished() -> {got}"),
            );
        }
        self.log.push(format!("is_finished() -> {got}"));
    }
}

const BIG: usize = 65_535;

#[test]
fn segments_in_order_come_out_at_once() {
    let mut r = Receiver::new(1000, BIG);
    let what = "Segments in order";
    r.push(0, b"hello", false, b"hello", what);
    r.push(5, b", ", false, b", ", what);
    r.push(7, b"world\n", false, b"world\n", what);
    r.finished(false, "No FIN yet");
}

#[test]
fn the_syn_takes_one_number() {
    let what = "The SYN takes one sequence number: the first byte of data is isn + 1";
    let mut r = Receiver::new(7_000_000, BIG);
    r.push(0, b"abc", false, b"abc", what);
    // A segment that starts at the SYN's own number: that number is the SYN's, not data.
    let mut r = Receiver::new(7_000_000, BIG);
    r.push(-1, b"Xabc", false, b"abc", what);
}

#[test]
fn sequence_numbers_wrap_at_2_32() {
    let what = "Sequence numbers wrap: after 4294967295 comes 0";
    let mut r = Receiver::new(u32::MAX - 2, BIG); // data from 4294967294
    r.push(0, b"ab", false, b"ab", what); // 4294967294, 4294967295
    r.push(2, b"cd", false, b"cd", what); // 0, 1
                                          // Out of order across the wrap: the segment numbered 2 is ahead of 4294967295, not behind.
    let mut r = Receiver::new(u32::MAX - 2, BIG);
    r.push(4, b"ef", false, b"", what); // 2, 3: held
    r.push(2, b"cd", false, b"", what); // 0, 1: held
    r.push(0, b"ab", false, b"abcdef", what);
    // A repeat from before the wrap, after it: old, not far ahead.
    r.push(1, b"bcdefg", false, b"g", what);
    let mut r = Receiver::new(u32::MAX - 10, BIG);
    r.push(3, b"0123456789abcdef", false, b"", what);
    r.push(0, b"xyz", false, b"xyz0123456789abcdef", what);
}

#[test]
fn a_repeated_segment_gives_nothing() {
    let what = "A segment returned already gives nothing";
    let mut r = Receiver::new(5, BIG);
    r.push(0, b"hello", false, b"hello", what);
    r.push(0, b"hello", false, b"", what);
    r.push(0, b"hel", false, b"", what);
    r.push(1, b"el", false, b"", what);
    r.push(4, b"o", false, b"", what);
    r.push(5, b" world", false, b" world", what);
    // Entirely old, and shorter than what lies between its start and the next byte.
    r.push(2, b"l", false, b"", what);
}

#[test]
fn a_segment_partly_old_gives_its_new_bytes_only() {
    let what = "A segment partly old, partly new: only its new bytes";
    let mut r = Receiver::new(100, BIG);
    r.push(0, b"hello", false, b"hello", what);
    r.push(3, b"lo, world", false, b", world", what);
    r.push(0, b"hello, world!", false, b"!", what);
}

#[test]
fn out_of_order_bytes_wait_for_the_gap() {
    let what = "Bytes that arrive early are kept until the gap before them fills";
    let mut r = Receiver::new(1, BIG);
    r.push(6, b"world", false, b"", what);
    r.push(5, b" ", false, b"", what);
    r.push(0, b"hello", false, b"hello world", what);
    // Overlapping pieces, cut differently, filling the gap together.
    let mut r = Receiver::new(4_000_000_000, BIG);
    r.push(8, b"ijkl", false, b"", what);
    r.push(3, b"defg", false, b"", what);
    r.push(5, b"fghij", false, b"", what);
    r.push(8, b"ij", false, b"", what);
    r.push(1, b"bc", false, b"", what);
    r.push(0, b"ab", false, b"abcdefghijkl", what);
    // Two gaps: the first filled returns up to the second.
    let mut r = Receiver::new(0, BIG);
    r.push(2, b"c", false, b"", what);
    r.push(4, b"e", false, b"", what);
    r.push(0, b"ab", false, b"abc", what);
    r.push(3, b"d", false, b"de", what);
}

#[test]
fn bytes_beyond_the_window_are_dropped() {
    let what = "Bytes at or beyond next + window are dropped, never returned later";
    let mut r = Receiver::new(50, 8);
    r.push(8, b"zz", false, b"", what); // just beyond the window: dropped
    r.push(0, b"abcdefgh", false, b"abcdefgh", what);
    r.push(8, b"ij", false, b"ij", what); // inside the window now
                                          // A segment across the window's edge: what is inside is kept.
    let mut r = Receiver::new(50, 8);
    r.push(4, b"efghijkl", false, b"", what);
    r.push(0, b"abcd", false, b"abcdefgh", what);
    r.push(8, b"IJKL", false, b"IJKL", what); // the first copy's ijkl were dropped
                                              // A sender far ahead: nothing of it is kept.
    let mut r = Receiver::new(u32::MAX - 3, 16);
    for k in 1..200 {
        r.push(16 * k, &[b'x'; 16], false, b"", what);
    }
    r.push(0, b"0123456789abcdef", false, b"0123456789abcdef", what);
    r.push(16, b"done", false, b"done", what);
}

#[test]
fn the_window_moves_with_what_was_returned() {
    let what = "The window counts from the first byte not yet returned";
    let mut r = Receiver::new(u32::MAX - 40, 8);
    let text: Vec<u8> = (0..120).map(|i| b'a' + (i % 26) as u8).collect();
    for (k, piece) in text.chunks(4).enumerate() {
        r.push(4 * k as i64, piece, false, piece, what);
    }
    // Out of order, far from the start but inside the window that has moved.
    r.push(124, b"4567", false, b"", what);
    r.push(120, b"0123", false, b"01234567", what);
}

#[test]
fn fin_comes_after_the_last_byte() {
    let what = "FIN takes the number after the segment's last byte";
    let mut r = Receiver::new(9, BIG);
    r.push(0, b"bye", true, b"bye", what);
    r.finished(true, "Every byte before the FIN returned");
    r.push(
        0,
        b"bye",
        true,
        b"",
        "After the end, a repeat gives nothing",
    );
    r.finished(true, "Still finished after a repeat");
    // A FIN on its own, with no payload: its number is seq itself.
    let mut r = Receiver::new(u32::MAX, BIG);
    r.push(0, b"ok", false, b"ok", what);
    r.finished(false, "No FIN yet");
    r.push(2, b"", true, b"", what);
    r.finished(true, "A bare FIN right after the last byte");
}

#[test]
fn fin_early_waits_for_the_bytes_before_it() {
    let what = "A FIN that arrives before bytes in front of it";
    let mut r = Receiver::new(77, BIG);
    r.push(3, b"def", true, b"", what);
    r.finished(false, "The FIN arrived, but bytes before it are missing");
    r.push(1, b"b", false, b"", what);
    r.finished(false, "The FIN arrived, but bytes before it are missing");
    r.push(0, b"abc", false, b"abcdef", what);
    r.finished(true, "Every byte before the FIN returned");
}

#[test]
fn nothing_at_or_after_the_fin() {
    let what = "Bytes at or after the FIN's number are never returned";
    let mut r = Receiver::new(1234, BIG);
    r.push(2, b"c", true, b"", what);
    r.push(3, b"XYZ", false, b"", what);
    r.push(0, b"ab", false, b"abc", what);
    r.finished(true, "Every byte before the FIN returned");
    r.push(3, b"more", false, b"", what);
    r.finished(true, "Still finished");
    // Bytes past the FIN that were held before it came are not the stream's either.
    let mut r = Receiver::new(9, BIG);
    r.push(1, b"X", false, b"", what);
    r.push(3, b"YZ", false, b"", what);
    r.push(0, b"a", true, b"a", what);
    r.finished(true, "Every byte before the FIN returned");
}

#[test]
fn a_fin_beyond_the_window_is_dropped() {
    let what = "A FIN whose number lies beyond the window is dropped";
    let mut r = Receiver::new(0, 4);
    r.push(0, b"ab", false, b"ab", what);
    // The window now covers isn+1+2 to isn+1+5: the bytes fit, the FIN (isn+1+6) does not.
    r.push(2, b"cdef", true, b"cdef", what);
    r.finished(false, "The FIN was beyond the window when it came");
    r.push(6, b"", true, b"", what);
    r.finished(true, "The FIN sent again, inside the window");
}

#[test]
fn a_sender_cannot_make_it_hold_more_than_the_window() {
    // A hostile sender: 4096 segments of a window's length, one starting at each byte of the
    // window, all overlapping, none at the next byte; then 2000 segments far ahead.
    let window = 4096;
    let isn = u32::MAX - 1000;
    let data = vec![b'x'; window];
    let (returned, peak) = peak_during(|| {
        let mut receiver = yours(|| Reassembler::new(isn, window));
        let mut returned = 0;
        for offset in 1..window as u32 {
            let seq = isn.wrapping_add(1).wrapping_add(offset);
            returned += yours(|| receiver.push(seq, &data, false)).len();
        }
        for k in 0..2000u32 {
            let seq = isn.wrapping_add(1).wrapping_add(window as u32 * (k + 2));
            returned += yours(|| receiver.push(seq, &data, false)).len();
        }
        returned
    });
    let limit = 32 * window + 65_536;
    if returned != 0 || peak > limit {
        fail(
            &format!(
                "A sender pushed 4095 overlapping segments of {window} bytes inside a window of \
                 {window}, none of them at the next byte, then 2000 far beyond the window: \
                 nothing is returned, and what the receiver holds stays about one window \
                 (counted: the most your Reassembler had allocated at once)."
            ),
            &format!("0 bytes returned, at most {limit} bytes allocated at once"),
            &format!("{returned} bytes returned, {peak} bytes allocated at once"),
        );
    }
}

// --- Many random cases, from a fixed seed ---------------------------------------------------

/// What the receiver must do, by the contract, for a sender that sends pieces of one known
/// stream: which bytes arrived inside the window, whether FIN did, what is returned.
struct Model {
    len: usize,
    window: usize,
    have: Vec<bool>,
    next: usize,
    fin: bool,
}

impl Model {
    /// The range of the stream this segment makes ready.
    fn push(&mut self, offset: usize, n: usize, fin: bool) -> std::ops::Range<usize> {
        for i in offset..offset + n {
            if i >= self.next && i < self.next + self.window {
                self.have[i] = true;
            }
        }
        if fin && offset + n == self.len && self.len < self.next + self.window {
            self.fin = true;
        }
        let from = self.next;
        while self.next < self.len && self.have[self.next] {
            self.next += 1;
        }
        from..self.next
    }
}

/// Random pieces of `stream[from..]`, 1 to `longest` bytes each; FIN on the last.
fn cut(random: &mut Random, from: usize, len: usize, longest: usize) -> Vec<(usize, usize, bool)> {
    let mut pieces = Vec::new();
    let mut at = from;
    while at < len {
        let n = (1 + random.below(longest)).min(len - at);
        pieces.push((at, n, at + n == len));
        at += n;
    }
    if pieces.is_empty() || random.below(4) == 0 {
        pieces.push((len, 0, true)); // a bare FIN (again)
    }
    pieces
}

/// A sender's rounds: each round sends everything not yet returned (the receiver's ACK),
/// cut anew, plus some repeats, all shuffled; until the receiver is finished.
fn run_case(case: usize, random: &mut Random, small_window: bool) {
    let isn = match random.below(3) {
        0 => u32::MAX - random.below(300) as u32, // the data crosses the wrap
        1 => random.below(1 << 16) as u32,
        _ => (random.below(1 << 30) as u32) << 2,
    };
    let len = random.below(200);
    let stream: Vec<u8> = (0..len).map(|_| b'a' + random.below(26) as u8).collect();
    let window = match small_window {
        true => 1 + random.below(16),
        false => len + 1 + random.below(100),
    };
    let mut r = Receiver::new(isn, window);
    let mut model = Model {
        len,
        window,
        have: vec![false; len],
        next: 0,
        fin: false,
    };
    let what = format!(
        "Random case {case} ({len} bytes after a SYN numbered {isn}, window {window}, \
         cut, repeated and shuffled)"
    );
    for _round in 0..400 {
        let longest = 1 + random.below(24);
        let mut pieces = cut(random, model.next, len, longest);
        for _ in 0..random.below(4) {
            let (from, longest) = (random.below(len + 1), 1 + random.below(24));
            let more = cut(random, from, len, longest);
            let take = random.below(more.len() + 1);
            pieces.extend(more.into_iter().take(take));
        }
        for i in (1..pieces.len()).rev() {
            pieces.swap(i, random.below(i + 1));
        }
        for (offset, n, fin) in pieces {
            let ready = model.push(offset, n, fin);
            let payload = &stream[offset..offset + n];
            r.push(offset as i64, payload, fin, &stream[ready], &what);
        }
        let done = model.fin && model.next == len;
        r.finished(done, &what);
        if done {
            return;
        }
    }
    panic!("{what}: the model never finished (a bug in this test)");
}

#[test]
fn any_cuts_orders_and_repeats_give_the_stream() {
    let mut random = Random(18);
    for case in 1..=400 {
        run_case(case, &mut random, false);
    }
}

#[test]
fn a_sender_that_resends_through_a_small_window() {
    let mut random = Random(1982);
    for case in 1..=200 {
        run_case(case, &mut random, true);
    }
}

#[test]
fn prints_nothing() {
    testkit::prints_nothing(
        "Reassembler",
        &[
            "out_of_order_bytes_wait_for_the_gap",
            "bytes_beyond_the_window_are_dropped",
            "fin_early_waits_for_the_bytes_before_it",
        ],
    );
}
