//! Asking the kernel about one socket through `sock_diag` netlink (Linux), the interface `ss`
//! uses. Reading `/proc/net/tcp` makes the kernel format a line for every TCP socket on the
//! machine — after a test run, thousands in TIME_WAIT — while this asks for exactly one: a
//! connection by its four addresses (a hash lookup), or the listening sockets only.
//!
//! The messages are built by hand from the layouts in `<linux/netlink.h>` and
//! `<linux/inet_diag.h>`; any failure returns `None` and the caller reads `/proc` instead.

use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use crate::kernel::{Entry, TcpState};

const AF_NETLINK: i32 = 16;
const NETLINK_SOCK_DIAG: i32 = 4;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
const IPPROTO_TCP: u8 = 6;
const TCP_LISTEN: u32 = 10;
/// A socket that has an address but neither listens nor connects (`TCP_BOUND_INACTIVE`;
/// the kernel lists such sockets in sock_diag dumps since Linux 6.8; older kernels leave them
/// out, and the view then says "no TCP entry").
const TCP_BOUND_INACTIVE: u32 = 13;
/// `inet_diag_msg`: family, state, timer, retrans, the 48-byte socket id, then five u32s.
const DIAG_MSG_LEN: usize = 4 + 48 + 20;

/// The entry for this socket, or `Some(None)` when the kernel says there is none;
/// `None` when netlink could not be asked.
pub fn find(local: SocketAddr, peer: Option<SocketAddr>) -> Option<Option<Entry>> {
    let socket = Socket::new(
        Domain::from(AF_NETLINK),
        Type::DGRAM,
        Some(Protocol::from(NETLINK_SOCK_DIAG)),
    )
    .ok()?;
    socket.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
    // An IPv4 address may belong to an IPv4 socket or, mapped, to an IPv6 one.
    let families: &[u8] = match local.ip() {
        IpAddr::V4(_) => &[AF_INET, AF_INET6],
        IpAddr::V6(_) => &[AF_INET6],
    };
    for &family in families {
        let found = match peer {
            Some(peer) => one(&socket, family, local, peer)?,
            None => listener(&socket, family, local)?,
        };
        if found.is_some() {
            return Some(found);
        }
    }
    Some(None)
}

/// The connection with these four addresses (any state, TIME_WAIT included).
fn one(socket: &Socket, family: u8, local: SocketAddr, peer: SocketAddr) -> Option<Option<Entry>> {
    let request = request(NLM_F_REQUEST, family, u32::MAX, Some((local, peer)));
    socket.send(&request).ok()?;
    let replies = receive(socket)?;
    Some(
        replies
            .into_iter()
            .find(|e| e.local == local && e.peer == peer),
    )
}

/// The listening (or bound, not yet listening) socket on this address: a dump of those
/// sockets only, which spares the kernel a walk over every connection.
fn listener(socket: &Socket, family: u8, local: SocketAddr) -> Option<Option<Entry>> {
    let states = (1 << TCP_LISTEN) | (1 << TCP_BOUND_INACTIVE);
    let request = request(NLM_F_REQUEST | NLM_F_DUMP, family, states, None);
    socket.send(&request).ok()?;
    let replies = receive(socket)?;
    // The kernel reports a bound-only socket's state as CLOSE: "bound inactive" is only the
    // name of the filter that asks for them.
    let bound_only = |mut e: Entry| {
        if e.state == TcpState::Close {
            e.state = TcpState::BoundInactive;
        }
        e
    };
    Some(
        replies
            .into_iter()
            .find(|e| e.local == local)
            .map(bound_only),
    )
}

