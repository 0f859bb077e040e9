//! The challenge's battery: your `send` and `receive` over real UDP sockets through the lossy
//! relay (lesson_28_reliable::relay, seeded: the same losses on every run), and each alone
//! against a scripted peer that records every datagram and when it came. Each check names the
//! section of the spec (book/28-reliable.md) it tests, and checks what arrives, never anything
//! printed. (`cargo exercise lesson-28-reliable` runs them on src/exercise.rs.)

use std::collections::{BTreeSet, VecDeque};
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, UdpSocket};
use std::panic;
use std::thread;
use std::time::{Duration, Instant};

use lesson_28_reliable::relay::{Faults, Relay};
use lesson_28_reliable::{fingerprint, receive, send, Config, Link, Packet};
use testkit::allocations::{live_bytes, Counting};
use testkit::{fail, yours};

/// Counts the bytes each thread has allocated and not freed (testkit::allocations), so that a
/// check can see how much memory your receiver holds (it runs on the check's own thread there).
#[global_allocator]
static COUNTING: Counting = Counting;

/// Settings for fast checks on loopback. The receiver lingers as long as the sender may
/// still try (tries × max_rto), so no loss at the end can strand a correct sender.
const CONFIG: Config = Config {
    payload: 1000,
    window: 8,
    rto: Duration::from_millis(30),
    max_rto: Duration::from_millis(200),
    tries: 10,
    idle: Duration::from_secs(5),
    linger: Duration::from_secs(2),
};

/// A Link over a real UDP socket (the receiver learns its peer from the first datagram).
struct Udp {
    socket: UdpSocket,
    peer: Option<SocketAddr>,
}

