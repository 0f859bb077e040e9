//! Lesson 28, the UDP challenge: reliable delivery over UDP, built from the spec in
//! book/28-reliable.md. UDP (RFC 768) delivers each datagram once, late, twice or never, in
//! any order; the learner's `send` and `receive` make a byte stream out of it anyway, with
//! sequence numbers, acknowledgements, retransmission with backoff, and a window. The lesson
//! gives them a `Link` (each datagram narrated here), and a lossy relay to cross.
//!
//! The datagrams: `D` + seq (4 bytes, big-endian) + payload; `E` + seq (the end); `A` + next
//! (every packet below `next` has arrived). The demo sends a short text through a relay that
//! loses 30% of the datagrams and repeats 10%, with a fixed seed.

use std::io::{self, ErrorKind, Read};
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use common::trace::Kind;
use common::{show_bytes, Flag, Lesson, LessonError, Narrator, Options, Result};
use lesson_28_reliable::relay::{Faults, Relay};
use lesson_28_reliable::{fingerprint, receive, send, Config, Link, Packet};

static LESSON: Lesson = Lesson {
    package: "lesson-28-reliable",
    title: "Challenge: reliable delivery over UDP",
    port: 7028,
    about: "A byte stream over UDP, through loss, duplicates and reordering: Data packets\n\
            (D seq payload), an End (E seq), cumulative acknowledgements (A next);\n\
            retransmission when the oldest packet waits too long, the wait doubling each time.\n\
            The demo sends a text through a lossy relay (30% lost, 10% twice, seed 28).\n\
            The server receives one stream (behind a lossy relay with --loss etc.) and prints\n\
            its size and hash; the client sends its standard input.",
    flags: &[
        Flag {
            name: "--loss",
            value: Some("PCT"),
            help: "relay: percent of datagrams lost (demo: 30; server: 0, no relay)",
        },
        Flag {
            name: "--dup",
            value: Some("PCT"),
            help: "relay: percent of datagrams sent twice (demo: 10)",
        },
        Flag {
            name: "--jitter",
            value: Some("MS"),
            help: "relay: hold each datagram back 0 to MS ms, so they overtake each other",
        },
        Flag {
            name: "--seed",
            value: Some("N"),
            help: "relay: the random generator's seed (default 28): the same seed, the same losses",
        },
        Flag {
            name: "--rto",
            value: Some("MS"),
            help: "the first retransmission timeout (default 200)",
        },
    ],
};

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

fn config(opts: &Options) -> Result<Config> {
    let rto: u64 = opts.value("--rto", 200)?;
    Ok(Config {
        rto: Duration::from_millis(rto),
        ..Config::DEFAULT
    })
}

/// The relay's faults from the flags; `loss` and `dup` default to the given values.
fn faults(opts: &Options, loss: u32, dup: u32) -> Result<Faults> {
    let jitter: u64 = opts.value("--jitter", 0)?;
    Ok(Faults {
        loss: opts.value("--loss", loss)?.min(100),
        duplicate: opts.value("--dup", dup)?.min(100),
        delay: Duration::ZERO,
        jitter: Duration::from_millis(jitter),
        seed: opts.value("--seed", 28)?,
    })
}

// ANCHOR: link
/// The lesson's `Link`: a UDP socket and its peer, each call narrated (or quiet: `say` is
/// `None`). A receiver learns its peer from the first Data or End that comes (a stranger's
/// garbage first must not take the place); datagrams from anyone else are not for us.
struct UdpLink {
    socket: UdpSocket,
    peer: Option<SocketAddr>,
    say: Option<Narrator>,
}

