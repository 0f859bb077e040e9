//! What a run counted: round trips, failures by kind, latencies in HDR histograms, and the
//! report printed at the end.

use std::collections::BTreeMap;
use std::io;
use std::time::Duration;

use hdrhistogram::Histogram;

use crate::server_view::Peak;

/// Everything the connections of one run recorded (shared by the tasks of one thread).
pub struct Tally {
    /// Round trips answered (the chat: lines delivered).
    pub completed: u64,
    /// What failed, by kind (`connect: refused`, `answer: timed out`, …).
    pub failed: BTreeMap<String, u64>,
    /// Round-trip latencies, in microseconds.
    pub latency: Histogram<u64>,
    /// Connect latencies, in microseconds.
    pub connect: Histogram<u64>,
    /// Connects that took a second or more: what a SYN sent again looks like from here (the
    /// first was dropped, a full accept queue, and the kernel waits 1 s before it resends:
    /// RFC 6298's initial timeout). A busy machine can be as slow; the kernel's own count of
    /// SYNs sent again is in the report's `kernel` line.
    pub slow_connects: u64,
    /// Paced: how late the generator sent each counted line (its own error), in microseconds.
    pub late: Histogram<u64>,
    /// Paced: round trips of the warm-up, done and not counted.
    pub warm_up: u64,
    /// Paced: requests due before the end that had no answer when the run ended. Each is in
    /// `latency` as its wait until the end, a lower bound; the smallest of these waits, in
    /// microseconds.
    pub unanswered: u64,
    pub unanswered_from: Option<u64>,
    /// The chat: lines the speaker sent, and members that joined.
    pub spoken: u64,
    pub joined: u64,
}

/// An HDR histogram from 1 µs to 10 minutes, 3 significant digits (0.1 %).
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid bounds")
}

fn micros(d: Duration) -> u64 {
    (d.as_micros() as u64).max(1)
}

impl Tally {
    pub fn new() -> Tally {
        Tally {
            completed: 0,
            failed: BTreeMap::new(),
            latency: histogram(),
            connect: histogram(),
            late: histogram(),
            warm_up: 0,
            unanswered: 0,
            unanswered_from: None,
            slow_connects: 0,
            spoken: 0,
            joined: 0,
        }
    }

    /// One answered round trip that took `took`.
    pub fn answered(&mut self, took: Duration) {
        self.completed += 1;
        self.latency.saturating_record(micros(took));
    }

    /// One paced request due before the end and never answered: its user had waited
    /// `waited` when the run ended, and maybe waits still. Not a round trip; a latency of
    /// at least `waited`.
    pub fn unanswered(&mut self, waited: Duration) {
        self.unanswered += 1;
        let us = micros(waited);
        self.latency.saturating_record(us);
        self.unanswered_from = Some(self.unanswered_from.map_or(us, |from| from.min(us)));
    }

    /// One paced line that went `late` after it could have gone.
    pub fn late(&mut self, late: Duration) {
        // From 0: a line sent on time is 0 µs late.
        self.late.saturating_record(late.as_micros() as u64);
    }

    /// One connect that took `took`.
    pub fn connected(&mut self, took: Duration) {
        self.connect.saturating_record(micros(took));
        if took >= Duration::from_secs(1) {
            self.slow_connects += 1;
        }
    }

    /// One failure of `step` (`connect`, `send`, `answer`, `join`) with this error.
    pub fn failed(&mut self, step: &str, err: &io::Error) {
        let kind = match err.kind() {
            io::ErrorKind::ConnectionRefused => "refused".to_string(),
            io::ErrorKind::ConnectionReset => "reset".to_string(),
            io::ErrorKind::TimedOut => "timed out".to_string(),
            io::ErrorKind::UnexpectedEof => "closed by the server".to_string(),
            io::ErrorKind::BrokenPipe => "broken pipe".to_string(),
            io::ErrorKind::InvalidData => err.to_string(),
            other => format!("{other:?}"),
        };
        *self.failed.entry(format!("{step}: {kind}")).or_default() += 1;
    }

    pub fn failures(&self) -> u64 {
        self.failed.values().sum()
    }