impl Link for Udp {
    fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
        let to = self.peer.ok_or(ErrorKind::NotConnected)?;
        self.socket.send_to(datagram, to).map(drop)
    }

    fn recv(&mut self, wait: Duration) -> io::Result<Option<Vec<u8>>> {
        assert!(!wait.is_zero(), "Link::recv was given a zero wait");
        self.socket.set_read_timeout(Some(wait))?;
        let mut buf = vec![0u8; 65_536];
        match self.socket.recv_from(&mut buf) {
            Ok((n, from)) => {
                self.peer.get_or_insert(from);
                Ok(Some(buf[..n].to_vec()))
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Some bytes that are not all alike.
fn stream(len: usize) -> Vec<u8> {
    (0..len as u64)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// Your receiver on a thread, your sender here, through a relay with `faults`. Fails the check
/// unless the receiver returns exactly `data` and both end well within `bound`.
#[track_caller]
fn deliver(data: &[u8], config: Config, faults: Faults, bound: Duration) {
    let receiving = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let relay = Relay::start(receiving.local_addr().unwrap(), faults).expect("the relay");
    let name = thread::current().name().unwrap_or("receiver").to_string();
    let receiver = thread::Builder::new()
        .name(name)
        .spawn(move || {
            let mut link = Udp {
                socket: receiving,
                peer: None,
            };
            yours(|| receive(&mut link, &config))
        })
        .unwrap();
    let started = Instant::now();
    let mut link = Udp {
        socket: UdpSocket::bind("127.0.0.1:0").expect("bind"),
        peer: Some(relay.addr),
    };
    let sent = yours(|| send(&mut link, data, &config));
    let got = match receiver.join() {
        Ok(got) => got,
        Err(panicked) => panic::resume_unwind(panicked),
    };
    let took = started.elapsed();
    let [there, back] = relay.counts();
    let what = format!(
        "{} bytes through a relay losing {}%, repeating {}%, holding back up to {:?} (seed {}): \
         {} datagrams there ({} lost), {} back ({} lost)",
        data.len(),
        faults.loss,
        faults.duplicate,
        faults.jitter + faults.delay,
        faults.seed,
        there.received,
        there.lost,
        back.received,
        back.lost
    );
    if let Err(e) = &sent {
        fail(
            &format!("send() failed: {what}."),
            "Ok(())",
            &format!("Err({e})"),
        );
    }
    match got {
        Ok(got) if got == data => {}
        Ok(got) => fail(
            &format!("The receiver's bytes are not the sender's: {what}."),
            &format!("{} bytes, hash {:016x}", data.len(), fingerprint(data)),
            &format!(
                "{} bytes, hash {:016x}, first difference at byte {}",
                got.len(),
                fingerprint(&got),
                got.iter()
                    .zip(data)
                    .position(|(a, b)| a != b)
                    .unwrap_or(got.len().min(data.len()))
            ),
        ),
        Err(e) => fail(
            &format!("receive() failed: {what}."),
            "the bytes",
            &format!("Err({e})"),
        ),
    }
    if took > bound {
        fail(
            &format!("The delivery took too long: {what}."),
            &format!("within {bound:?}"),
            &format!("{took:?}"),
        );
    }
}

fn faults(loss: u32, duplicate: u32, jitter_ms: u64, seed: u64) -> Faults {
    Faults {
        loss,
        duplicate,
        delay: Duration::ZERO,
        jitter: Duration::from_millis(jitter_ms),
        seed,
    }
}

#[test]
fn delivery_without_loss() {
    // Spec, "What send and receive do": the bytes, each once, in order.
    deliver(
        &stream(200_000),
        CONFIG,
        faults(0, 0, 0, 1),
        Duration::from_secs(5),
    );
}

#[test]
fn delivery_with_10_percent_loss() {
    // Spec, "Retransmission": lost Data and lost Acks are made good.
    deliver(
        &stream(100_000),
        CONFIG,
        faults(10, 0, 0, 2),
        Duration::from_secs(15),
    );
}

#[test]
fn delivery_with_30_percent_loss() {
    deliver(
        &stream(30_000),
        CONFIG,
        faults(30, 0, 0, 3),
        Duration::from_secs(20),
    );
}

#[test]
fn delivery_with_duplicates_and_reordering() {
    // Spec, "Receiving": a packet may come twice, or after the ones behind it.
    deliver(
        &stream(100_000),
        CONFIG,
        faults(5, 30, 20, 4),
        Duration::from_secs(15),
    );
}

#[test]
fn delivery_of_short_streams() {
    // Spec, "Datagrams": an empty stream is an End alone; a stream of whole packets has no
    // empty Data at its end.
    let config = Config {
        payload: 100,
        ..CONFIG
    };
    let name = thread::current().name().unwrap_or("short").to_string();
    thread::scope(|scope| {
        for len in [0, 1, 100, 1000] {
            let run = move || {
                deliver(
                    &stream(len),
                    config,
                    faults(10, 10, 0, 5),
                    Duration::from_secs(10),
                )
            };
            let named = thread::Builder::new().name(name.clone());
            named.spawn_scoped(scope, run).expect("a thread");
        }
    });
}

#[test]
fn delivery_over_a_slow_path_needs_the_backoff() {
    // Spec, "Retransmission": each datagram takes 100 ms each way, the first timeout is
    // 10 ms. A sender that does not double its wait gives up after 6 tries (60 ms) before
    // the first Ack can come back (200 ms); one that does waits 10, 20, 40, 80, 160 ms.
    let config = Config {
        rto: Duration::from_millis(10),
        max_rto: Duration::from_millis(400),
        tries: 6,
        window: 4,
        linger: Duration::from_millis(2400),
        ..CONFIG
    };
    let slow = Faults {
        delay: Duration::from_millis(100),
        ..faults(0, 0, 0, 6)
    };
    deliver(&stream(8_000), config, slow, Duration::from_secs(15));
}

/// What a scripted peer saw: each datagram sent to it, and when.
type Log = Vec<(Instant, Vec<u8>)>;

/// A scripted receiver for your sender, in memory: it answers each Data and End with the
/// datagrams `answer` makes from what it has so far, and records everything.
struct ScriptedReceiver<F: FnMut(u32) -> Vec<Vec<u8>>> {
    log: Log,
    delivered: Vec<u8>,
    next: u32,
    ended: bool,
    replies: VecDeque<Vec<u8>>,
    answer: F,
}

impl<F: FnMut(u32) -> Vec<Vec<u8>>> Link for ScriptedReceiver<F> {
    fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
        self.log.push((Instant::now(), datagram.to_vec()));
        match Packet::parse(datagram) {
            Some(Packet::Data { seq, payload }) if seq == self.next => {
                self.delivered.extend_from_slice(&payload);
                self.next += 1;
            }
            Some(Packet::End { seq }) if seq == self.next => {
                self.ended = true;
                self.next += 1;
            }
            _ => {}
        }
        let replies = (self.answer)(self.next);
        self.replies.extend(replies);
        Ok(())
    }

    fn recv(&mut self, wait: Duration) -> io::Result<Option<Vec<u8>>> {
        assert!(!wait.is_zero(), "Link::recv was given a zero wait");
        match self.replies.pop_front() {
            Some(reply) => Ok(Some(reply)),
            None => {
                thread::sleep(wait);
                Ok(None)
            }
        }
    }
}

fn ack(next: u32) -> Vec<u8> {
    Packet::Ack { next }.encode()
}

#[test]
fn sender_ignores_bad_datagrams_and_false_acks() {
    // Spec, "Sending": anything but an Ack, and an Ack of packets never sent, change nothing.
    // (50 packets: far more than the window, so the false Acks come before the end is sent.)
    let data = stream(50_000);
    let mut peer = ScriptedReceiver {
        log: Log::new(),
        delivered: Vec::new(),
        next: 0,
        ended: false,
        replies: VecDeque::new(),
        answer: |next| {
            vec![
                Vec::new(),
                b"A".to_vec(),
                b"A\0\0".to_vec(),
                b"Z\0\0\0\0".to_vec(),
                Packet::Data {
                    seq: next,
                    payload: b"?".to_vec(),
                }
                .encode(),
                ack(next + 1_000), // beyond what was sent
                ack(next),
            ]
        },
    };
    let sent = yours(|| send(&mut peer, &data, &CONFIG));
    if sent.is_err() || !peer.ended || peer.delivered != data {
        fail(
            "Bad datagrams and an Ack of packets never sent must change nothing: the sender \
             goes on until every packet and the End are acknowledged for real.",
            &format!("Ok(()), {} bytes and the End delivered", data.len()),
            &format!(
                "{sent:?}, {} bytes delivered, End {}",
                peer.delivered.len(),
                if peer.ended {
                    "delivered"
                } else {
                    "never delivered"
                }
            ),
        );
    }
}

#[test]
fn sender_keeps_to_the_window_backs_off_and_gives_up() {
    // Spec, "Sending" and "Retransmission": a receiver that never answers. At most `window`
    // packets out; the oldest sent again after rto, 2 rto, 4 rto… (up to max_rto); at the
    // tries-th expiry, TimedOut.
    let config = Config {
        rto: Duration::from_millis(20),
        max_rto: Duration::from_millis(160),
        tries: 7,
        window: 4,
        ..CONFIG
    };
    let mut silent = ScriptedReceiver {
        log: Log::new(),
        delivered: Vec::new(),
        next: u32::MAX, // accepts nothing
        ended: false,
        replies: VecDeque::new(),
        answer: |_| Vec::new(),
    };
    let started = Instant::now();
    let sent = yours(|| send(&mut silent, &stream(20_000), &config));
    let took = started.elapsed();
    let seqs: BTreeSet<u32> = silent
        .log
        .iter()
        .filter_map(|(_, d)| match Packet::parse(d) {
            Some(Packet::Data { seq, .. } | Packet::End { seq }) => Some(seq),
            _ => None,
        })
        .collect();
    if seqs.len() > config.window {
        fail(
            "With nothing acknowledged, the sender sent more packets than the window allows.",
            &format!(
                "at most {} packets (0 to {})",
                config.window,
                config.window - 1
            ),
            &format!("{} packets: {seqs:?}", seqs.len()),
        );
    }
    let first: Vec<Instant> = silent
        .log
        .iter()
        .filter(|(_, d)| matches!(Packet::parse(d), Some(Packet::Data { seq: 0, .. })))
        .map(|(at, _)| *at)
        .collect();
    let gaps: Vec<u128> = first
        .windows(2)
        .map(|w| (w[1] - w[0]).as_millis())
        .collect();
    // Sums and counts rather than each gap: on a loaded machine one sleep may overshoot.
    // Expected: [20, 40, 80, 160, 160, 160]; a fixed timeout gives [20, 20, 20, 20, 20, 20],
    // no ceiling [20, 40, 80, 160, 320, 640].
    let later: u128 = gaps.iter().skip(2).sum();
    let grows = gaps.len() >= 4
        && gaps[0] >= 18
        && later >= 8 * 20
        && gaps.iter().filter(|&&g| g > 300).count() <= 1;
    if !grows {
        fail(
            "Packet 0, never acknowledged, must be sent again after rto (20 ms), then after \
             twice as long each time, up to max_rto (160 ms): 20, 40, 80, 160, 160… ms.",
            "gaps of about [20, 40, 80, 160, 160, 160] ms",
            &format!("gaps of {gaps:?} ms"),
        );
    }
    if first.len() != config.tries as usize {
        fail(
            "Packet 0 goes once, then again at each expiry but the last: the tries-th expiry \
             (7 here) gives up instead of sending it once more.",
            "packet 0 sent 7 times",
            &format!("packet 0 sent {} times", first.len()),
        );
    }
    match sent {
        Err(e) if e.kind() == ErrorKind::TimedOut && took < Duration::from_secs(5) => {}
        other => fail(
            "At the tries-th expiry in a row (7 here) with no new acknowledgement, the sender \
             gives up with an error of kind TimedOut.",
            "Err(TimedOut) after about 0.8 s",
            &format!("{other:?} after {took:?}"),
        ),
    }
}

/// A scripted sender for your receiver, in memory: it hands over the packets in a scrambled
/// order with copies and bad datagrams in between, then again from the receiver's last Ack,
/// in order, until all are acknowledged; and it checks every Ack against what it handed over.
#[test]
fn sender_a_new_acknowledgement_brings_the_wait_back_to_rto() {
    // Spec, "Retransmission": the receiver ignores the first four copies of packet 0 (the wait
    // grows to 320 ms), acknowledges the fifth, then never answers again. Packet 1, the oldest
    // in flight now, must go again after rto (20 ms), not after the grown wait.
    let config = Config {
        rto: Duration::from_millis(20),
        max_rto: Duration::from_millis(640),
        tries: 8,
        window: 1, // each answer is to packet 0 until it is acknowledged
        ..CONFIG
    };
    let mut copies = 0;
    let mut peer = ScriptedReceiver {
        log: Log::new(),
        delivered: Vec::new(),
        next: 0,
        ended: false,
        replies: VecDeque::new(),
        answer: |next| {
            copies += 1;
            match next {
                1 if copies == 5 => vec![ack(1)],
                _ => Vec::new(),
            }
        },
    };
    let _ = yours(|| send(&mut peer, &stream(5_000), &config));
    let times = |seq: u32| -> Vec<Instant> {
        peer.log
            .iter()
            .filter(
                |(_, d)| matches!(Packet::parse(d), Some(Packet::Data { seq: s, .. }) if s == seq),
            )
            .map(|(at, _)| *at)
            .collect()
    };
    let (zero, one) = (times(0), times(1));
    let gap = match (zero.get(4), one.get(1)) {
        (Some(acked), Some(again)) => again.saturating_duration_since(*acked),
        _ => fail(
            "Packet 0's fifth copy was acknowledged (A 1); then packet 1 got no answer and had \
             to go again.",
            "packet 0 sent 5 times, packet 1 at least twice",
            &format!("packet 0 sent {} times, packet 1 {}", zero.len(), one.len()),
        ),
    };
    if gap > Duration::from_millis(200) {
        fail(
            "After four expiries the wait had grown to 320 ms; then A 1 came, something new: \
             the wait goes back to rto (20 ms) for packet 1.",
            "packet 1 again about 20 ms after A 1",
            &format!("packet 1 again {} ms after A 1", gap.as_millis()),
        );
    }
}

#[test]
fn sender_cuts_the_stream_into_payloads_then_the_end() {
    // Spec, "Datagrams": exactly two payloads' bytes are D 0, D 1, E 2 (no empty Data at the
    // end); an empty stream is E 0 alone.
    for (len, expected) in [(2 * CONFIG.payload, "D 0, D 1, E 2"), (0, "E 0")] {
        let mut peer = ScriptedReceiver {
            log: Log::new(),
            delivered: Vec::new(),
            next: 0,
            ended: false,
            replies: VecDeque::new(),
            answer: |next| vec![ack(next)],
        };
        let _ = yours(|| send(&mut peer, &stream(len), &CONFIG));
        let mut packets: Vec<String> = Vec::new();
        for (_, d) in &peer.log {
            let name = match Packet::parse(d) {
                Some(Packet::Data { seq, .. }) => format!("D {seq}"),
                Some(Packet::End { seq }) => format!("E {seq}"),
                _ => format!("{d:?}"),
            };
            if !packets.contains(&name) {
                packets.push(name);
            }
        }
        if packets.join(", ") != expected {
            fail(
                &format!("A stream of {len} bytes, payload {}.", CONFIG.payload),
                expected,
                &packets.join(", "),
            );
        }
    }
}

struct ScriptedSender {
    packets: Vec<Vec<u8>>,
    plan: VecDeque<(Option<u32>, Vec<u8>)>,
    handed: BTreeSet<u32>,
    acks: Vec<u32>,
    /// An Ack that claims more than has been handed over, or goes back: (what, expected).
    wrong: Option<(String, String)>,
    end_again: bool,
    /// How many Data and End datagrams were handed over (copies included): each gets one Ack.
    answerable: usize,
    /// Bytes held on this thread when packet 0 was first handed over, over `baseline`.
    held_before_0: Option<isize>,
    baseline: isize,
}

impl ScriptedSender {
    fn new(data: &[u8], payload: usize, first_round: &[u32]) -> ScriptedSender {
        let mut packets: Vec<Vec<u8>> = data
            .chunks(payload)
            .enumerate()
            .map(|(seq, c)| {
                Packet::Data {
                    seq: seq as u32,
                    payload: c.to_vec(),
                }
                .encode()
            })
            .collect();
        packets.push(
            Packet::End {
                seq: packets.len() as u32,
            }
            .encode(),
        );
        let mut plan = VecDeque::new();
        for &seq in first_round {
            plan.push_back((None, vec![0xff, 0, 1]));
            plan.push_back((None, ack(seq)));
            plan.push_back((Some(seq), packets[seq as usize].clone()));
        }
        ScriptedSender {
            packets,
            plan,
            handed: BTreeSet::new(),
            acks: Vec::new(),
            wrong: None,
            end_again: false,
            answerable: 0,
            held_before_0: None,
            baseline: live_bytes(),
        }
    }

    fn total(&self) -> u32 {
        self.packets.len() as u32
    }
}

impl Link for ScriptedSender {
    fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
        let Some(Packet::Ack { next }) = Packet::parse(datagram) else {
            self.wrong.get_or_insert((
                format!("a datagram that is not an Ack: {datagram:?}"),
                "Ack datagrams only".into(),
            ));
            return Ok(());
        };
        let truth = (0..).find(|s| !self.handed.contains(s)).unwrap_or(0);
        if next > truth || self.acks.last().is_some_and(|&last| next < last) {
            self.wrong.get_or_insert((
                format!(
                    "A {next} after packets {:?} (Acks so far {:?})",
                    self.handed, self.acks
                ),
                format!("A {truth} at most, and never less than the Ack before"),
            ));
        }
        self.acks.push(next);
        Ok(())
    }

    fn recv(&mut self, wait: Duration) -> io::Result<Option<Vec<u8>>> {
        assert!(!wait.is_zero(), "Link::recv was given a zero wait");
        let last = self.acks.last().copied().unwrap_or(0);
        if self.plan.is_empty() && last < self.total() {
            for seq in last..self.total() {
                self.plan
                    .push_back((Some(seq), self.packets[seq as usize].clone()));
            }
        }
        if self.plan.is_empty() && last == self.total() && !self.end_again {
            // As if our last Ack had been lost: the End again, once.
            self.end_again = true;
            self.answerable += 1;
            let end = self.packets.last().unwrap().clone();
            return Ok(Some(end));
        }
        match self.plan.pop_front() {
            Some((seq, datagram)) => {
                if seq == Some(0) && self.held_before_0.is_none() {
                    self.held_before_0 = Some(live_bytes() - self.baseline);
                }
                self.handed.extend(seq);
                self.answerable += usize::from(seq.is_some());
                Ok(Some(datagram))
            }
            None => {
                thread::sleep(wait.min(Duration::from_millis(50)));
                Ok(None)
            }
        }
    }
}

/// Bytes for a message: all of a short stream; the length and hash of a long one.
fn shown(bytes: &[u8]) -> String {
    match bytes.len() {
        0..=80 => format!("b\"{}\"", bytes.escape_ascii()),
        n => format!("{n} bytes, hash {:016x}", fingerprint(bytes)),
    }
}

#[track_caller]
fn receive_scripted(data: &[u8], payload: usize, first_round: &[u32]) -> ScriptedSender {
    let config = Config { payload, ..CONFIG };
    let mut peer = ScriptedSender::new(data, payload, first_round);
    let got = yours(|| receive(&mut peer, &config));
    if let Some((what, expected)) = &peer.wrong {
        fail("The receiver sent a wrong Ack.", expected, what);
    }
    if peer.acks.len() != peer.answerable {
        fail(
            "Every Data and End (copies too) gets one Ack; an Ack or a datagram that is not a \
             packet gets none (spec, \"Receiving\").",
            &format!(
                "{} Acks for {} Data and End datagrams",
                peer.answerable, peer.answerable
            ),
            &format!("{} Acks", peer.acks.len()),
        );
    }
    match got {
        Ok(got) if got == data => {}
        Ok(got) => fail(
            &format!(
                "The receiver returned other bytes than were sent (packets handed over first \
                 in the order {:?}…, copies included, bad datagrams between them).",
                &first_round[..first_round.len().min(20)]
            ),
            &shown(data),
            &shown(&got),
        ),
        Err(e) => fail("receive() failed.", "the bytes", &format!("Err({e})")),
    }
    peer
}

#[test]
fn receiver_delivers_each_packet_once_in_order() {
    // Spec, "Receiving": early packets, copies, bad datagrams; Acks never claim more than
    // has come, and never go back.
    let data = b"abcdefghijklmnopqrstuvwxyz0123";
    receive_scripted(data, 3, &[2, 0, 0, 1, 5, 4, 4, 3, 1, 10, 9, 7, 8, 6, 6]);
}

#[test]
fn receiver_ignores_what_is_not_data() {
    // Spec, "Receiving": Acks and bad datagrams sent to a receiver are ignored.
    receive_scripted(b"hello, world", 4, &[0, 1, 2, 3]);
}

#[test]
fn receiver_answers_a_repeated_end_while_it_lingers() {
    // Spec, "The end": the receiver's last Ack may be lost; the End comes again, and is
    // answered again.
    let peer = receive_scripted(b"last words", 5, &[0, 1, 2]);
    let finals = peer.acks.iter().filter(|&&next| next == 3).count();
    if finals < 2 {
        fail(
            "The End came a second time (as if the receiver's Ack had been lost): the receiver \
             must still answer it while it lingers.",
            "A 3 twice",
            &format!("Acks {:?}", peer.acks),
        );
    }
}

#[test]
fn receiver_gives_up_when_nothing_comes() {
    // Spec, "The end": nothing for `idle`: TimedOut.
    struct Silence;
    impl Link for Silence {
        fn send(&mut self, _: &[u8]) -> io::Result<()> {
            Ok(())
        }
        fn recv(&mut self, wait: Duration) -> io::Result<Option<Vec<u8>>> {
            assert!(!wait.is_zero(), "Link::recv was given a zero wait");
            thread::sleep(wait.min(Duration::from_millis(600)));
            Ok(None)
        }
    }
    let config = Config {
        idle: Duration::from_millis(300),
        ..CONFIG
    };
    let started = Instant::now();
    let got = yours(|| receive(&mut Silence, &config));
    let took = started.elapsed();
    if !matches!(&got, Err(e) if e.kind() == ErrorKind::TimedOut) || took > Duration::from_secs(3) {
        fail(
            "Nothing came for idle (300 ms): the receiver must give up with TimedOut.",
            "Err(TimedOut) after about 300 ms",
            &format!("{got:?} after {took:?}"),
        );
    }
}

#[test]
fn receiver_gives_up_when_nothing_comes_after_a_first_packet() {
    // Spec, "The end": idle counts after the first datagram too. D 0, then silence; the link
    // stops the check (with an error of kind Other) if the receiver still waits after 3 s.
    struct OneThenSilence {
        first: Option<Vec<u8>>,
        started: Instant,
    }
    impl Link for OneThenSilence {
        fn send(&mut self, _: &[u8]) -> io::Result<()> {
            Ok(())
        }
        fn recv(&mut self, wait: Duration) -> io::Result<Option<Vec<u8>>> {
            assert!(!wait.is_zero(), "Link::recv was given a zero wait");
            if let Some(first) = self.first.take() {
                return Ok(Some(first));
            }
            if self.started.elapsed() > Duration::from_secs(3) {
                return Err(io::Error::other("the check stopped waiting"));
            }
            thread::sleep(wait.min(Duration::from_millis(100)));
            Ok(None)
        }
    }
    let config = Config {
        idle: Duration::from_millis(300),
        ..CONFIG
    };
    let first = Packet::Data {
        seq: 0,
        payload: b"x".to_vec(),
    };
    let mut link = OneThenSilence {
        first: Some(first.encode()),
        started: Instant::now(),
    };
    let got = yours(|| receive(&mut link, &config));
    let took = link.started.elapsed();
    if !matches!(&got, Err(e) if e.kind() == ErrorKind::TimedOut) || took > Duration::from_secs(3) {
        fail(
            "D 0 came, then nothing for idle (300 ms): the receiver must give up with TimedOut, \
             as before the first datagram.",
            "Err(TimedOut) after about 300 ms",
            &format!("{got:?} after {took:?}"),
        );
    }
}

#[test]
fn receiver_keeps_at_most_a_window_of_early_packets() {
    // Spec, "Receiving": packets that come early are kept, at most `window` of them (8 here),
    // or dropped. 3000 packets of 1000 bytes come before packet 0: a receiver that keeps them
    // all holds 3 MB; one that keeps a window, 8 KB.
    let data = stream(3_001_000);
    let early: Vec<u32> = (1..=3000).collect();
    let peer = receive_scripted(&data, 1000, &early);
    let held = peer.held_before_0.unwrap_or(0);
    if held > 1_000_000 {
        fail(
            "3000 packets came before packet 0, and the receiver kept them all: a sender (or \
             anyone) can make it hold any amount of memory. Keep at most `window` early packets.",
            "well under 1 MB held when packet 0 came",
            &format!("{:.1} MB held", held as f64 / 1e6),
        );
    }
}

/// A datagram that must change nothing for a sender with nothing acknowledged: not a packet,
/// a receiver's packet, an Ack of nothing new (`A 0`), an Ack of packets never sent.
fn noise(i: usize) -> Vec<u8> {
    let all = [
        Vec::new(),
        b"A".to_vec(),
        b"Z\0\0\0\0".to_vec(),
        ack(0),
        Packet::Data {
            seq: 0,
            payload: b"?".to_vec(),
        }
        .encode(),
        Packet::End { seq: 0 }.encode(),
        ack(1_000),
    ];
    all[i % all.len()].clone()
}

#[test]
fn sender_gives_up_on_a_peer_that_answers_only_noise() {
    // Spec, "Sending" and "Retransmission": a receiver that accepts nothing, but sends a
    // datagram that changes nothing every 5 ms. Only a new acknowledgement resets the wait and
    // the count: the timer still expires, the wait still doubles, and the sender gives up at
    // the tries-th expiry. The link stops the check (an error of kind Other) after 5 s.
    struct Noisy {
        log: Log,
        started: Instant,
        sent_noise: usize,
    }
    impl Link for Noisy {
        fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
            self.log.push((Instant::now(), datagram.to_vec()));
            Ok(())
        }
        fn recv(&mut self, wait: Duration) -> io::Result<Option<Vec<u8>>> {
            assert!(!wait.is_zero(), "Link::recv was given a zero wait");
            if self.started.elapsed() > Duration::from_secs(5) {
                return Err(io::Error::other("the check stopped waiting"));
            }
            let every = Duration::from_millis(5);
            if wait < every {
                thread::sleep(wait);
                return Ok(None);
            }
            thread::sleep(every);
            self.sent_noise += 1;
            Ok(Some(noise(self.sent_noise)))
        }
    }
    let config = Config {
        rto: Duration::from_millis(20),
        max_rto: Duration::from_millis(160),
        tries: 7,
        window: 4,
        ..CONFIG
    };
    let mut peer = Noisy {
        log: Log::new(),
        started: Instant::now(),
        sent_noise: 0,
    };
    let sent = yours(|| send(&mut peer, &stream(20_000), &config));
    let took = peer.started.elapsed();
    let first: Vec<Instant> = peer
        .log
        .iter()
        .filter(|(_, d)| matches!(Packet::parse(d), Some(Packet::Data { seq: 0, .. })))
        .map(|(at, _)| *at)
        .collect();
    let gaps: Vec<u128> = first
        .windows(2)
        .map(|w| (w[1] - w[0]).as_millis())
        .collect();
    let timed_out = matches!(&sent, Err(e) if e.kind() == ErrorKind::TimedOut);
    if !timed_out || first.len() != config.tries as usize || took > Duration::from_secs(4) {
        fail(
            "The receiver answered only with datagrams that change nothing (garbage, its own \
             packets, A 0 when nothing is acknowledged, A 1000 for packets never sent), one \
             every 5 ms. They must not reset the wait or the count: packet 0 goes again after \
             20, 40, 80, 160, 160, 160 ms, and the 7th expiry gives up.",
            "Err(TimedOut) after about 0.6 s, packet 0 sent 7 times",
            &format!(
                "{sent:?} after {took:?}, packet 0 sent {} times, gaps {gaps:?} ms",
                first.len()
            ),
        );
    }
}

#[test]
fn sender_counts_the_end_in_the_window() {
    // Spec, "Datagrams" and "Sending": the End is a packet like the others. A stream of exactly
    // `window` packets, to a receiver that never answers: the End must wait for a place.
    let config = Config {
        payload: 100,
        window: 4,
        rto: Duration::from_millis(10),
        max_rto: Duration::from_millis(20),
        tries: 3,
        ..CONFIG
    };
    let mut silent = ScriptedReceiver {
        log: Log::new(),
        delivered: Vec::new(),
        next: u32::MAX, // accepts nothing
        ended: false,
        replies: VecDeque::new(),
        answer: |_| Vec::new(),
    };
    let _ = yours(|| send(&mut silent, &stream(400), &config));
    let ends = silent
        .log
        .iter()
        .filter(|(_, d)| matches!(Packet::parse(d), Some(Packet::End { .. })))
        .count();
    if ends > 0 {
        fail(
            "400 bytes in packets of 100 are D 0 to D 3, then E 4; the window is 4 and nothing \
             was acknowledged, so the End (a packet like the others) could not go yet.",
            "D 0 to D 3 only",
            &format!("the End sent {ends} times"),
        );
    }
}

/// A scripted receiver's answers, as a plain function.
type Answers = fn(u32) -> Vec<Vec<u8>>;

#[test]
fn sender_sends_the_end_again_until_it_is_acknowledged() {
    // Spec, "The End is a packet like the others" and "send returns once the End is
    // acknowledged": the first two copies of the End are lost, the third answered.
    struct LosesTheEnd {
        inner: ScriptedReceiver<Answers>,
        ends: usize,
    }
    impl Link for LosesTheEnd {
        fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
            if let Some(Packet::End { .. }) = Packet::parse(datagram) {
                self.ends += 1;
                if self.ends < 3 {
                    return Ok(()); // lost on the way
                }
            }
            self.inner.send(datagram)
        }
        fn recv(&mut self, wait: Duration) -> io::Result<Option<Vec<u8>>> {
            self.inner.recv(wait)
        }
    }
    let mut link = LosesTheEnd {
        inner: ScriptedReceiver {
            log: Log::new(),
            delivered: Vec::new(),
            next: 0,
            ended: false,
            replies: VecDeque::new(),
            answer: |next| vec![ack(next)],
        },
        ends: 0,
    };
    let data = stream(2_500);
    let config = Config {
        rto: Duration::from_millis(20),
        ..CONFIG
    };
    let sent = yours(|| send(&mut link, &data, &config));
    let (ends, inner) = (link.ends, &link.inner);
    if sent.is_err() || ends < 3 || !inner.ended || inner.delivered != data {
        fail(
            "The first two copies of the End were lost: the End has a timer like any packet, \
             and send() returns Ok only once A 4 (for E 3) has come.",
            "the End sent 3 times, then Ok(())",
            &format!("the End sent {ends} times, then {sent:?}"),
        );
    }
}

