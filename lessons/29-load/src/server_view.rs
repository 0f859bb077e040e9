//! What the server spends, read from /proc/PID on Linux (elsewhere: "not available"): its
//! resident memory (VmRSS), address space (VmPeak), threads, descriptors, and CPU time (utime + stime in
//! /proc/PID/stat, proc(5)), sampled every 100 ms while the load runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The highest values seen, and the CPU time the server used during the run.
#[derive(Debug, Clone, Default)]
pub struct Peak {
    pub pid: Option<u32>,
    pub rss_kib: u64,
    /// The address space reserved at most (VmPeak: each thread's stack counts in full).
    pub vm_peak_kib: u64,
    pub threads: u64,
    pub fds: u64,
    /// CPU seconds (user + system) the server used between start and stop.
    pub cpu: f64,
    /// The kernel's own TCP counters between start and stop (Linux: whole machine).
    pub kernel: Option<Counters>,
}

/// Two of the kernel's TCP counters (/proc/net/netstat, `TcpExt:` lines; `nstat` shows
/// them as TcpExtTCPSynRetrans and TcpExtListenOverflows). On loopback both ends of every
/// connection are this machine's, so they count this run's handshakes, and any other
/// program's that ran meanwhile.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counters {
    /// SYNs (and SYN-ACKs) sent again because no answer came in time.
    pub syn_retrans: u64,
    /// SYNs or final ACKs dropped because the listener's accept queue was full.
    pub listen_overflows: u64,
}

impl Counters {
    /// The machine's counters now (None: not Linux, or /proc/net/netstat unreadable).
    pub fn now() -> Option<Counters> {
        proc::netstat().and_then(|text| Counters::parse(&text))
    }

    /// Read from /proc/net/netstat's text: a `TcpExt:` line of names, then one of values.
    pub fn parse(netstat: &str) -> Option<Counters> {
        let mut tcp_ext = netstat.lines().filter(|l| l.starts_with("TcpExt:"));
        let (names, values) = (tcp_ext.next()?, tcp_ext.next()?);
        let value = |wanted: &str| {
            let at = names.split_whitespace().position(|name| name == wanted)?;
            values.split_whitespace().nth(at)?.parse().ok()
        };
        Some(Counters {
            syn_retrans: value("TCPSynRetrans")?,
            listen_overflows: value("ListenOverflows")?,
        })
    }

    /// What was counted since `before` (counters only grow; a wrap gives 0).
    pub fn since(self, before: Counters) -> Counters {
        Counters {
            syn_retrans: self.syn_retrans.saturating_sub(before.syn_retrans),
            listen_overflows: self
                .listen_overflows
                .saturating_sub(before.listen_overflows),
        }
    }
}

impl Peak {
    pub fn describe(&self, round_trips: u64) -> String {
        let Some(pid) = self.pid else {
            return "not available (the server's numbers come from /proc, on Linux; \
                    give --pid PID if the server runs under another user)"
                .to_string();
        };
        format!(
            "pid {pid}: peak {:.1} MiB resident, {} threads, {} descriptors; CPU {:.2} s, {}",
            self.rss_kib as f64 / 1024.0,
            self.threads,
            self.fds,
            self.cpu,
            per_round_trip(self.cpu, round_trips)
        )
    }

    /// The kernel's counters, said in words (a line of the report).
    pub fn describe_kernel(&self) -> String {
        match self.kernel {
            Some(k) => format!(
                "{} SYNs sent again, {} handshakes dropped by a full accept queue \
                 (the whole machine's counters, during the run)",
                k.syn_retrans, k.listen_overflows
            ),
            None => "not available (the kernel's TCP counters are read on Linux)".to_string(),
        }
    }

    pub fn kv(&self, round_trips: u64) -> String {
        let counted = |n: Option<u64>| n.map_or("-".to_string(), |n| n.to_string());
        format!(
            "syn_retrans={} listen_overflows={} \
             rss_kib={} vm_peak_kib={} threads={} fds={} cpu_s={:.3} cpu_us_per_rt={:.2}",
            counted(self.kernel.map(|k| k.syn_retrans)),
            counted(self.kernel.map(|k| k.listen_overflows)),
            self.rss_kib,
            self.vm_peak_kib,
            self.threads,
            self.fds,
            self.cpu,
            self.cpu * 1e6 / round_trips.max(1) as f64
        )
    }
}

fn per_round_trip(cpu: f64, round_trips: u64) -> String {
    if round_trips == 0 {
        return "no round trips".to_string();
    }
    format!("{:.1} µs per round trip", cpu * 1e6 / round_trips as f64)
}

/// A sampler running on its own thread until [`Watch::stop`].
pub struct Watch {
    peak: Arc<Mutex<Peak>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    cpu_start: f64,
    counters_start: Option<Counters>,
}

