//! Who else used the machine during a run: the CPU time of the other programs, and the
//! hypervisor's steal, both read from /proc (proc(5)) before and after the run.
//!
//! The machine's busy time in /proc/stat is not "ours + others": it also holds the kernel's
//! work that no process is charged with (softirq that came while a CPU was idle), and steal,
//! the time a virtual CPU was ready and the hypervisor ran something else. So the others are
//! counted process by process, and steal apart.

use std::collections::HashMap;

/// CPU seconds used so far, in /proc's units (USER_HZ, 100 a second).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Every process but the kernel's own threads: pid → its CPU time (utime + stime, all its
    /// threads) plus that of the children it has waited for (cutime + cstime).
    pub processes: HashMap<u32, f64>,
    /// Their names (pid → the command name of /proc/PID/stat), to say who the others were,
    /// and their parents (pid → ppid).
    pub names: HashMap<u32, String>,
    pub parents: HashMap<u32, u32>,
    /// The whole machine's steal (the 8th number of /proc/stat's `cpu` line).
    pub steal: f64,
}

/// What others took of the machine between two snapshots, as shares of it (0.0 to 1.0: of
/// `wall` seconds times the cores).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Use {
    pub others: f64,
    pub steal: f64,
}

impl Snapshot {
    pub fn read() -> Snapshot {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let cpu: Vec<f64> = stat
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .filter_map(|f| f.parse().ok())
            .collect();
        let (mut processes, mut names, mut parents) =
            (HashMap::new(), HashMap::new(), HashMap::new());
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            // (It may have ended since the listing: then it is simply not there.)
            let text = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            if let Some((ppid, cpu)) = process_cpu(&text) {
                // The kernel's threads (kthreadd, pid 2, and its children) are not programs.
                if pid != 2 && ppid != 2 {
                    processes.insert(pid, cpu);
                    let name = text.split_once('(').and_then(|(_, r)| r.rsplit_once(')'));
                    names.insert(pid, name.map_or("?", |n| n.0).to_string());
                    parents.insert(pid, ppid);
                }
            }
        }
        Snapshot {
            processes,
            names,
            parents,
            steal: cpu.get(7).copied().unwrap_or(0.0) / 100.0,
        }
    }
}

/// A process's parent and CPU seconds (its own and its waited-for children's), from the text
/// of /proc/PID/stat.
fn process_cpu(stat: &str) -> Option<(u32, f64)> {
    // The command name (field 2) may hold spaces: count the fields after its ')'.
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 2..)?
        .split_whitespace()
        .collect();
    let number = |n: usize| fields.get(n - 3)?.parse::<f64>().ok();
    // Fields 4 (ppid), 14 to 17 (utime, stime, cutime, cstime), in proc(5)'s numbering.
    let ticks = number(14)? + number(15)? + number(16)? + number(17)?;
    Some((number(4)? as u32, ticks / 100.0))
}

/// The CPU seconds that processes other than `ours` used between two snapshots. A process
/// that ended in between is in `before` but not in `after`; its whole time went into its
/// parent's children's time when the parent waited for it. So the sum after minus the sum
/// before counts each second used in between once, and no second used before. `ours` are
/// left out of both sums: the children we wait for (the load generator, a server that ended)
/// are then in our own children's time, left out too.
pub fn others(before: &Snapshot, after: &Snapshot, ours: &[u32]) -> f64 {
    let sum = |s: &Snapshot| -> f64 {
        s.processes
            .iter()
            .filter(|(pid, _)| !ours.contains(pid))
            .map(|(_, cpu)| cpu)
            .sum()
    };
    (sum(after) - sum(before)).max(0.0)
}