#[test]
fn sender_restarts_the_timer_on_a_new_acknowledgement() {
    // Spec, "Retransmission": a new acknowledgement restarts the timer (RFC 6298, 5.3). A 1
    // comes 60 ms after D 0 went (rto 100 ms); then nothing more. Packet 1, now the oldest in
    // flight, has its own full rto from the Ack: it must not go again at 100 ms, on D 0's
    // timer, 40 ms after A 1.
    struct AckOnceLate {
        log: Log,
        acked_at: Option<Instant>,
    }
    impl Link for AckOnceLate {
        fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
            self.log.push((Instant::now(), datagram.to_vec()));
            Ok(())
        }
        fn recv(&mut self, wait: Duration) -> io::Result<Option<Vec<u8>>> {
            assert!(!wait.is_zero(), "Link::recv was given a zero wait");
            let first = self
                .log
                .first()
                .map(|(at, _)| *at)
                .unwrap_or_else(Instant::now);
            let ack_time = first + Duration::from_millis(60);
            let left = ack_time.saturating_duration_since(Instant::now());
            if self.acked_at.is_none() && left <= wait {
                thread::sleep(left);
                self.acked_at = Some(Instant::now());
                return Ok(Some(ack(1)));
            }
            thread::sleep(wait);
            Ok(None)
        }
    }
    let config = Config {
        rto: Duration::from_millis(100),
        max_rto: Duration::from_millis(200),
        tries: 2,
        window: 4,
        ..CONFIG
    };
    let mut peer = AckOnceLate {
        log: Log::new(),
        acked_at: None,
    };
    let _ = yours(|| send(&mut peer, &stream(20_000), &config));
    let ones: Vec<Instant> = peer
        .log
        .iter()
        .filter(|(_, d)| matches!(Packet::parse(d), Some(Packet::Data { seq: 1, .. })))
        .map(|(at, _)| *at)
        .collect();
    let gap = match (peer.acked_at, ones.get(1)) {
        (Some(acked), Some(again)) => again.saturating_duration_since(acked),
        _ => fail(
            "A 1 came 60 ms after D 0; then nothing: packet 1 had to go again.",
            "A 1 taken, packet 1 sent twice",
            &format!(
                "A 1 {}, packet 1 sent {} times",
                if peer.acked_at.is_some() {
                    "taken"
                } else {
                    "never asked for"
                },
                ones.len()
            ),
        ),
    };
    if gap < Duration::from_millis(80) {
        fail(
            "A 1 acknowledged something new, 60 ms into D 0's timer (rto 100 ms): the timer \
             restarts for packet 1, which goes again a full rto after A 1.",
            "packet 1 again about 100 ms after A 1",
            &format!("packet 1 again {} ms after A 1", gap.as_millis()),
        );
    }
}