impl Watch {
    /// Start watching `pid` (nothing to watch: `None`, or not Linux).
    pub fn start(pid: Option<u32>) -> Watch {
        let pid = pid.filter(|&p| proc::cpu_seconds(p).is_some());
        let peak = Arc::new(Mutex::new(Peak {
            pid,
            ..Peak::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let cpu_start = pid.and_then(proc::cpu_seconds).unwrap_or(0.0);
        let thread = pid.map(|pid| {
            let (peak, stop) = (peak.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let mut p = peak.lock().unwrap_or_else(|e| e.into_inner());
                    proc::sample(pid, &mut p);
                    drop(p);
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        });
        Watch {
            peak,
            stop,
            thread,
            cpu_start,
            counters_start: Counters::now(),
        }
    }

    /// Stop sampling; the peaks and the CPU time used since [`Watch::start`].
    pub fn stop(mut self) -> Peak {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let mut peak = self.peak.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(pid) = peak.pid {
            proc::sample(pid, &mut peak);
            peak.cpu = proc::cpu_seconds(pid).map_or(0.0, |end| end - self.cpu_start);
        }
        peak.kernel = self
            .counters_start
            .and_then(|before| Some(Counters::now()?.since(before)));
        peak
    }
}

/// The CPU seconds (user + system) this process has used so far, if /proc says.
pub fn own_cpu_seconds() -> Option<f64> {
    proc::cpu_seconds(std::process::id())
}

/// The process listening on `port` (TCP, this user's processes), found as `ss -ltnp` does:
/// the socket's inode in /proc/net/tcp, then the process holding it in /proc/*/fd.
pub fn listener_pid(port: u16) -> Option<u32> {
    proc::listener_pid(port)
}

#[cfg(target_os = "linux")]
mod proc {
    use super::Peak;
    use std::fs;

    pub fn sample(pid: u32, peak: &mut Peak) {
        if let Ok(status) = fs::read_to_string(format!("/proc/{pid}/status")) {
            for line in status.lines() {
                let number = |l: &str| -> u64 {
                    l.split_whitespace()
                        .nth(1)
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0)
                };
                if line.starts_with("VmRSS:") {
                    peak.rss_kib = peak.rss_kib.max(number(line));
                } else if line.starts_with("VmPeak:") {
                    peak.vm_peak_kib = peak.vm_peak_kib.max(number(line));
                } else if line.starts_with("Threads:") {
                    peak.threads = peak.threads.max(number(line));
                }
            }
        }
        if let Some(fds) = descriptors(pid) {
            peak.fds = peak.fds.max(fds);
        }
    }

    /// How many descriptors `pid` has open. Since Linux 6.2, the size that stat() gives for
    /// /proc/PID/fd is that number, read from the process's table of open descriptors
    /// (the kernel's Documentation/filesystems/proc.rst, "/proc/<pid>/fd"): microseconds.
    /// Before, the size is 0 and only listing the directory tells: one entry per
    /// descriptor, which for 10,000 takes the kernel about 10 ms.
    pub fn descriptors(pid: u32) -> Option<u64> {
        let dir = format!("/proc/{pid}/fd");
        match fs::metadata(&dir).ok()?.len() {
            0 => Some(fs::read_dir(&dir).ok()?.count() as u64),
            open => Some(open),
        }
    }

    /// utime + stime (fields 14 and 15 of /proc/PID/stat), in seconds.
    pub fn cpu_seconds(pid: u32) -> Option<f64> {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name (field 2) may hold spaces: count fields after its ')'.
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        // SAFETY: sysconf only reads a configuration value.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1);
        Some(ticks as f64 / per_second as f64)
    }

    pub fn netstat() -> Option<String> {
        fs::read_to_string("/proc/net/netstat").ok()
    }

    pub fn listener_pid(port: u16) -> Option<u32> {
        let inode = ["/proc/net/tcp", "/proc/net/tcp6"]
            .iter()
            .find_map(|table| {
                let text = fs::read_to_string(table).ok()?;
                text.lines().skip(1).find_map(|line| {
                    let f: Vec<&str> = line.split_whitespace().collect();
                    let local_port = f.get(1)?.rsplit(':').next()?;
                    // State 0A is LISTEN; field 9 is the socket's inode.
                    (u16::from_str_radix(local_port, 16).ok()? == port && f.get(3)? == &"0A")
                        .then(|| f.get(9).map(|s| s.to_string()))?
                })
            })?;
        let wanted = format!("socket:[{inode}]");
        for process in fs::read_dir("/proc").ok()?.flatten() {
            let Ok(pid) = process.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(fds) = fs::read_dir(process.path().join("fd")) else {
                continue;
            };
            for fd in fds.flatten() {
                if fs::read_link(fd.path()).is_ok_and(|l| l.to_string_lossy() == wanted) {
                    return Some(pid);
                }
            }
        }
        None
    }
}

#[cfg(not(target_os = "linux"))]
mod proc {
    use super::Peak;
    pub fn sample(_pid: u32, _peak: &mut Peak) {}
    pub fn cpu_seconds(_pid: u32) -> Option<f64> {
        None
    }
    pub fn listener_pid(_port: u16) -> Option<u32> {
        None
    }
    pub fn netstat() -> Option<String> {
        None
    }
}

#[cfg(test)]
mod counters {
    use super::Counters;

    #[test]
    fn the_two_counters_are_found_by_name_and_subtracted() {
        let netstat = "TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPSynRetrans\n\
                       TcpExt: 0 7 9 12\n\
                       IpExt: InNoRoutes\nIpExt: 3\n";
        let now = Counters::parse(netstat).expect("both counters are there");
        assert_eq!(
            now,
            Counters {
                syn_retrans: 12,
                listen_overflows: 7
            }
        );
        let before = Counters {
            syn_retrans: 10,
            listen_overflows: 7,
        };
        assert_eq!(
            now.since(before),
            Counters {
                syn_retrans: 2,
                listen_overflows: 0
            }
        );
        // A counter missing (an older kernel): nothing claimed.
        assert_eq!(
            Counters::parse("TcpExt: ListenOverflows\nTcpExt: 1\n"),
            None
        );
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_full_accept_queue_is_counted_by_the_kernel() {
        use socket2::{Domain, Socket, Type};
        let before = Counters::now().expect("/proc/net/netstat has both counters");
        // A queue of one that nobody accepts from: Linux holds two, then drops the SYNs.
        let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        listener
            .bind(
                &"127.0.0.1:0"
                    .parse::<std::net::SocketAddr>()
                    .unwrap()
                    .into(),
            )
            .unwrap();
        listener.listen(1).unwrap();
        let addr = listener.local_addr().unwrap().as_socket().unwrap();
        let clients: Vec<_> = (0..4)
            .map(|_| std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)))
            .collect();
        assert!(clients.iter().any(|c| c.is_err()), "{clients:?}");
        let counted = Counters::now().unwrap().since(before);
        assert!(counted.listen_overflows >= 1, "{counted:?}");
    }

    #[test]
    fn descriptors_are_counted_as_they_open_and_close() {
        let me = std::process::id();
        let count = || proc::descriptors(me).expect("our own /proc/PID/fd");
        // The test harness runs other tests in this process at the same time, and they open
        // and close descriptors too (CI once saw 21, then 67 after our 50 opened). So each
        // check is tried a few times: a count that does not follow ours fails every try.
        let tries = |what: &str, check: &mut dyn FnMut() -> Result<(), String>| {
            let mut last = String::new();
            for _ in 0..20 {
                match check() {
                    Ok(()) => return,
                    Err(e) => last = e,
                }
                std::thread::yield_now();
            }
            panic!("{what}: {last}");
        };
        tries("50 opened", &mut || {
            let before = count();
            let files: Vec<std::fs::File> = (0..50)
                .map(|_| std::fs::File::open("/dev/null").unwrap())
                .collect();
            let open = count();
            drop(files);
            let after = count();
            match (open == before + 50, after == before) {
                (true, true) => Ok(()),
                _ => Err(format!("{before}, then {open} open, then {after} closed")),
            }
        });
        // The count from stat()'s size is the directory's entries, but for the one
        // read_dir holds open while it lists them.
        tries("listed", &mut || {
            let counted = count();
            let listed = std::fs::read_dir(format!("/proc/{me}/fd")).unwrap().count() as u64;
            match listed == counted + 1 && count() == counted {
                true => Ok(()),
                false => Err(format!("{counted} counted, {listed} listed")),
            }
        });
    }

    #[test]
    fn the_watch_sees_the_servers_descriptors_and_cpu() {
        let me = std::process::id();
        let files: Vec<std::fs::File> = (0..20)
            .map(|_| std::fs::File::open("/dev/null").unwrap())
            .collect();
        let peak = Watch::start(Some(me)).stop();
        assert_eq!(peak.pid, Some(me));
        assert!(peak.fds >= 20, "{peak:?}");
        assert!(peak.threads >= 1 && peak.rss_kib > 0, "{peak:?}");
        drop(files);
        // Nothing to watch: nothing measured, and said so.
        let nobody = Watch::start(None).stop();
        assert_eq!(nobody.pid, None);
        assert!(nobody.describe(1).starts_with("not available"));
    }
}