/// A `SOCK_DIAG_BY_FAMILY` request: `nlmsghdr` then `inet_diag_req_v2`.
fn request(flags: u16, family: u8, states: u32, id: Option<(SocketAddr, SocketAddr)>) -> Vec<u8> {
    let mut msg = Vec::with_capacity(72);
    msg.extend_from_slice(&72u32.to_ne_bytes()); // nlmsg_len
    msg.extend_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes()); // nlmsg_type
    msg.extend_from_slice(&flags.to_ne_bytes()); // nlmsg_flags
    msg.extend_from_slice(&1u32.to_ne_bytes()); // nlmsg_seq
    msg.extend_from_slice(&0u32.to_ne_bytes()); // nlmsg_pid
    msg.extend_from_slice(&[family, IPPROTO_TCP, 0, 0]); // sdiag_family, protocol, ext, pad
    msg.extend_from_slice(&states.to_ne_bytes()); // idiag_states
    let (local, peer) = match id {
        Some((local, peer)) => (Some(local), Some(peer)),
        None => (None, None),
    };
    // inet_diag_sockid: ports big-endian, addresses as on the wire, interface, cookie.
    msg.extend_from_slice(&local.map_or(0, |a| a.port()).to_be_bytes());
    msg.extend_from_slice(&peer.map_or(0, |a| a.port()).to_be_bytes());
    msg.extend_from_slice(&address(local, family));
    msg.extend_from_slice(&address(peer, family));
    msg.extend_from_slice(&0u32.to_ne_bytes()); // idiag_if
    msg.extend_from_slice(&[0xff; 8]); // INET_DIAG_NOCOOKIE
    msg
}

/// An address as 16 bytes: IPv4 in the first four, IPv6 (or IPv4-mapped) in all.
fn address(addr: Option<SocketAddr>, family: u8) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    match (addr.map(|a| a.ip()), family) {
        (Some(IpAddr::V4(v4)), AF_INET) => bytes[..4].copy_from_slice(&v4.octets()),
        (Some(IpAddr::V4(v4)), _) => bytes = v4.to_ipv6_mapped().octets(),
        (Some(IpAddr::V6(v6)), _) => bytes = v6.octets(),
        (None, _) => {}
    }
    bytes
}

/// Read replies until the kernel says it is done (or sent its one answer, or an error).
fn receive(mut socket: &Socket) -> Option<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        let n = socket.read(&mut buf).ok()?;
        if n == 0 {
            return Some(entries);
        }
        let mut at = 0;
        let mut last_was_single = false;
        while at + 16 <= n {
            let len = u32::from_ne_bytes(buf[at..at + 4].try_into().ok()?) as usize;
            let kind = u16::from_ne_bytes(buf[at + 4..at + 6].try_into().ok()?);
            let flags = u16::from_ne_bytes(buf[at + 6..at + 8].try_into().ok()?);
            if len < 16 || at + len > n {
                return None;
            }
            match kind {
                NLMSG_DONE => return Some(entries),
                // An error message: -ENOENT when there is no such socket, which is an answer.
                NLMSG_ERROR => {
                    let code = i32::from_ne_bytes(buf[at + 16..at + 20].try_into().ok()?);
                    return if code == -2 || code == 0 {
                        Some(entries)
                    } else {
                        None
                    };
                }
                SOCK_DIAG_BY_FAMILY => {
                    if let Some(entry) = parse(&buf[at + 16..at + len]) {
                        entries.push(entry);
                    }
                }
                _ => {}
            }
            last_was_single = flags & 0x2 == 0; // not NLM_F_MULTI: a lone answer
            at += (len + 3) & !3;
        }
        if last_was_single {
            return Some(entries);
        }
    }
}