impl Link for UdpLink {
    fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
        let to = self.peer.ok_or(ErrorKind::NotConnected)?;
        let Some(say) = &self.say else {
            return self.socket.send_to(datagram, to).map(drop);
        };
        let call = format!("send_to({to}, {})", show_packet(datagram));
        let sent = || self.socket.send_to(datagram, to);
        say.call_then(call, "one datagram", sent, |n| format!("{n} bytes"))
            .map_err(into_io)?;
        say.moved(Kind::Send, "send_to", datagram);
        Ok(())
    }

    fn recv(&mut self, wait: Duration) -> io::Result<Option<Vec<u8>>> {
        let until = Instant::now() + wait;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            self.socket.set_read_timeout(Some(left))?;
            match self.recv_one(left)? {
                Some((datagram, from)) if self.peer == Some(from) => return Ok(Some(datagram)),
                Some((datagram, from)) if self.peer.is_none() && opens(&datagram) => {
                    self.peer = Some(from);
                    return Ok(Some(datagram));
                }
                Some(_) => continue, // a stranger's datagram: not for us
                None => return Ok(None),
            }
        }
    }
}

impl UdpLink {
    /// One recv_from(), narrated: a datagram, or `None` when the wait ran out.
    fn recv_one(&self, wait: Duration) -> io::Result<Option<(Vec<u8>, SocketAddr)>> {
        let mut buf = vec![0u8; 65_536];
        let mut recv = || loop {
            match self.socket.recv_from(&mut buf) {
                Ok((n, from)) => return Ok(Some((buf[..n].to_vec(), from))),
                // Stopped and continued (Ctrl-Z, fg): with a read timeout set, Linux ends the
                // wait with EINTR (signal(7)). Nothing came: wait again.
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Ok(None)
                }
                Err(e) => return Err(e),
            }
        };
        let Some(say) = &self.say else {
            return recv();
        };
        let shown = |got: &Option<(Vec<u8>, SocketAddr)>| match got {
            Some((datagram, from)) => format!("{} from {from}", show_packet(datagram)),
            None => "nothing before the timer ran out".to_string(),
        };
        // The wait is not shown: it is what is left of the timer, a few ms less on a busy
        // machine, and the book's output must not change with the load. (--trace has times.)
        let _ = wait;
        let got = say
            .call_then(
                "recv_from()",
                "the next datagram, or the timer's end",
                recv,
                shown,
            )
            .map_err(into_io)?;
        if let Some((datagram, _)) = &got {
            say.moved(Kind::Recv, "recv_from", datagram);
        }
        Ok(got)
    }
}

/// Can this datagram be a sender's first? A Data or an End.
fn opens(datagram: &[u8]) -> bool {
    matches!(
        Packet::parse(datagram),
        Some(Packet::Data { .. } | Packet::End { .. })
    )
}

/// A datagram as the spec writes it: `D 3 b"once"`, `E 7`, `A 4`; anything else as bytes.
fn show_packet(datagram: &[u8]) -> String {
    match Packet::parse(datagram) {
        Some(Packet::Data { seq, payload }) => format!("D {seq} {}", show_bytes(&payload)),
        Some(Packet::End { seq }) => format!("E {seq}"),
        Some(Packet::Ack { next }) => format!("A {next}"),
        None => format!("not a packet: {}", show_bytes(datagram)),
    }
}

/// The `io::Error` inside a narrated call's error (the narrator has reported it).
fn into_io(err: LessonError) -> io::Error {
    err.source.unwrap_or_else(|| io::Error::other(err.reason))
}
// ANCHOR_END: link

/// bind(), narrated.
fn bind(addr: SocketAddr, say: &Narrator) -> Result<UdpSocket> {
    let bound = |socket: &UdpSocket| match socket.local_addr() {
        Ok(local) => format!("ok, bound to {local}"),
        Err(_) => "ok".to_string(),
    };
    let why = "a UDP socket with an address";
    say.call_then(
        format!("bind({addr})"),
        why,
        || UdpSocket::bind(addr),
        bound,
    )
}