#[test]
fn sender_returns_the_links_error() {
    // Spec, "Retransmission": an error from the link (chapter 10's refused port) ends the send
    // with that error, not a wait and a TimedOut.
    struct Refused {
        sends: usize,
    }
    impl Link for Refused {
        fn send(&mut self, _: &[u8]) -> io::Result<()> {
            self.sends += 1;
            Ok(())
        }
        fn recv(&mut self, wait: Duration) -> io::Result<Option<Vec<u8>>> {
            assert!(!wait.is_zero(), "Link::recv was given a zero wait");
            Err(io::Error::from(ErrorKind::ConnectionRefused))
        }
    }
    let started = Instant::now();
    let mut link = Refused { sends: 0 };
    let sent = yours(|| send(&mut link, &stream(5_000), &CONFIG));
    let took = started.elapsed();
    if !matches!(&sent, Err(e) if e.kind() == ErrorKind::ConnectionRefused)
        || took > Duration::from_millis(500)
    {
        fail(
            "The link's recv() failed with ConnectionRefused (nobody at the peer's port): \
             send() returns that error at once.",
            "Err(ConnectionRefused) within 0.5 s",
            &format!("{sent:?} after {took:?} and {} datagrams", link.sends),
        );
    }
}

#[test]
fn receiver_lingers_while_the_end_keeps_coming() {
    // Spec, "The end": the receiver answers until nothing has come for `linger` (300 ms here),
    // counted from the last datagram, not from the End. The End comes again 4 times, 200 ms
    // apart (800 ms in all): each is answered; then 300 ms of silence, and the bytes.
    struct EndAgain {
        first: VecDeque<Vec<u8>>,
        last: Instant,
        again: usize,
        acks: Vec<(Instant, u32)>,
    }
    impl Link for EndAgain {
        fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
            if let Some(Packet::Ack { next }) = Packet::parse(datagram) {
                self.acks.push((Instant::now(), next));
            }
            Ok(())
        }
        fn recv(&mut self, wait: Duration) -> io::Result<Option<Vec<u8>>> {
            assert!(!wait.is_zero(), "Link::recv was given a zero wait");
            if let Some(first) = self.first.pop_front() {
                self.last = Instant::now();
                return Ok(Some(first));
            }
            let when = self.last + Duration::from_millis(200);
            let left = when.saturating_duration_since(Instant::now());
            if self.again < 4 && left <= wait {
                thread::sleep(left);
                self.again += 1;
                self.last = Instant::now();
                return Ok(Some(Packet::End { seq: 1 }.encode()));
            }
            thread::sleep(wait.min(Duration::from_secs(3)));
            Ok(None)
        }
    }
    let config = Config {
        linger: Duration::from_millis(300),
        ..CONFIG
    };
    let data = Packet::Data {
        seq: 0,
        payload: b"ok".to_vec(),
    };
    let mut link = EndAgain {
        first: VecDeque::from([data.encode(), Packet::End { seq: 1 }.encode()]),
        last: Instant::now(),
        again: 0,
        acks: Vec::new(),
    };
    let started = Instant::now();
    let got = yours(|| receive(&mut link, &config));
    let took = started.elapsed();
    let finals = link.acks.iter().filter(|(_, next)| *next == 2).count();
    if !matches!(&got, Ok(bytes) if bytes == b"ok") || finals != 5 {
        fail(
            "D 0, E 1, then E 1 again every 200 ms, 4 times: while something comes within \
             linger (300 ms), the receiver is still there, and answers each End with A 2.",
            "A 2 five times, then Ok(b\"ok\")",
            &format!(
                "A 2 {finals} times, then {got:?} ({} of the 4 repeated Ends asked for)",
                link.again
            ),
        );
    }
    if took > Duration::from_millis(2_500) {
        fail(
            "After the last End, nothing came: the receiver returns after linger (300 ms).",
            "Ok(b\"ok\") about 1.1 s after the start",
            &format!("{got:?} after {took:?}"),
        );
    }
}

#[test]
fn send_and_receive_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your send and receive runs.
    testkit::prints_nothing(
        "send and receive",
        &[
            "sender_ignores_bad_datagrams_and_false_acks",
            "receiver_ignores_what_is_not_data",
            "sender_returns_the_links_error",
        ],
    );
}
