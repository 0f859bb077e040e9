//! The kernel's view of a TCP socket: its state and its queues, as the operating system holds them.
//!
//! On Linux the kernel is asked about one socket at a time through `sock_diag` netlink (see
//! `diag.rs`, the interface `ss` uses); its tables `/proc/net/tcp` and `/proc/net/tcp6`
//! (which `netstat` reads) are the fallback. Each line there is one socket:
//!
//! ```text
//!   sl  local_address rem_address   st tx_queue rx_queue ...
//!    0: 0100007F:9C41 00000000:0000 0A 00000000:00000001 ...
//! ```
//!
//! Addresses are hex (IPv4 as a little-endian number, the port big-endian), `st` is the state,
//! and the queues mean different things by state: for a LISTEN socket `rx_queue` is the number
//! of connections waiting in the accept queue (netlink also gives its limit, the backlog, which
//! `/proc` leaves out); for a connected socket `tx_queue` is the bytes the program has written
//! and the peer has not acknowledged yet — including bytes not even sent yet, because the
//! peer's window or congestion control holds them back — and `rx_queue` the bytes received
//! and not yet read by the program.
//!
//! The view shows where a connection settles. A state that lasts only until the peer's next
//! packet (FIN_WAIT1, LAST_ACK, CLOSING, SYN_SENT, SYN_RECV) is read again until it has passed,
//! for half a second at most, so those states rarely appear in the lessons' output even though
//! the connection went through them (chapter 8 and the TCP states appendix say when).
//!
//! On other systems there is no such table to read, and [`lookup`] says so.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The states of TCP's state machine (RFC 9293), named as `ss` and the kernel name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpState {
    Established,
    SynSent,
    SynRecv,
    FinWait1,
    FinWait2,
    TimeWait,
    Close,
    CloseWait,
    LastAck,
    Listen,
    Closing,
    NewSynRecv,
    /// Bound to an address, neither listening nor connected (listed since Linux 6.8).
    BoundInactive,
}

impl TcpState {
    /// The state from its number in the kernel's table.
    pub fn from_code(code: u8) -> Option<TcpState> {
        use TcpState::*;
        Some(match code {
            0x01 => Established,
            0x02 => SynSent,
            0x03 => SynRecv,
            0x04 => FinWait1,
            0x05 => FinWait2,
            0x06 => TimeWait,
            0x07 => Close,
            0x08 => CloseWait,
            0x09 => LastAck,
            0x0A => Listen,
            0x0B => Closing,
            0x0C => NewSynRecv,
            0x0D => BoundInactive,
            _ => return None,
        })
    }

    /// The name a learner will also see in `ss -tan`.
    pub fn name(self) -> &'static str {
        use TcpState::*;
        match self {
            Established => "ESTABLISHED",
            SynSent => "SYN_SENT",
            SynRecv => "SYN_RECV",
            FinWait1 => "FIN_WAIT1",
            FinWait2 => "FIN_WAIT2",
            TimeWait => "TIME_WAIT",
            Close => "CLOSED",
            CloseWait => "CLOSE_WAIT",
            LastAck => "LAST_ACK",
            Listen => "LISTEN",
            Closing => "CLOSING",
            NewSynRecv => "SYN_RECV",
            BoundInactive => "BOUND_INACTIVE",
        }
    }
}

impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One socket as the kernel's table lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub local: SocketAddr,
    pub peer: SocketAddr,
    pub state: TcpState,
    /// Bytes written by the program and not yet acknowledged by the peer, sent or not
    /// (0 for a LISTEN socket).
    pub tx_queue: u32,
    /// LISTEN: connections waiting for accept(). Otherwise: bytes received and not yet read.
    pub rx_queue: u32,
    /// LISTEN: the most connections the accept queue holds, as listen() set it (capped by
    /// `net.core.somaxconn`). Only netlink reports it; `None` when read from `/proc`.
    pub backlog: Option<u32>,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.state {
            TcpState::Listen => {
                write!(f, "LISTEN {}, accept queue {}", self.local, self.rx_queue)?;
                match self.backlog {
                    Some(backlog) => write!(f, " (backlog {backlog})"),
                    None => Ok(()),
                }
            }
            TcpState::BoundInactive => write!(
                f,
                "BOUND_INACTIVE {}: bound, neither listening nor connected",
                self.local
            ),
            TcpState::TimeWait => {
                write!(f, "TIME_WAIT {} -> {}", self.local, self.peer)
            }
            state => {
                use TcpState::*;
                // The FIN takes up one sequence number, so the kernel counts it in the queues:
                // in the send queue until the peer acknowledges it, and in the receive queue
                // until the program reads the end of stream (recv() returns 0).
                let fin_sent = matches!(state, FinWait1 | LastAck | Closing);
                let fin_received = matches!(state, CloseWait | LastAck | Closing);
                let (tx, rx) = (self.tx_queue, self.rx_queue);
                write!(f, "{state} {} -> {}, send queue ", self.local, self.peer)?;
                match fin_sent && tx > 0 {
                    true => write!(f, "{} B + FIN", tx - 1)?,
                    false => write!(f, "{tx} B")?,
                }
                match fin_received && rx > 0 {
                    true => write!(f, ", receive queue {} B + end of stream", rx - 1),
                    false => write!(f, ", receive queue {rx} B"),
                }
            }
        }
    }
}