    /// `p50 0.081 ms  p90 …`: the latency percentiles of `h`. From `at_least` up (a value
    /// recorded for a request still waiting), a percentile is only a lower bound: `≥`.
    fn percentiles(h: &Histogram<u64>, at_least: Option<u64>) -> String {
        let ms = |us: u64| {
            let bound = at_least.is_some_and(|from| us >= h.lowest_equivalent(from));
            let sign = if bound { "≥" } else { "" };
            format!("{sign}{:.3} ms", us as f64 / 1000.0)
        };
        let mut text = String::new();
        for (name, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)] {
            text.push_str(&format!("{name} {}  ", ms(h.value_at_quantile(q))));
        }
        text + &format!("max {}", ms(h.max()))
    }

    /// The report, one line per measure.
    pub fn report(&self, window: Duration, server: Option<&Peak>) -> Vec<String> {
        let per_second = self.completed as f64 / window.as_secs_f64().max(1e-9);
        let mut lines = vec![format!(
            "completed   {} round trips in {:.2} s, {} failed",
            self.completed,
            window.as_secs_f64(),
            self.failures()
        )];
        for (kind, count) in &self.failed {
            lines.push(format!("failed      {kind}: {count}"));
        }
        lines.push(format!("throughput  {per_second:.0} round trips/s"));
        if self.warm_up > 0 {
            lines.push(format!(
                "warm-up     {} round trips before the count began: done, not counted",
                self.warm_up
            ));
        }
        let at_least = self.unanswered_from;
        let latency = Tally::percentiles(&self.latency, at_least);
        lines.push(format!("latency     {latency}"));
        if let Some(from) = at_least {
            lines.push(format!(
                "unanswered  {} requests due before the end had no answer: counted at their \
                 wait so far, ≥ {:.3} ms",
                self.unanswered,
                from as f64 / 1000.0
            ));
        }
        if !self.late.is_empty() {
            // The instrument's own error: how late this generator sent, when it could send.
            lines.push(format!(
                "sent late   {}",
                Tally::percentiles(&self.late, None)
            ));
        }
        let connect = Tally::percentiles(&self.connect, None);
        lines.push(format!("connect     {connect}"));
        lines.push(format!(
            "slow        {} connects took 1 s or more (as long as a dropped SYN, sent again)",
            self.slow_connects
        ));
        if let Some(server) = server {
            lines.push(format!("kernel      {}", server.describe_kernel()));
            lines.push(format!("server      {}", server.describe(self.completed)));
        }
        lines
    }

    /// The same as `key=value` words on one line, for scripts (`cargo xtask bench`).
    pub fn kv(&self, window: Duration, server: &Peak) -> String {
        let q = |h: &Histogram<u64>, q: f64| h.value_at_quantile(q);
        let failed: Vec<String> = self
            .failed
            .iter()
            // Words stay words: no spaces, and no commas (they separate the kinds).
            .map(|(k, n)| format!("{}:{n}", k.replace([' ', ','], "_")))
            .collect();
        format!(
            "completed={} failed={} failures={} seconds={:.3} rps={:.0} p50_us={} p99_us={} \
             p999_us={} max_us={} late_p50_us={} late_p99_us={} late_max_us={} warm_up={} \
             unanswered={} connect_p99_us={} slow_connects={} spoken={} joined={} {}",
            self.completed,
            self.failures(),
            if failed.is_empty() {
                "-".to_string()
            } else {
                failed.join(",")
            },
            window.as_secs_f64(),
            self.completed as f64 / window.as_secs_f64().max(1e-9),
            q(&self.latency, 0.5),
            q(&self.latency, 0.99),
            q(&self.latency, 0.999),
            self.latency.max(),
            q(&self.late, 0.5),
            q(&self.late, 0.99),
            self.late.max(),
            self.warm_up,
            self.unanswered,
            q(&self.connect, 0.99),
            self.slow_connects,
            self.spoken,
            self.joined,
            server.kv(self.completed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// The report's latency line, as `name value` pairs.
    fn latency_line(tally: &Tally) -> String {
        let report = tally.report(Duration::from_secs(1), None);
        report
            .into_iter()
            .find(|l| l.starts_with("latency"))
            .unwrap()
    }

    #[test]
    fn percentiles_reached_by_an_unanswered_request_are_lower_bounds() {
        let mut tally = Tally::new();
        for _ in 0..90 {
            tally.answered(MS);
        }
        for _ in 0..10 {
            tally.unanswered(500 * MS);
        }
        assert_eq!((tally.completed, tally.unanswered), (90, 10));
        let line = latency_line(&tally);
        // p50 and p90 are answered requests: exact. p99 and the max are the unanswered
        // ones' wait so far: at least that.
        assert!(
            line.contains("p50 1.000 ms") && line.contains("p90 1.000 ms"),
            "{line}"
        );
        assert!(line.contains("p99 ≥") && line.contains("max ≥"), "{line}");
        // Without any, nothing is marked.
        let mut tally = Tally::new();
        tally.answered(500 * MS);
        assert!(!latency_line(&tally).contains('≥'));
    }
}
