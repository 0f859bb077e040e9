//! What a run does: the load generator's command line, read once into a [`Plan`].

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use common::{LessonError, Options, Result};

/// A length of time on the command line: `10s`, `500ms`, or a number of seconds (`2.5`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span(pub Duration);

impl FromStr for Span {
    type Err = String;
    fn from_str(text: &str) -> std::result::Result<Span, String> {
        let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
            (ms, 0.001)
        } else {
            (text.strip_suffix('s').unwrap_or(text), 1.0)
        };
        match number.parse::<f64>() {
            Ok(n) if n.is_finite() && n >= 0.0 && n * scale <= 3600.0 => {
                Ok(Span(Duration::from_secs_f64(n * scale)))
            }
            _ => Err(format!("{text}: not a length of time (10s, 500ms)")),
        }
    }
}

/// How each connection drives the server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Drive {
    /// Send a line, wait for the answer, send the next at once: for this long.
    Closed(Duration),
    /// Send `rate` lines a second on a fixed timetable, whatever the answers do: for this long.
    Paced(Duration),
    /// One round trip, then close: with every connection at once, a storm.
    Once,
}

/// What the server speaks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Protocol {
    /// A line in, a line out (lessons 09, 11, 12, 13 and the reference server).
    Line,
    /// One HTTP request per connection, answered and closed (lesson 14).
    Http,
    /// A chat (lesson 16): every member joins, member 0 speaks, the others receive each line.
    Chat,
}

/// One run of the load generator.
#[derive(Debug, Clone)]
pub struct Plan {
    pub addr: SocketAddr,
    pub connections: usize,
    pub drive: Drive,
    /// Paced (and the chat's speaker): lines a second on each connection.
    pub rate: f64,
    /// Connections opened a second; `None`: all at once.
    pub arrive: Option<f64>,
    pub protocol: Protocol,
    /// The longest wait for a connect or an answer.
    pub timeout: Duration,
    /// Paced: run this long first, and count nothing of it.
    pub warmup: Duration,
}

impl Plan {
    /// Read the plan from the command line.
    pub fn from(opts: &Options, addr: SocketAddr, default: Duration) -> Result<Plan> {
        let connections = opts.value("-c", opts.value("--connections", 10usize)?)?;
        let closed = opts.value("--closed", Span(Duration::ZERO))?.0;
        let paced = opts.value("--paced", Span(Duration::ZERO))?.0;
        let drive = match (opts.has("--once"), closed, paced) {
            (true, Duration::ZERO, Duration::ZERO) => Drive::Once,
            (false, d, Duration::ZERO) if !d.is_zero() => Drive::Closed(d),
            (false, Duration::ZERO, d) if !d.is_zero() => Drive::Paced(d),
            (false, Duration::ZERO, Duration::ZERO) => Drive::Closed(default),
            _ => return Err(usage("choose one of --closed, --paced and --once")),
        };
        let protocol = match (opts.has("--http"), opts.has("--chat")) {
            (false, false) => Protocol::Line,
            (true, false) => Protocol::Http,
            (false, true) => Protocol::Chat,
            _ => return Err(usage("choose one of --http and --chat")),
        };
        let rate: f64 = opts.value("--rate", 10.0)?;
        let arrive: f64 = opts.value("--arrive", 0.0)?;
        let timeout = opts.value("--timeout", Span(Duration::from_secs(10)))?.0;
        let warmup = opts.value("--warmup", Span(Duration::from_secs(1)))?.0;
        if connections == 0 || connections > 100_000 {
            return Err(usage("-c takes 1 to 100000 connections"));
        }
        let positive = rate > 0.0 && rate <= 100_000.0 && arrive >= 0.0;
        if !positive || timeout.is_zero() {
            return Err(usage(
                "--rate, --arrive and --timeout take positive numbers",
            ));
        }
        // A tiny rate is positive, but one line every 1/rate seconds can be longer than a
        // Duration holds (`--rate 1e-300`: every 1e300 s), and from_secs_f64 panics on it.
        let interval = Duration::try_from_secs_f64(1.0 / rate)
            .map_err(|_| usage("--rate is too small: a line every 1/rate s is too long a wait"))?;
        // A paced connection's report counts at most MOST_DUE requests (`latencies` refuses
        // a longer record): refuse such a timetable now, not every connection's record after
        // the run.
        if let Drive::Paced(length) = drive {
            let due = (warmup + length).as_nanos().div_ceil(interval.as_nanos());
            if due > lesson_29_load::MOST_DUE as u128 {
                return Err(usage(&format!(
                    "--paced: at --rate {rate}, {due} lines would be due on each connection in \
                     the warm-up and the run, more than the {} a report counts: lower --rate or \
                     shorten --paced",
                    lesson_29_load::MOST_DUE
                )));
            }
        }
        let arrive = (arrive > 0.0).then_some(arrive);
        if let Some(arrive) = arrive {
            let last = (connections - 1) as f64;
            Duration::try_from_secs_f64(last / arrive).map_err(|_| {
                usage("--arrive is too small: the last connection would open too late")
            })?;
        }
        Ok(Plan {
            addr,
            connections,
            drive,
            rate,
            arrive,
            protocol,
            timeout,
            warmup,
        })
    }

    /// How long the drive lasts once connections are open (`Once`: none).
    pub fn length(&self) -> Duration {
        match self.drive {
            Drive::Closed(d) | Drive::Paced(d) => d,
            Drive::Once => Duration::ZERO,
        }
    }

    /// Time between two lines of a paced connection (`Plan::from` refused a rate too small
    /// for it to fit in a Duration).
    pub fn interval(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.rate)
    }

    /// When connection `k` (from 0) opens, after the start (`Plan::from` checked the last).
    pub fn arrival(&self, k: usize) -> Duration {
        self.arrive.map_or(Duration::ZERO, |rate| {
            Duration::from_secs_f64(k as f64 / rate)
        })
    }
}

fn usage(text: &str) -> LessonError {
    LessonError::protocol("command line", text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        assert_eq!("10s".parse(), Ok(Span(Duration::from_secs(10))));
        assert_eq!("250ms".parse(), Ok(Span(Duration::from_millis(250))));
        assert_eq!("2".parse(), Ok(Span(Duration::from_secs(2))));
        assert!("soon".parse::<Span>().is_err());
        assert!("-1s".parse::<Span>().is_err());
    }
}
