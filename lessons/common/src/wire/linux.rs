//! The Linux side of the wire view: a private network namespace, and a packet socket on its
//! loopback that sees every frame the kernel sends there.
//!
//! The calls are made through `libc`: std and socket2 do not wrap unshare(2), the interface
//! ioctls of netdevice(7), or the timestamps and statistics of packet(7).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufWriter};
use std::mem::{size_of, zeroed};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::DataLink;

use super::Frame;

/// The capture, once started.
static CAPTURE: OnceLock<Capture> = OnceLock::new();

/// How long a drain waits for the capture to catch up before it shows what it has.
const CATCH_UP: Duration = Duration::from_millis(500);

struct Capture {
    shared: Arc<Shared>,
    packet_socket: Arc<OwnedFd>,
    /// A UDP socket that sends itself one byte to mark "everything sent before now": when the
    /// capture sees that byte, it has seen every frame sent before it (see [`caught_up`]).
    marker: UdpSocket,
    marker_addr: SocketAddr,
    pcap: Mutex<Option<PcapWriter<BufWriter<File>>>>,
    /// Frames counted (TCP segments, UDP datagrams), markers excluded.
    counted: Mutex<(u64, u64)>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<Queue>,
    arrived: Condvar,
}

#[derive(Default)]
struct Queue {
    frames: VecDeque<Frame>,
    markers_seen: u64,
    markers_sent: u64,
}

/// Why the capture did not start.
pub enum Failure {
    /// Nothing was changed: the lesson can run as without `--wire`.
    Refused(String),
    /// The process is already in the new namespace but cannot use it (its `lo` may be down):
    /// the lesson cannot run there.
    Stuck(String),
}

/// Make the namespace, bring up its loopback, open the capture. Before any thread exists.
pub fn start(pcap: Option<&Path>) -> Result<(), Failure> {
    // The pcap file is made first, by this user in the namespace it came from.
    let pcap = pcap_writer(pcap).map_err(Failure::Refused)?;
    enter_namespace().map_err(Failure::Refused)?;
    // From here on the process is in the new namespace.
    maps();
    loopback_up()
        .map_err(|e| Failure::Stuck(format!("bringing up lo in the new namespace failed: {e}")))?;
    // Segments as a real wire carries them: at most one MSS each (see segment_in_software).
    if let Err(e) = segment_in_software() {
        eprintln!("note: the wire view could not turn off segmentation offload on lo: {e}");
    }
    capture(pcap).map_err(Failure::Stuck)
}

fn pcap_writer(pcap: Option<&Path>) -> Result<Option<PcapWriter<BufWriter<File>>>, String> {
    Ok(match pcap {
        Some(path) => {
            let file = File::create(path)
                .map_err(|e| format!("cannot write the pcap file {}: {e}", path.display()))?;
            let header = PcapHeader {
                // Frames on lo are up to 64 KiB plus headers: keep them whole.
                snaplen: 262_144,
                datalink: DataLink::ETHERNET,
                ..PcapHeader::default()
            };
            Some(
                PcapWriter::with_header(BufWriter::new(file), header)
                    .map_err(|e| format!("cannot write the pcap file {}: {e}", path.display()))?,
            )
        }
        None => None,
    })
}

fn capture(pcap: Option<PcapWriter<BufWriter<File>>>) -> Result<(), String> {
    let fd = packet_socket().map_err(|e| format!("opening the packet socket failed: {e}"))?;
    let marker = UdpSocket::bind("127.0.0.1:0")
        .map_err(|e| format!("the capture's marker socket failed: {e}"))?;
    let marker_addr = marker.local_addr().map_err(|e| e.to_string())?;
    marker
        .set_nonblocking(true)
        .map_err(|e| format!("the capture's marker socket failed: {e}"))?;
    let shared = Arc::new(Shared::default());
    let packet_socket = Arc::new(fd);
    {
        let shared = Arc::clone(&shared);
        let fd = Arc::clone(&packet_socket);
        let port = marker_addr.port();
        std::thread::Builder::new()
            .name("wire-capture".into())
            .spawn(move || read_frames(&fd, &shared, port))
            .map_err(|e| format!("the capture thread could not start: {e}"))?;
    }
    let _ = CAPTURE.set(Capture {
        shared,
        packet_socket,
        marker,
        marker_addr,
        pcap: Mutex::new(pcap),
        counted: Mutex::new((0, 0)),
    });
    Ok(())
}