/// The other processes that used the most CPU between two snapshots: `cargo 0.52 s, rustc
/// 0.31 s`. A parent's time includes the children it waited for meanwhile, less what they
/// had used before the first snapshot.
pub fn busiest(before: &Snapshot, after: &Snapshot, ours: &[u32], most: usize) -> String {
    let mut used: HashMap<u32, f64> = after
        .processes
        .iter()
        .map(|(pid, cpu)| (*pid, cpu - before.processes.get(pid).unwrap_or(&0.0)))
        .collect();
    for (pid, cpu) in &before.processes {
        let parent = before.parents.get(pid);
        if let (false, Some(total)) = (after.processes.contains_key(pid), parent) {
            if let Some(used) = used.get_mut(total) {
                *used -= cpu;
            }
        }
    }
    let mut used: Vec<(f64, &str)> = used
        .into_iter()
        .filter(|(pid, cpu)| !ours.contains(pid) && *cpu > 0.0)
        .map(|(pid, cpu)| (cpu, after.names.get(&pid).map_or("?", String::as_str)))
        .collect();
    used.sort_by(|a, b| b.0.total_cmp(&a.0));
    let named: Vec<String> = used
        .iter()
        .take(most)
        .map(|(cpu, name)| format!("{name} {cpu:.2} s"))
        .collect();
    named.join(", ")
}

impl Use {
    /// What others used of `cores` cores for `wall` seconds, between the two snapshots.
    pub fn between(
        before: &Snapshot,
        after: &Snapshot,
        ours: &[u32],
        wall: f64,
        cores: usize,
    ) -> Use {
        let machine = (wall * cores as f64).max(1e-9);
        Use {
            others: others(before, after, ours) / machine,
            steal: (after.steal - before.steal).max(0.0) / machine,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(processes: &[(u32, f64)], steal: f64) -> Snapshot {
        Snapshot {
            processes: processes.iter().copied().collect(),
            names: processes
                .iter()
                .map(|&(pid, _)| (pid, format!("p{pid}")))
                .collect(),
            // Every process a child of the shell, pid 1.
            parents: processes.iter().map(|&(pid, _)| (pid, 1)).collect(),
            steal,
        }
    }

    #[test]
    fn others_count_each_second_once_and_leave_ours_out() {
        // 1: a shell that ran a 3 s compile (pid 10, 0.5 s of it before) and waited for it;
        // 20: ours (the bench), whose child, the load generator, used 2 s; 30: ours too (the
        // server), 1.5 s; 40: another program that started meanwhile and used 0.25 s.
        let before = snapshot(&[(1, 1.0), (10, 0.5), (20, 5.0), (30, 0.5)], 7.0);
        let after = snapshot(
            &[(1, 1.0 + 3.0), (20, 5.0 + 2.0), (30, 2.0), (40, 0.25)],
            7.5,
        );
        let ours = [20, 30];
        // The compile's 2.5 s in the window, and the newcomer's 0.25 s.
        assert_eq!(others(&before, &after, &ours), 2.75);
        // On 2 cores for 5 s: 2.75 of 10 s; steal 0.5 of 10 s.
        let used = Use::between(&before, &after, &ours, 5.0, 2);
        assert_eq!(
            used,
            Use {
                others: 0.275,
                steal: 0.05
            }
        );
        // Who: the shell (with the 2.5 s the compile it waited for used meanwhile) and the
        // newcomer.
        assert_eq!(busiest(&before, &after, &ours, 5), "p1 2.50 s, p40 0.25 s");
        // Alone on the machine: nobody else, whatever ours did.
        let alone = snapshot(&[(20, 9.0), (30, 4.0)], 7.0);
        assert_eq!(others(&before, &alone, &ours), 0.0);
    }

    #[test]
    fn a_process_line_gives_its_parent_and_its_cpu() {
        // proc(5): pid (comm) state ppid … utime stime cutime cstime (fields 14 to 17).
        let line = "4242 (rust c) R 17 4242 4242 0 -1 4194560 1 0 0 0 150 50 10 20 20 0 1 0";
        assert_eq!(process_cpu(line), Some((17, 2.3)));
        assert_eq!(process_cpu("garbage"), None);
    }
}