/// What [`lookup`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// The kernel lists this socket.
    Found(Entry),
    /// The kernel's tables have no such socket (not listening or connected yet, or gone).
    Absent,
    /// This operating system has no table we can read.
    Unavailable,
    /// The kernel could not be asked (e.g. no file descriptor left to ask with).
    Unreadable(String),
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            View::Found(entry) => entry.fmt(f),
            View::Absent => f.write_str("no TCP entry (not listening or connected yet, or gone)"),
            View::Unavailable => f.write_str("not available on this operating system"),
            View::Unreadable(why) => write!(f, "could not ask the kernel: {why}"),
        }
    }
}

/// Is the kernel view available here?
pub fn available() -> bool {
    cfg!(target_os = "linux")
}

/// The kernel's entry for the TCP socket with this local address (and this peer, for a
/// connected socket; `None` finds the listening socket).
///
/// The kernel changes a socket's state on its own time (a FIN's acknowledgement may be
/// delayed by some 40 ms, say), so a state that lasts only until the peer's next packet
/// (FIN_WAIT1, LAST_ACK, CLOSING, SYN_SENT, SYN_RECV) is read again until it has passed, for
/// half a second at most: the view shows where the connection settles.
pub fn lookup(local: SocketAddr, peer: Option<SocketAddr>) -> View {
    if !available() {
        return View::Unavailable;
    }
    let start = std::time::Instant::now();
    let mut entry = find(local, peer);
    while entry
        .as_ref()
        .is_ok_and(|e| e.as_ref().is_some_and(|e| e.state.is_passing()))
        && start.elapsed() < std::time::Duration::from_millis(500)
    {
        std::thread::sleep(std::time::Duration::from_millis(2));
        entry = find(local, peer);
    }
    match entry {
        Ok(Some(entry)) => View::Found(entry),
        Ok(None) => View::Absent,
        Err(why) => View::Unreadable(why),
    }
}

impl TcpState {
    /// A state that lasts only until the peer's next packet arrives.
    pub fn is_passing(self) -> bool {
        use TcpState::*;
        matches!(
            self,
            FinWait1 | LastAck | Closing | SynSent | SynRecv | NewSynRecv
        )
    }
}

/// Every entry in the kernel's TCP tables (empty where there are none to read).
pub fn table() -> Vec<Entry> {
    let mut entries = read_table("/proc/net/tcp").unwrap_or_default();
    entries.extend(read_table("/proc/net/tcp6").unwrap_or_default());
    entries
}

/// One of the tables. (Each read of it costs the kernel a walk over every TCP socket, and a
/// test run leaves many in TIME_WAIT, so it is read no more often than needed.)
fn read_table(file: &str) -> std::io::Result<Vec<Entry>> {
    let text = std::fs::read_to_string(file)?;
    Ok(text.lines().skip(1).filter_map(parse_line).collect())
}