/// The user and group ids before the move (a new user namespace maps none until told).
static IDS: OnceLock<(libc::uid_t, libc::gid_t, bool)> = OnceLock::new();

/// unshare(2) into a new network namespace. As root that alone is allowed; an ordinary user
/// first makes a user namespace, in which it holds the capabilities a network namespace
/// needs (user_namespaces(7)).
fn enter_namespace() -> Result<(), String> {
    // SAFETY: plain system calls with no pointers.
    let (uid, gid, euid) = unsafe { (libc::getuid(), libc::getgid(), libc::geteuid()) };
    if euid == 0 && unsafe { libc::unshare(libc::CLONE_NEWNET) } == 0 {
        let _ = IDS.set((uid, gid, false));
        return Ok(());
    }
    if unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) } != 0 {
        let err = io::Error::last_os_error();
        return Err(format!(
            "unshare(CLONE_NEWUSER | CLONE_NEWNET) failed: {err}{}",
            why_refused()
        ));
    }
    let _ = IDS.set((uid, gid, true));
    Ok(())
}

/// In a new user namespace, map our own ids to themselves, so that files and `id` look the
/// same as outside. Without the maps the capabilities are there all the same: a failure here
/// only makes the ids look like 65534 (nobody), so it is reported and the lesson goes on.
fn maps() {
    let Some(&(uid, gid, true)) = IDS.get() else {
        return;
    };
    for (file, text) in [
        ("/proc/self/setgroups", "deny".to_string()),
        ("/proc/self/uid_map", format!("{uid} {uid} 1")),
        ("/proc/self/gid_map", format!("{gid} {gid} 1")),
    ] {
        if let Err(e) = std::fs::write(file, text) {
            eprintln!("note: the wire view could not write {file}: {e}");
            return;
        }
    }
}

/// The settings that refuse user namespaces to ordinary users, as found on this machine.
fn why_refused() -> String {
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .map(|s| s.trim().to_string())
    };
    let mut found = Vec::new();
    if read("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
        found.push("kernel.unprivileged_userns_clone = 0");
    }
    if read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref() == Some("1") {
        found.push("kernel.apparmor_restrict_unprivileged_userns = 1");
    }
    if read("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") {
        found.push("user.max_user_namespaces = 0");
    }
    if found.is_empty() {
        String::new()
    } else {
        format!(" (this machine has {})", found.join(", "))
    }
}

/// A new namespace's `lo` is down: set IFF_UP with the SIOCGIFFLAGS/SIOCSIFFLAGS ioctls
/// (netdevice(7)), as `ip link set lo up` does.
fn loopback_up() -> io::Result<()> {
    // SAFETY: socket() takes no pointers; the descriptor is owned at once.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: ifreq is plain data; all zeroes is a valid value.
    let mut request: libc::ifreq = unsafe { zeroed() };
    for (to, from) in request.ifr_name.iter_mut().zip(b"lo\0") {
        *to = *from as libc::c_char;
    }
    // SAFETY: the ioctls read and write the ifreq we own.
    unsafe {
        if libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFFLAGS, &mut request) < 0 {
            return Err(io::Error::last_os_error());
        }
        request.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        if libc::ioctl(fd.as_raw_fd(), libc::SIOCSIFFLAGS, &request) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Turn off TSO and GSO on this namespace's `lo` (`ethtool -K lo tso off gso off`). With them
/// on, the kernel hands the device one large frame for several segments (a network card
/// would cut it up, on the wire); the capture would see one frame where the kernel counts,
/// and a real wire carries, several segments.
fn segment_in_software() -> io::Result<()> {
    /// From linux/ethtool.h: set TCP segmentation offload, set generic segmentation offload.
    const ETHTOOL_STSO: u32 = 0x1f;
    const ETHTOOL_SGSO: u32 = 0x24;
    #[repr(C)]
    struct EthtoolValue {
        cmd: u32,
        data: u32,
    }
    // SAFETY: socket() takes no pointers; the descriptor is owned at once.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    for cmd in [ETHTOOL_STSO, ETHTOOL_SGSO] {
        let mut value = EthtoolValue { cmd, data: 0 };
        // SAFETY: ifreq is plain data; ifru_data points at `value`, alive during the ioctl.
        let mut request: libc::ifreq = unsafe { zeroed() };
        for (to, from) in request.ifr_name.iter_mut().zip(b"lo\0") {
            *to = *from as libc::c_char;
        }
        request.ifr_ifru.ifru_data = (&mut value as *mut EthtoolValue).cast();
        if unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCETHTOOL, &mut request) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// socket(AF_PACKET, SOCK_RAW, ETH_P_ALL) bound to `lo`, with kernel timestamps and a large
/// receive buffer, so that no frame of a lesson is lost (packet(7)).
fn packet_socket() -> io::Result<OwnedFd> {
    let all = (libc::ETH_P_ALL as u16).to_be() as libc::c_int;
    // SAFETY: socket() takes no pointers; the descriptor is owned at once.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, all) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let set = |level, name, value: libc::c_int| -> io::Result<()> {
        // SAFETY: the option value is a c_int we own, with its size.
        let rc = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                level,
                name,
                (&value as *const libc::c_int).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    };
    set(libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1)?;
    // 8 MiB: room for the biggest lesson's frames even if the reader thread falls behind.
    // SO_RCVBUFFORCE goes past net.core.rmem_max; we hold CAP_NET_ADMIN in our namespace.
    if set(libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, 8 << 20).is_err() {
        set(libc::SOL_SOCKET, libc::SO_RCVBUF, 8 << 20)?;
    }
    // SAFETY: if_nametoindex reads a NUL-terminated string.
    let index = unsafe { libc::if_nametoindex(c"lo".as_ptr()) };
    if index == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: sockaddr_ll is plain data.
    let mut addr: libc::sockaddr_ll = unsafe { zeroed() };
    addr.sll_family = libc::AF_PACKET as u16;
    addr.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
    addr.sll_ifindex = index as i32;
    // SAFETY: bind reads the sockaddr_ll we own, with its size.
    let rc = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&addr as *const libc::sockaddr_ll).cast(),
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fd)
}