/// One `inet_diag_msg`.
fn parse(msg: &[u8]) -> Option<Entry> {
    if msg.len() < DIAG_MSG_LEN {
        return None;
    }
    let family = msg[0];
    let state = TcpState::from_code(msg[1])?;
    let port = |at: usize| u16::from_be_bytes([msg[at], msg[at + 1]]);
    let ip = |at: usize| -> IpAddr {
        if family == AF_INET {
            IpAddr::from([msg[at], msg[at + 1], msg[at + 2], msg[at + 3]])
        } else {
            let bytes: [u8; 16] = msg[at..at + 16].try_into().unwrap();
            let v6 = std::net::Ipv6Addr::from(bytes);
            v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)
        }
    };
    let u32_at = |at: usize| u32::from_ne_bytes(msg[at..at + 4].try_into().unwrap());
    // id starts at 4: sport 4, dport 6, src 8..24, dst 24..40, if 40, cookie 44..52.
    Some(Entry {
        local: SocketAddr::new(ip(8), port(4)),
        peer: SocketAddr::new(ip(24), port(6)),
        state,
        // expires 52, rqueue 56, wqueue 60. For a listening socket the kernel puts the accept
        // queue's length in rqueue and its limit, the backlog, in wqueue (what `ss -lt` shows
        // as Recv-Q and Send-Q).
        rx_queue: u32_at(56),
        tx_queue: if state == TcpState::Listen {
            0
        } else {
            u32_at(60)
        },
        backlog: (state == TcpState::Listen).then(|| u32_at(60)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};

    /// The same answers as `/proc/net/tcp`, for a listener, both ends of a connection, and
    /// a connection in TIME_WAIT.
    #[test]
    fn netlink_agrees_with_proc() {
        let proc_find = |local: SocketAddr, peer: Option<SocketAddr>| {
            crate::kernel::table().into_iter().find(|e| {
                e.local == local
                    && match peer {
                        Some(p) => e.peer == p && e.state != TcpState::Listen,
                        None => e.state == TcpState::Listen,
                    }
            })
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = listener.local_addr().unwrap();
        let client = TcpStream::connect(server).unwrap();
        let me = client.local_addr().unwrap();

        let listening = find(server, None).expect("netlink answers");
        assert_eq!(listening.as_ref().map(|e| e.state), Some(TcpState::Listen));
        assert_eq!(
            listening.as_ref().map(|e| e.rx_queue),
            Some(1),
            "one connection waits"
        );
        // std's TcpListener::bind chose the backlog; netlink reports it, /proc does not.
        assert!(listening.as_ref().is_some_and(|e| e.backlog.is_some()));
        let without_backlog = listening.map(|e| Entry { backlog: None, ..e });
        assert_eq!(without_backlog, proc_find(server, None));

        let connected = find(me, Some(server)).expect("netlink answers");
        assert_eq!(
            connected.as_ref().map(|e| e.state),
            Some(TcpState::Established)
        );
        assert_eq!(connected, proc_find(me, Some(server)));

        let (accepted, _) = listener.accept().unwrap();
        drop(client); // the client closes first: its side will wait in TIME_WAIT
        drop(accepted);
        let mut state = None;
        for _ in 0..250 {
            state = find(me, Some(server))
                .expect("netlink answers")
                .map(|e| e.state);
            if state == Some(TcpState::TimeWait) {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        assert_eq!(state, Some(TcpState::TimeWait));

        let nobody: SocketAddr = "127.0.0.1:1".parse().unwrap();
        assert_eq!(find(nobody, Some(server)), Some(None));
    }

    /// A socket that is bound and nothing else is listed (Linux 6.8 and later), with the
    /// backlog a listener gets once it listens.
    #[test]
    fn a_bound_socket_is_listed_and_a_listener_shows_its_backlog() {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        socket
            .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
            .unwrap();
        let local = socket.local_addr().unwrap().as_socket().unwrap();
        let bound = find(local, None).expect("netlink answers");
        if kernel_at_least(6, 8) {
            assert_eq!(bound.map(|e| e.state), Some(TcpState::BoundInactive));
        } else {
            assert_eq!(bound, None, "before 6.8 the kernel does not list it");
        }
        socket.listen(7).unwrap();
        let listening = find(local, None).expect("netlink answers").unwrap();
        assert_eq!(listening.state, TcpState::Listen);
        assert_eq!(listening.backlog, Some(7));
        assert_eq!(
            listening.to_string(),
            format!("LISTEN {local}, accept queue 0 (backlog 7)")
        );
    }

    fn kernel_at_least(major: u32, minor: u32) -> bool {
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let mut parts = release.split(|c: char| !c.is_ascii_digit());
        let found_major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let found_minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        (found_major, found_minor) >= (major, minor)
    }
}
