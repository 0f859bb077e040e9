//! The wire view: the real segments of an exchange, printed in the narration's timeline.
//!
//! With `--wire`, a lesson's demo runs in a private network namespace of its own (Linux:
//! `unshare(CLONE_NEWUSER | CLONE_NEWNET)`, then `lo` brought up), a packet socket (`AF_PACKET`,
//! packet(7)) captures everything on that namespace's loopback, and after each narrated line
//! the segments sent since then are printed:
//!
//! ```text
//! client  connect(127.0.0.1:40001) -> ok, from 127.0.0.1:40002
//! wire     +0.000ms  client:40002 > server:40001  [S]  seq 0  win 65495  mss 65495 sackOK TS wscale 7
//! wire     +0.012ms  server:40001 > client:40002  [S.]  seq 0  ack 1  win 65483  mss 65495 sackOK TS wscale 7
//! wire     +0.020ms  client:40002 > server:40001  [.]  seq 1  ack 1  win 65536
//! ```
//!
//! Sequence and acknowledgment numbers are relative to each side's first (SYN) number, as
//! tcpdump shows them; the window is in bytes (already multiplied by the window scale the side
//! announced, RFC 7323); flags are written as tcpdump writes them (`S` SYN, `F` FIN, `P` PSH,
//! `R` RST, `.` ACK). Ports are named after the side that owns them when the lesson knows it.
//!
//! The namespace is private: nothing else on the machine can be seen in it, and nothing in it
//! can be reached from outside, which is why only the demo (both sides in one process) can use
//! it. With `--pcap FILE` the same capture is written as a pcap file for `tcpdump -r FILE` or
//! Wireshark. Where a namespace cannot be made, [`refused_message`] says why, how to allow it,
//! and how to watch the same exchange from outside with tcpdump; the lesson then runs as usual.

use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use etherparse::{NetSlice, SlicedPacket, TcpOptionElement, TransportSlice};

#[cfg(target_os = "linux")]
mod linux;

/// Is the capture running (the namespace was made and the packet socket is open)?
static CAPTURING: AtomicBool = AtomicBool::new(false);
/// Does `--wire` print the segments (and not only write them to a pcap file)?
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // used by the capture, Linux only
static SHOW: AtomicBool = AtomicBool::new(false);
/// Who owns which port, as the lesson's narration said (`server`, `alice`, …).
static NAMES: Mutex<Option<HashMap<u16, String>>> = Mutex::new(None);
/// Turns captured frames into lines (it remembers each connection's first sequence numbers).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // used by the capture, Linux only
static DECODER: Mutex<Option<Decoder>> = Mutex::new(None);

/// What the command line asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// `--wire`: print each segment in the timeline.
    pub show: bool,
    /// `--pcap FILE`: write the capture to FILE.
    pub pcap: Option<std::path::PathBuf>,
}

/// Has the lesson asked to show the wire in its demo without `--wire` (lesson 18)?
static BY_DEFAULT: AtomicBool = AtomicBool::new(false);

/// For a lesson about the wire itself: its demo shows the segments without being asked.
/// Call it in `main`, before `common::cli::main`.
pub fn show_by_default() {
    BY_DEFAULT.store(true, Ordering::SeqCst);
}

/// Does this lesson's demo show the wire without `--wire`?
pub fn shown_by_default() -> bool {
    BY_DEFAULT.load(Ordering::SeqCst)
}