/// The capture thread: read frames, keep the ones the kernel sent (each frame on `lo` is seen
/// twice, going out and coming in; PACKET_OUTGOING is the first), with their timestamps.
fn read_frames(fd: &OwnedFd, shared: &Shared, marker_port: u16) {
    let mut buffer = vec![0u8; 70_000];
    loop {
        let Some((outgoing, at, len)) = receive(fd, &mut buffer) else {
            return;
        };
        if !outgoing {
            continue;
        }
        let data = buffer[..len].to_vec();
        let mut queue = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        if is_marker(&data, marker_port) {
            queue.markers_seen += 1;
        } else {
            queue.frames.push_back(Frame { at, data });
        }
        shared.arrived.notify_all();
    }
}

/// One recvmsg(2): (went out?, kernel timestamp, length). `None` when the socket is gone.
fn receive(fd: &OwnedFd, buffer: &mut [u8]) -> Option<(bool, Duration, usize)> {
    loop {
        // SAFETY: every pointer in msghdr points at a buffer we own, with its length.
        let mut from: libc::sockaddr_ll = unsafe { zeroed() };
        let mut control = [0u64; 16];
        let mut iov = libc::iovec {
            iov_base: buffer.as_mut_ptr().cast(),
            iov_len: buffer.len(),
        };
        let mut msg: libc::msghdr = unsafe { zeroed() };
        msg.msg_name = (&mut from as *mut libc::sockaddr_ll).cast();
        msg.msg_namelen = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = size_of::<[u64; 16]>() as _;
        let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, 0) };
        if n < 0 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return None;
        }
        let mut at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        // SAFETY: the CMSG_* helpers walk the control buffer the kernel just filled.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET
                    && (*cmsg).cmsg_type == libc::SCM_TIMESTAMPNS
                {
                    let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast());
                    at = Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
                }
                cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
            }
        }
        let len = (n as usize).min(buffer.len());
        return Some((from.sll_pkttype == libc::PACKET_OUTGOING, at, len));
    }
}

/// Is this the capture's own marker datagram (UDP to the marker's port)?
fn is_marker(data: &[u8], marker_port: u16) -> bool {
    use etherparse::{SlicedPacket, TransportSlice};
    matches!(
        SlicedPacket::from_ethernet(data).ok().and_then(|p| p.transport),
        Some(TransportSlice::Udp(udp)) if udp.destination_port() == marker_port
    )
}