fn find(local: SocketAddr, peer: Option<SocketAddr>) -> Result<Option<Entry>, String> {
    let local = unmap(local);
    let peer = peer.map(unmap);
    // Ask for this one socket through netlink; read the whole /proc table only if that fails
    // (or for a connected socket whose peer the OS no longer reports).
    #[cfg(target_os = "linux")]
    if let Some(found) = crate::diag::find(local, peer) {
        if found.is_some() || peer.is_some() {
            return Ok(found);
        }
    }
    // An IPv4 socket is listed in /proc/net/tcp; an IPv6 one (even with an IPv4-mapped
    // address) in /proc/net/tcp6.
    let mut table = read_table("/proc/net/tcp").map_err(|e| crate::error::describe(&e))?;
    if local.is_ipv6() || !table.iter().any(|e| e.local == local) {
        table.extend(read_table("/proc/net/tcp6").unwrap_or_default());
    }
    let mut mine = table.iter().filter(|e| e.local == local);
    Ok(match peer {
        Some(peer) => mine
            .find(|e| e.peer == peer && e.state != TcpState::Listen)
            .cloned(),
        // No peer: the listening socket, or else the one connection with this local address
        // (a connected socket whose peer the OS no longer reports, e.g. after both FINs).
        None => {
            let mine: Vec<&Entry> = mine.collect();
            match mine.iter().find(|e| e.state == TcpState::Listen) {
                Some(listener) => Some((*listener).clone()),
                None if mine.len() == 1 => Some(mine[0].clone()),
                None => None,
            }
        }
    })
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:127.0.0.1`) is still 127.0.0.1.
fn unmap(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), addr.port()),
            None => addr,
        },
        IpAddr::V4(_) => addr,
    }
}

/// Parse one line of `/proc/net/tcp` or `/proc/net/tcp6`.
pub fn parse_line(line: &str) -> Option<Entry> {
    let mut fields = line.split_whitespace();
    let _slot = fields.next()?;
    let local = parse_addr(fields.next()?)?;
    let peer = parse_addr(fields.next()?)?;
    let state = TcpState::from_code(u8::from_str_radix(fields.next()?, 16).ok()?)?;
    let (tx, rx) = fields.next()?.split_once(':')?;
    Some(Entry {
        local: unmap(local),
        peer: unmap(peer),
        state,
        tx_queue: u32::from_str_radix(tx, 16).ok()?,
        rx_queue: u32::from_str_radix(rx, 16).ok()?,
        backlog: None,
    })
}

fn parse_addr(text: &str) -> Option<SocketAddr> {
    let (ip, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let ip = match ip.len() {
        // One 32-bit number in the kernel's (little-endian) byte order.
        8 => IpAddr::V4(Ipv4Addr::from(
            u32::from_str_radix(ip, 16).ok()?.to_le_bytes(),
        )),
        // Four such numbers.
        32 => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in bytes.chunks_mut(4).enumerate() {
                let word = u32::from_str_radix(&ip[i * 8..i * 8 + 8], 16).ok()?;
                chunk.copy_from_slice(&word.to_le_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_listening_ipv4_socket() {
        let line = "   0: 0100007F:9C41 00000000:0000 0A 00000080:00000001 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0";
        let entry = parse_line(line).unwrap();
        assert_eq!(entry.local, "127.0.0.1:40001".parse().unwrap());
        assert_eq!(entry.state, TcpState::Listen);
        assert_eq!(entry.rx_queue, 1);
        assert_eq!(entry.to_string(), "LISTEN 127.0.0.1:40001, accept queue 1");
    }

    #[test]
    fn parses_an_ipv6_loopback_connection() {
        let line = "   1: 00000000000000000000000001000000:9C41 00000000000000000000000001000000:9C42 01 00000000:00000006 00:00000000 00000000     0        0 4243 1";
        let entry = parse_line(line).unwrap();
        assert_eq!(entry.local, "[::1]:40001".parse().unwrap());
        assert_eq!(entry.peer, "[::1]:40002".parse().unwrap());
        assert_eq!(entry.state, TcpState::Established);
        assert_eq!(entry.rx_queue, 6);
    }

    #[test]
    fn ipv4_mapped_addresses_are_unmapped() {
        let line = "   2: 0000000000000000FFFF00000100007F:9C41 0000000000000000FFFF00000100007F:9C42 08 00000000:00000000 00:00000000 00000000     0        0 4244 1";
        let entry = parse_line(line).unwrap();
        assert_eq!(entry.local, "127.0.0.1:40001".parse().unwrap());
        assert_eq!(entry.state, TcpState::CloseWait);
    }

    #[test]
    fn rejects_the_header_and_garbage() {
        assert!(parse_line("  sl  local_address rem_address   st tx_queue rx_queue").is_none());
        assert!(parse_line("").is_none());
    }
}