/// Why the wire view is off, to tell the learner (the lesson goes on without it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Start the capture. Must run before the process makes any thread (a process that shares
/// its memory with other threads cannot move to a new user namespace: unshare(2), EINVAL).
/// `port` is the lesson's own port, for the tcpdump line shown when it cannot start.
pub fn start(request: &Request, package: &str, port: u16) -> Result<(), Refused> {
    if !request.show && request.pcap.is_none() {
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    {
        match linux::start(request.pcap.as_deref()) {
            Ok(()) => {}
            Err(linux::Failure::Refused(why)) => return Err(refused_message(&why, package, port)),
            Err(linux::Failure::Stuck(why)) => {
                // Half-way into a namespace whose loopback may be down, the lesson cannot run.
                eprintln!(
                    "error: the wire view failed after the lesson moved to its own network \
                     namespace: {why}.\nRun the lesson without --wire and --pcap."
                );
                std::process::exit(1);
            }
        }
        SHOW.store(request.show, Ordering::SeqCst);
        *DECODER.lock().unwrap_or_else(|e| e.into_inner()) = Some(Decoder::default());
        CAPTURING.store(true, Ordering::SeqCst);
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(refused_message(
            &format!(
                "the wire view needs Linux (a private network namespace and an AF_PACKET \
                 capture); this is {}",
                std::env::consts::OS
            ),
            package,
            port,
        ))
    }
}

/// The message for a learner whose system would not make the namespace: why, how to allow
/// it, and how to see the same segments from outside.
pub fn refused_message(why: &str, package: &str, port: u16) -> Refused {
    let interface = if cfg!(target_os = "macos") {
        "lo0"
    } else {
        "lo"
    };
    let mut text = format!("the wire view is off: {why}.\n");
    if cfg!(target_os = "linux") {
        text.push_str(
            "  To allow unprivileged user namespaces (as root, until the next boot):\n    \
             sysctl -w kernel.unprivileged_userns_clone=1                 (Debian and older Ubuntu)\n    \
             sysctl -w kernel.apparmor_restrict_unprivileged_userns=0     (Ubuntu 23.10 and later)\n    \
             sysctl -w user.max_user_namespaces=15000                     (if it is 0)\n  \
             or run the lesson as root (sudo), where a network namespace needs no user namespace.\n",
        );
    } else if cfg!(windows) {
        text.push_str(
            "  On Windows, Wireshark with the Npcap loopback adapter shows the same segments.\n",
        );
    }
    text.push_str(&format!(
        "  To watch the same exchange from outside, run the demo on a fixed port:\n    \
         cargo run -p {package} -- --addr 127.0.0.1:{port}\n  and in another terminal:\n    \
         sudo tcpdump -i {interface} -n port {port}\n  The lesson runs on without the wire view."
    ));
    Refused(text)
}

/// Is the capture running?
pub fn is_on() -> bool {
    CAPTURING.load(Ordering::SeqCst)
}

/// Name a port after the side that owns it (`server`, `alice`): wire lines then say
/// `alice:40002` instead of the bare number.
pub fn name_port(port: u16, who: &str) {
    if !is_on() || port == 0 {
        return;
    }
    NAMES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashMap::new)
        .insert(port, who.to_string());
}