/// Every frame sent until now, in the order the kernel sent them. The marker datagram sent
/// here goes out after them; once the capture has seen it, it has seen them all.
pub fn caught_up() -> Vec<Frame> {
    let Some(capture) = CAPTURE.get() else {
        return Vec::new();
    };
    let mut queue = capture
        .shared
        .state
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if capture.marker.send_to(&[0], capture.marker_addr).is_ok() {
        queue.markers_sent += 1;
    }
    let deadline = Instant::now() + CATCH_UP;
    while queue.markers_seen < queue.markers_sent {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        queue = capture
            .shared
            .arrived
            .wait_timeout(queue, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
    let frames: Vec<Frame> = queue.frames.drain(..).collect();
    drop(queue);
    // The marker bytes arrive on the marker socket too: throw them away.
    let mut sink = [0u8; 8];
    while capture.marker.recv_from(&mut sink).is_ok() {}
    record(capture, &frames);
    frames
}

/// Count the frames, and write them to the pcap file.
fn record(capture: &Capture, frames: &[Frame]) {
    use etherparse::{SlicedPacket, TransportSlice};
    let mut counted = capture.counted.lock().unwrap_or_else(|e| e.into_inner());
    let mut pcap = capture.pcap.lock().unwrap_or_else(|e| e.into_inner());
    for frame in frames {
        match SlicedPacket::from_ethernet(&frame.data)
            .ok()
            .and_then(|p| p.transport)
        {
            Some(TransportSlice::Tcp(_)) => counted.0 += 1,
            Some(TransportSlice::Udp(_)) => counted.1 += 1,
            _ => {}
        }
        if let Some(writer) = pcap.as_mut() {
            let packet = PcapPacket::new(frame.at, frame.data.len() as u32, &frame.data);
            if let Err(e) = writer.write_packet(&packet) {
                eprintln!("wire: writing the pcap file failed: {e}");
                *pcap = None;
                break;
            }
        }
    }
}

/// The end: flush the pcap file; compare what was captured with what the kernel counted.
pub fn finish() -> String {
    let Some(capture) = CAPTURE.get() else {
        return String::new();
    };
    if let Some(writer) = capture
        .pcap
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    {
        if let Err(e) = std::io::Write::flush(&mut writer.into_writer()) {
            eprintln!("wire: writing the pcap file failed: {e}");
        }
    }
    let (tcp, udp) = *capture.counted.lock().unwrap_or_else(|e| e.into_inner());
    let markers = capture
        .shared
        .state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .markers_sent;
    // OutSegs leaves out retransmissions; RetransSegs counts them.
    let sent_tcp = snmp("/proc/net/snmp", "Tcp:", "OutSegs").unwrap_or(0)
        + snmp("/proc/net/snmp", "Tcp:", "RetransSegs").unwrap_or(0);
    let sent_udp = snmp("/proc/net/snmp", "Udp:", "OutDatagrams").unwrap_or(0)
        + snmp6("Udp6OutDatagrams").unwrap_or(0);
    let drops = dropped(&capture.packet_socket);
    format!(
        "captured {tcp} TCP segments and {udp} UDP datagrams; the kernel counted {} and {} \
         (Tcp OutSegs + RetransSegs, Udp OutDatagrams); the capture lost {drops}",
        sent_tcp,
        sent_udp.saturating_sub(markers)
    )
}

/// A counter from /proc/net/snmp (a header line of names, then a line of values); this
/// process's network namespace has its own.
fn snmp(file: &str, prefix: &str, name: &str) -> Option<u64> {
    let text = std::fs::read_to_string(file).ok()?;
    let mut lines = text.lines().filter(|l| l.starts_with(prefix));
    let names = lines.next()?;
    let values = lines.next()?;
    let at = names.split_whitespace().position(|n| n == name)?;
    values.split_whitespace().nth(at)?.parse().ok()
}

fn snmp6(name: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/net/snmp6").ok()?;
    text.lines().find_map(|l| {
        let mut parts = l.split_whitespace();
        (parts.next()? == name).then(|| parts.next()?.parse().ok())?
    })
}

/// Frames the kernel could not queue to the capture (PACKET_STATISTICS, packet(7)).
fn dropped(fd: &OwnedFd) -> u32 {
    // SAFETY: tpacket_stats is plain data; getsockopt fills it, up to the length given.
    let mut stats: libc::tpacket_stats = unsafe { zeroed() };
    let mut len = size_of::<libc::tpacket_stats>() as libc::socklen_t;
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_PACKET,
            libc::PACKET_STATISTICS,
            (&mut stats as *mut libc::tpacket_stats).cast(),
            &mut len,
        )
    };
    if rc < 0 {
        0
    } else {
        stats.tp_drops
    }
}
