//! The lossy relay: a UDP proxy between a sender and a receiver that loses, repeats, holds back
//! and reorders datagrams, as a network may (RFC 768 promises none of these away). Its choices
//! come from a seeded random generator, one per direction, so a run can be repeated exactly:
//! the same seed, the same datagrams lost.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

// ANCHOR: xorshift
/// xorshift64 (Marsaglia, 2003): three shifts and three xors per number. Not for secrets;
/// plenty for choosing which datagram to lose, and the same seed gives the same choices.
pub struct Xorshift(u64);

impl Xorshift {
    pub fn new(seed: u64) -> Xorshift {
        Xorshift(seed.max(1)) // zero would stay zero for ever
    }

    pub fn number(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// True `percent` times in 100.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.number() % 100 < u64::from(percent)
    }
}
// ANCHOR_END: xorshift

/// What the relay does to each datagram.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// Percent of datagrams lost.
    pub loss: u32,
    /// Percent of datagrams sent twice.
    pub duplicate: u32,
    /// How long every datagram is held back.
    pub delay: Duration,
    /// A further random hold of 0 to `jitter`: datagrams overtake each other.
    pub jitter: Duration,
    pub seed: u64,
}

/// What the relay did, in one direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub received: u64,
    pub lost: u64,
    pub duplicated: u64,
}

/// A running relay; it stops when dropped.
pub struct Relay {
    /// Where the sender sends to.
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    counts: Arc<Mutex<[Counts; 2]>>,
    thread: Option<JoinHandle<()>>,
}

/// The most datagrams held back at once; more are lost (memory stays bounded).
const MOST_HELD: usize = 10_000;

type Held = BinaryHeap<Reverse<(Instant, u64, SocketAddr, Vec<u8>)>>;

impl Relay {
    /// A relay on 127.0.0.1, port 0, in front of `receiver`: what comes from anyone else goes
    /// to `receiver`; what comes from `receiver` goes to whoever sent last.
    pub fn start(receiver: SocketAddr, faults: Faults) -> io::Result<Relay> {
        let socket = UdpSocket::bind("127.0.0.1:0")?;
        socket.set_read_timeout(Some(Duration::from_millis(5)))?;
        let addr = socket.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let counts = Arc::new(Mutex::new([Counts::default(); 2]));
        let (s, c) = (stop.clone(), counts.clone());
        let thread = thread::Builder::new()
            .name("relay".into())
            .spawn(move || run(socket, receiver, faults, &s, &c))?;
        Ok(Relay {
            addr,
            stop,
            counts,
            thread: Some(thread),
        })
    }

    /// What it did so far: [towards the receiver, back to the sender].
    pub fn counts(&self) -> [Counts; 2] {
        *self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// ANCHOR: relay
fn run(
    socket: UdpSocket,
    receiver: SocketAddr,
    faults: Faults,
    stop: &AtomicBool,
    counts: &Mutex<[Counts; 2]>,
) {
    // One generator per direction: what happens to the 7th acknowledgement does not depend on
    // how many data packets came before it.
    let mut dice = [
        Xorshift::new(faults.seed),
        Xorshift::new(faults.seed ^ 0x9e37_79b9_7f4a_7c15),
    ];
    let mut sender: Option<SocketAddr> = None;
    let mut held = Held::new();
    let mut order = 0u64; // ties in time leave in arrival order
    let mut buf = vec![0u8; 65_536];
    while !stop.load(Ordering::SeqCst) {
        release_due(&socket, &mut held);
        let (n, from) = match socket.recv_from(&mut buf) {
            Ok(got) => got,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(_) => continue, // e.g. an ICMP error for an earlier datagram: not ours to stop
        };
        let (way, to) = match from == receiver {
            true => (1, sender),
            false => {
                sender = Some(from);
                (0, Some(receiver))
            }
        };
        let Some(to) = to else { continue };
        let dice = &mut dice[way];
        // Always the same draws per datagram, so that one choice does not shift the next.
        let (lost, twice) = (dice.chance(faults.loss), dice.chance(faults.duplicate));
        let jitters = [dice.number(), dice.number()];
        let mut counts = counts.lock().unwrap_or_else(|e| e.into_inner());
        counts[way].received += 1;
        if lost {
            counts[way].lost += 1;
            continue;
        }
        counts[way].duplicated += u64::from(twice);
        for jitter in &jitters[..1 + usize::from(twice)] {
            let extra = faults.jitter.mul_f64((jitter % 1000) as f64 / 1000.0);
            if held.len() < MOST_HELD {
                order += 1;
                let due = Instant::now() + faults.delay + extra;
                held.push(Reverse((due, order, to, buf[..n].to_vec())));
            }
        }
    }
}

/// Send every held datagram whose time has come.
fn release_due(socket: &UdpSocket, held: &mut Held) {
    while let Some(Reverse((due, ..))) = held.peek() {
        if *due > Instant::now() {
            return;
        }
        let Some(Reverse((_, _, to, datagram))) = held.pop() else {
            return;
        };
        let _ = socket.send_to(&datagram, to);
    }
}
// ANCHOR_END: relay