// ANCHOR: server
/// Receive one stream (behind a lossy relay if --loss, --dup or --jitter say so), and say
/// how many bytes came, and their hash.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("receiver");
    let config = config(opts)?;
    let socket = bind(opts.addr, &say)?;
    let bound = socket
        .local_addr()
        .map_err(|e| say.failed("getsockname()", e))?;
    let faults = faults(opts, 0, 0)?;
    let mut relay = None;
    if faults.loss + faults.duplicate > 0 || !faults.jitter.is_zero() {
        let started = Relay::start(bound, faults).map_err(|e| say.failed("Relay::start()", e))?;
        say.note(format!("a lossy relay in front of us at {}", started.addr));
        relay = Some(started);
    }
    opts.ready(relay.as_ref().map_or(bound, |r| r.addr));
    let mut link = UdpLink {
        socket,
        peer: None,
        say: Some(say.clone()),
    };
    let call = "receive(link)";
    let got = say.call_then(
        call,
        "your receiver",
        || receive(&mut link, &config),
        |s| format!("{} bytes", s.len()),
    )?;
    println!(
        "received {} bytes, hash {:016x}",
        got.len(),
        fingerprint(&got)
    );
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
/// Send standard input to the receiver at --addr.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("sender");
    let config = config(opts)?;
    let mut data = Vec::new();
    if common::narrate::step_mode() {
        say.note("step mode reads Enter from standard input: sending a sample line");
        data.extend_from_slice(b"one line, reliably\n");
    } else {
        std::io::stdin()
            .read_to_end(&mut data)
            .map_err(|e| say.failed("read_to_end(stdin)", e))?;
    }
    let socket = bind("127.0.0.1:0".parse().expect("an address"), &say)?;
    // connect() on UDP: the kernel then tells us when nobody listens (an ICMP error).
    say.call(
        format!("connect({})", opts.addr),
        "talk to one peer",
        || socket.connect(opts.addr),
    )?;
    let mut link = UdpLink {
        socket,
        peer: Some(opts.addr),
        say: Some(say.clone()),
    };
    let call = format!("send(link, {} bytes)", data.len());
    say.call(call, "your sender", || send(&mut link, &data, &config))?;
    println!(
        "sent {} bytes, hash {:016x}",
        data.len(),
        fingerprint(&data)
    );
    Ok(())
}
// ANCHOR_END: client

// ANCHOR: demo
/// A short text through a relay that loses 30% and repeats 10%: the sender narrated, the
/// receiver on a thread of its own, quiet.
fn demo(opts: &Options) -> Result<()> {
    let say = opts.narrator("sender");
    let lesson = opts.narrator("lesson");
    let config = Config {
        payload: 8,
        window: 4,
        max_rto: Duration::from_secs(1),
        linger: Duration::from_secs(1),
        ..config(opts)?
    };
    let receiving = bind("127.0.0.1:0".parse().expect("an address"), &lesson)?;
    let at = receiving
        .local_addr()
        .map_err(|e| lesson.failed("getsockname()", e))?;
    let faults = faults(opts, 30, 10)?;
    let relay = Relay::start(at, faults).map_err(|e| lesson.failed("Relay::start()", e))?;
    lesson.note(format!(
        "receiver at {at}, quiet; a relay in front of it at {}: {}% lost, {}% twice, seed {}",
        relay.addr, faults.loss, faults.duplicate, faults.seed
    ));
    let receiver = thread::spawn(move || {
        let mut link = UdpLink {
            socket: receiving,
            peer: None,
            say: None,
        };
        receive(&mut link, &config)
    });
    let text = b"every byte, once, in order\n";
    let socket = bind("127.0.0.1:0".parse().expect("an address"), &say)?;
    let mut link = UdpLink {
        socket,
        peer: Some(relay.addr),
        say: Some(say.clone()),
    };
    let call = format!("send(link, {} bytes)", text.len());
    say.call(call, "your sender", || send(&mut link, text, &config))?;
    let got = receiver
        .join()
        .unwrap_or_else(|_| Err(io::Error::other("receiver panicked")));
    let got = got.map_err(|e| lesson.failed("receive(link)", e))?;
    let [there, back] = relay.counts();
    lesson.note(format!(
        "relay: {} data datagrams ({} lost, {} twice), {} acks ({} lost, {} twice)",
        there.received, there.lost, there.duplicated, back.received, back.lost, back.duplicated
    ));
    lesson.note(format!("the receiver got {}", show_bytes(&got)));
    Ok(())
}
// ANCHOR_END: demo