/// Print (with `--wire`) and write to the pcap file (with `--pcap`) every frame the kernel
/// has sent since the last call: called by the narration after each line, so that a call's
/// segments follow the line that narrates it. Waits until the capture has caught up.
pub fn drain(out: &mut dyn Write) {
    if !is_on() {
        return;
    }
    #[cfg(target_os = "linux")]
    for frame in linux::caught_up() {
        show(out, &frame);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = out;
}

/// The end of the lesson: the last frames, and with `--wire` a count of what was captured
/// against what the kernel says it sent, and how many frames the capture lost.
pub fn finish(out: &mut dyn Write) {
    if !is_on() {
        return;
    }
    drain(out);
    #[cfg(target_os = "linux")]
    {
        let summary = linux::finish();
        if SHOW.load(Ordering::SeqCst) {
            let _ = writeln!(out, "wire    -- {summary}");
        }
    }
    let _ = out.flush();
}

/// One captured frame: when the kernel stamped it, and its bytes from the Ethernet header on.
pub struct Frame {
    /// Time since the Unix epoch, from the kernel's timestamp.
    pub at: Duration,
    pub data: Vec<u8>,
}

#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // used by the capture, Linux only
fn show(out: &mut dyn Write, frame: &Frame) {
    if !SHOW.load(Ordering::SeqCst) {
        return;
    }
    let names = NAMES.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut decoder = DECODER.lock().unwrap_or_else(|e| e.into_inner());
    let decoder = decoder.get_or_insert_with(Decoder::default);
    if let Some(line) = decoder.line(frame, &names.unwrap_or_default()) {
        let _ = writeln!(out, "{line}");
    }
}

/// What a direction of a TCP connection announced in its SYN.
#[derive(Clone, Copy)]
struct Direction {
    /// The first sequence number (the SYN's), to show the others relative to it.
    first: u32,
    /// The window scale it announced (RFC 7323), if any.
    scale: Option<u8>,
}

/// Turns frames into wire lines. It remembers each direction's first sequence number and
/// window scale, and names the ports of a connection after its first SYN.
#[derive(Default)]
pub struct Decoder {
    directions: HashMap<(SocketAddr, SocketAddr), Direction>,
    /// Ports seen sending a first SYN (clients) or receiving one (servers).
    roles: HashMap<u16, &'static str>,
    last: Option<Duration>,
}

impl Decoder {
    /// The wire line for one frame, or `None` for a frame that is not IP (none on `lo`).
    pub fn line(&mut self, frame: &Frame, names: &HashMap<u16, String>) -> Option<String> {
        let packet = SlicedPacket::from_ethernet(&frame.data).ok()?;
        let (src_ip, dst_ip): (IpAddr, IpAddr) = match packet.net.as_ref()? {
            NetSlice::Ipv4(ip) => (
                ip.header().source_addr().into(),
                ip.header().destination_addr().into(),
            ),
            NetSlice::Ipv6(ip) => (
                ip.header().source_addr().into(),
                ip.header().destination_addr().into(),
            ),
            NetSlice::Arp(_) => return None,
        };
        let gap = match self.last {
            Some(last) => frame.at.saturating_sub(last),
            None => Duration::ZERO,
        };
        self.last = Some(frame.at);
        let time = format!("+{:.3}ms", gap.as_secs_f64() * 1000.0);
        let what = match packet.transport.as_ref()? {
            TransportSlice::Tcp(tcp) => {
                let src = SocketAddr::new(src_ip, tcp.source_port());
                let dst = SocketAddr::new(dst_ip, tcp.destination_port());
                if tcp.syn() && !tcp.ack() {
                    self.roles.entry(src.port()).or_insert("client");
                    self.roles.entry(dst.port()).or_insert("server");
                }
                let ends = format!("{} > {}", self.name(src, names), self.name(dst, names));
                format!("{ends}  {}", self.tcp(src, dst, tcp))
            }
            TransportSlice::Udp(udp) => {
                let src = SocketAddr::new(src_ip, udp.source_port());
                let dst = SocketAddr::new(dst_ip, udp.destination_port());
                let payload = udp.payload();
                format!(
                    "{} > {}  UDP  len {}  {}",
                    self.name(src, names),
                    self.name(dst, names),
                    payload.len(),
                    crate::show_bytes(payload)
                )
            }
            TransportSlice::Icmpv4(icmp) => {
                let what = match (icmp.type_u8(), icmp.code_u8()) {
                    (3, 3) => "port unreachable".to_string(),
                    (t, c) => format!("type {t} code {c}"),
                };
                format!(
                    "{src_ip} > {dst_ip}  ICMP {what}{}",
                    self.quoted(icmp.payload(), names)
                )
            }
            TransportSlice::Icmpv6(icmp) => {
                let what = match (icmp.type_u8(), icmp.code_u8()) {
                    (1, 4) => "port unreachable".to_string(),
                    (t, c) => format!("type {t} code {c}"),
                };
                format!(
                    "{src_ip} > {dst_ip}  ICMPv6 {what}{}",
                    self.quoted(icmp.payload(), names)
                )
            }
            _ => return None,
        };
        Some(format!("wire    {time:>9}  {what}"))
    }

    /// An ICMP error quotes the start of the datagram it is about: `, about UDP a > b`.
    fn quoted(&self, payload: &[u8], names: &HashMap<u16, String>) -> String {
        let Ok(packet) = SlicedPacket::from_ip(payload) else {
            return String::new();
        };
        let ips = match packet.net {
            Some(NetSlice::Ipv4(ip)) => (
                IpAddr::from(ip.header().source_addr()),
                IpAddr::from(ip.header().destination_addr()),
            ),
            Some(NetSlice::Ipv6(ip)) => (
                IpAddr::from(ip.header().source_addr()),
                IpAddr::from(ip.header().destination_addr()),
            ),
            _ => return String::new(),
        };
        match packet.transport {
            Some(TransportSlice::Udp(udp)) => format!(
                ", about UDP {} > {}",
                self.name(SocketAddr::new(ips.0, udp.source_port()), names),
                self.name(SocketAddr::new(ips.1, udp.destination_port()), names)
            ),
            _ => String::new(),
        }
    }

    /// `client:40002`: the owner's name, or the role seen in the handshake, and the port.
    fn name(&self, addr: SocketAddr, names: &HashMap<u16, String>) -> String {
        let port = addr.port();
        match names
            .get(&port)
            .map(String::as_str)
            .or(self.roles.get(&port).copied())
        {
            Some(who) => format!("{who}:{port}"),
            None => addr.to_string(),
        }
    }

    /// `[P.]  seq 1  ack 1  win 65536  len 6  b"hello\n"`
    fn tcp(&mut self, src: SocketAddr, dst: SocketAddr, tcp: &etherparse::TcpSlice) -> String {
        let mut options = Vec::new();
        let mut scale = None;
        for option in tcp.options_iterator().flatten() {
            match option {
                TcpOptionElement::MaximumSegmentSize(mss) => options.push(format!("mss {mss}")),
                TcpOptionElement::WindowScale(shift) => {
                    scale = Some(shift);
                    options.push(format!("wscale {shift}"));
                }
                TcpOptionElement::SelectiveAcknowledgementPermitted => {
                    options.push("sackOK".to_string())
                }
                TcpOptionElement::SelectiveAcknowledgement(..) => options.push("sack".into()),
                // Timestamps (RFC 7323) are in every segment; a SYN shows that they are on.
                TcpOptionElement::Timestamp(..) if tcp.syn() => options.push("TS".into()),
                _ => {}
            }
        }
        if tcp.syn() {
            self.directions.insert(
                (src, dst),
                Direction {
                    first: tcp.sequence_number(),
                    scale,
                },
            );
        }
        let this = *self.directions.entry((src, dst)).or_insert(Direction {
            // A connection seen from the middle (or a RST answering a SYN): its first
            // number is the one before this segment's.
            first: tcp.sequence_number().wrapping_sub(u32::from(!tcp.rst())),
            scale: None,
        });
        let other = self.directions.get(&(dst, src)).copied();
        let mut text = format!(
            "[{}]  seq {}",
            flags(tcp),
            tcp.sequence_number().wrapping_sub(this.first)
        );
        if tcp.ack() {
            let ack = tcp.acknowledgment_number();
            let ack = other.map_or(ack, |o| ack.wrapping_sub(o.first));
            text.push_str(&format!("  ack {ack}"));
        }
        // The window in a SYN is never scaled; after it, only if both sides announced a scale.
        let shift = match (tcp.syn(), this.scale, other.and_then(|o| o.scale)) {
            (false, Some(shift), Some(_)) => shift,
            _ => 0,
        };
        text.push_str(&format!("  win {}", u64::from(tcp.window_size()) << shift));
        if !options.is_empty() {
            text.push_str(&format!("  {}", options.join(" ")));
        }
        let payload = tcp.payload();
        if !payload.is_empty() {
            text.push_str(&format!(
                "  len {}  {}",
                payload.len(),
                crate::show_bytes(payload)
            ));
        }
        text
    }
}

/// The flags as tcpdump writes them: `S` SYN, `F` FIN, `P` PSH, `R` RST, `U` URG, `E` ECE,
/// `W` CWR, then `.` for ACK.
fn flags(tcp: &etherparse::TcpSlice) -> String {
    let mut text = String::new();
    for (on, letter) in [
        (tcp.syn(), 'S'),
        (tcp.fin(), 'F'),
        (tcp.psh(), 'P'),
        (tcp.rst(), 'R'),
        (tcp.urg(), 'U'),
        (tcp.ece(), 'E'),
        (tcp.cwr(), 'W'),
        (tcp.ack(), '.'),
    ] {
        if on {
            text.push(letter);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An Ethernet + IPv4 + TCP frame, as `lo` carries it.
    fn tcp_frame(
        sport: u16,
        dport: u16,
        seq: u32,
        ack: Option<u32>,
        syn: bool,
        payload: &[u8],
    ) -> Vec<u8> {
        let mut builder = etherparse::PacketBuilder::ethernet2([0; 6], [0; 6])
            .ipv4([127, 0, 0, 1], [127, 0, 0, 1], 64)
            .tcp(sport, dport, seq, 512);
        if syn {
            builder = builder.syn();
        }
        if let Some(ack) = ack {
            builder = builder.ack(ack);
        }
        let builder = if syn {
            builder
                .options(&[
                    TcpOptionElement::MaximumSegmentSize(65495),
                    TcpOptionElement::WindowScale(7),
                ])
                .unwrap()
        } else {
            builder
        };
        let mut out = Vec::new();
        builder.write(&mut out, payload).unwrap();
        out
    }

    fn frame(data: Vec<u8>, ms: u64) -> Frame {
        Frame {
            at: Duration::from_millis(ms),
            data,
        }
    }

    #[test]
    fn a_handshake_and_data_are_shown_relative_and_scaled() {
        let mut d = Decoder::default();
        let names = HashMap::new();
        let lines: Vec<String> = [
            frame(tcp_frame(50000, 7004, 1000, None, true, b""), 0),
            frame(tcp_frame(7004, 50000, 9000, Some(1001), true, b""), 0),
            frame(tcp_frame(50000, 7004, 1001, Some(9001), false, b"hi\n"), 40),
        ]
        .iter()
        .map(|f| d.line(f, &names).unwrap())
        .collect();
        assert!(
            lines[0]
                .contains("client:50000 > server:7004  [S]  seq 0  win 512  mss 65495 wscale 7"),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].contains("server:7004 > client:50000  [S.]  seq 0  ack 1  win 512"),
            "{}",
            lines[1]
        );
        assert!(lines[2].contains("+40.000ms"), "{}", lines[2]);
        assert!(
            lines[2].contains("[.]  seq 1  ack 1  win 65536  len 3  b\"hi\\n\""),
            "{}",
            lines[2]
        );
    }

    #[test]
    fn a_refusal_says_why_how_to_allow_it_and_how_to_watch_from_outside() {
        let text = refused_message("unshare failed", "lesson-04-accept", 7004).0;
        assert!(text.contains("unshare failed"), "{text}");
        assert!(
            text.contains("cargo run -p lesson-04-accept -- --addr 127.0.0.1:7004"),
            "{text}"
        );
        assert!(
            text.contains("tcpdump -i lo") && text.contains("port 7004"),
            "{text}"
        );
        if cfg!(target_os = "linux") {
            assert!(
                text.contains("sysctl -w kernel.unprivileged_userns_clone=1"),
                "{text}"
            );
        }
    }

    #[test]
    fn named_ports_win_over_roles() {
        let mut d = Decoder::default();
        let names = HashMap::from([(50000, "alice".to_string())]);
        let line = d
            .line(
                &frame(tcp_frame(50000, 7004, 1, None, true, b""), 0),
                &names,
            )
            .unwrap();
        assert!(line.contains("alice:50000 > server:7004"), "{line}");
    }
}
