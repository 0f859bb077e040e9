//! The command line every lesson speaks.
//!
//! ```text
//! cargo run -p lesson-04-accept                      # the narrated exchange, both sides in one process
//! cargo run -p lesson-04-accept -- server [--addr HOST:PORT] [--step]
//! cargo run -p lesson-04-accept -- client [--addr HOST:PORT] [--step]
//! cargo run -p lesson-04-accept -- --wire [--pcap FILE]  # the demo, with the segments it sends
//! cargo run -p lesson-04-accept -- --trace trace.jsonl   # also every event, as JSON lines
//! ```
//!
//! `--trace FILE` works in every mode: see [`crate::trace`] for the format. `--quiet` turns
//! the narration off (the readiness line and the trace stay): to measure a server, not its
//! printing (book/29-load.md).
//!
//! A server's first line on stdout is `listening on HOST:PORT`, with the real port, so that a
//! test (or a learner) can ask for port 0 and still know where to connect.
//!
//! `--addr` takes a name too (`localhost:7004`): it is resolved once, here, with getaddrinfo
//! (std's `ToSocketAddrs`), and a name may give several addresses (`localhost`: often `::1`
//! and `127.0.0.1`). [`Options::addr`] is the FIRST of them, which a server binds: one
//! socket has one address, and the first is the one the resolver ranks best (RFC 6724), so a
//! client given the same name tries it first too. [`Options::addrs`] holds them all, in the
//! resolver's order, for a client that tries each in turn (lesson 19).

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;

use crate::error::Result;
use crate::{narrate, wire};

/// What the command line needs to know about a lesson.
pub struct Lesson {
    /// The package name, e.g. `lesson-04-accept`.
    pub package: &'static str,
    /// One line: the call and what the lesson shows about it.
    pub title: &'static str,
    /// The server's port when `--addr` is not given: 7000 + the lesson's number.
    pub port: u16,
    /// What the demo, the server and the client do (shown by `--help`).
    pub about: &'static str,
    /// Flags of the lesson's own, beyond `--addr` and `--step`.
    pub flags: &'static [Flag],
}

/// A lesson's own flag, e.g. `--clients N`.
pub struct Flag {
    /// The flag, e.g. `--clients`.
    pub name: &'static str,
    /// The name of its value (`N`), or `None` for an on/off flag.
    pub value: Option<&'static str>,
    /// One line for `--help`.
    pub help: &'static str,
}

/// Which side to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Server and client in one process, narrated call by call.
    Demo,
    Server,
    Client,
}

/// The parsed command line.
pub struct Options {
    pub lesson: &'static Lesson,
    pub mode: Mode,
    /// Server: where to listen. Client: where to connect. Demo: where the server listens.
    /// For a name, the first address it resolved to.
    pub addr: SocketAddr,
    /// Every address `--addr` resolved to, in the resolver's order (one for a numeric address).
    pub addrs: Vec<SocketAddr>,
    /// `--wire` and `--pcap FILE`: show (and save) the segments of the exchange.
    pub wire: wire::Request,
    /// `--trace FILE`: write every narrated event to FILE, one JSON line each.
    pub trace: Option<std::path::PathBuf>,
    /// The lesson's own flags, as given.
    flags: Vec<(&'static str, Option<String>)>,
}

impl Options {
    /// The address the server listens on by default: loopback, on the lesson's own port.
    pub fn default_addr(lesson: &Lesson) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], lesson.port))
    }

    /// A narrator for one side of this lesson.
    pub fn narrator(&self, who: &str) -> narrate::Narrator {
        narrate::Narrator::new(who, self.lesson.package)
    }

    /// Announce that the server is ready: `listening on HOST:PORT`, with the real port.
    /// Tests and learners wait for this line before they connect.
    pub fn ready(&self, addr: SocketAddr) {
        narrate::release_held(&format!("listening on {addr}"));
    }

    /// Was this on/off flag given?
    pub fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| *n == name)
    }

    /// Every value of a flag that may be given more than once (`--allow A --allow B`), in order.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.flags
            .iter()
            .filter(|(n, _)| *n == name)
            .filter_map(|(_, value)| value.as_deref())
            .collect()
    }

    /// The value of a flag, parsed, or `default` when it was not given.
    pub fn value<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T> {
        match self.flags.iter().find(|(n, _)| *n == name) {
            Some((_, Some(text))) => text.parse().map_err(|_| {
                crate::LessonError::protocol(
                    "command line",
                    format!("{name} {text}: not a valid value"),
                )
            }),
            _ => Ok(default),
        }
    }

    /// Like [`Options::value`], for a number that sizes something (a buffer, a queue, a
    /// deadline): more than `most` is a clear error now, rather than an allocation that
    /// aborts, or a deadline that overflows, when the first client comes.
    pub fn value_at_most<T>(&self, name: &str, default: T, most: T) -> Result<T>
    where
        T: std::str::FromStr + PartialOrd + std::fmt::Display,
    {
        let value = self.value(name, default)?;
        if value > most {
            return Err(crate::LessonError::protocol(
                "command line",
                format!("{name} {value}: at most {most}"),
            ));
        }
        Ok(value)
    }

    /// A duration flag in seconds (`--timeout 30`), or `default`: at most a day. A deadline
    /// further off is no deadline, and one far enough off overflows the clock (`Instant`
    /// + the duration panics) when the first client comes.
    pub fn seconds(&self, name: &str, default: u64) -> Result<std::time::Duration> {
        let secs = self.value_at_most(name, default, DAY_SECS)?;
        Ok(std::time::Duration::from_secs(secs))
    }

    /// Like [`Options::seconds`], in milliseconds (`--limit-ms 500`): at most a day.
    pub fn millis(&self, name: &str, default: u64) -> Result<std::time::Duration> {
        let ms = self.value_at_most(name, default, DAY_SECS * 1000)?;
        Ok(std::time::Duration::from_millis(ms))
    }
}

/// The longest duration a flag may give: a day, in seconds.
pub const DAY_SECS: u64 = 24 * 60 * 60;

/// Run a lesson: parse the command line, run the chosen side, and turn an error into a
/// clear message on stderr and exit code 1 (2 for a mistake on the command line).
pub fn main(
    lesson: &'static Lesson,
    demo: fn(&Options) -> Result<()>,
    server: fn(&Options) -> Result<()>,
    client: fn(&Options) -> Result<()>,
) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = match parse(lesson, &args) {
        Ok(Some(opts)) => opts,
        Ok(None) => {
            print!("{}", help(lesson));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}");
            eprintln!("(see: cargo run -p {} -- --help)", lesson.package);
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &opts.trace {
        if let Err(e) = crate::trace::open(path) {
            eprintln!("error: --trace {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    // The wire view moves the process into a network namespace of its own: that must happen
    // before the lesson makes its first thread (and only the demo has both sides inside it).
    start_wire(&opts);
    // A server's first line is its readiness line, so its narration of socket(), bind() and
    // listen() waits until then. In step mode the learner reads along, so nothing waits.
    if opts.mode == Mode::Server && !narrate::step_mode() {
        narrate::hold_until_ready();
    }
    let result = match opts.mode {
        Mode::Demo => demo(&opts),
        Mode::Server => server(&opts),
        Mode::Client => client(&opts),
    };
    narrate::finish_wire();
    // A server that failed before it was ready still shows what it did.
    let held = narrate::take_held();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            for line in held {
                println!("{line}");
            }
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Start the capture asked for by `--wire` / `--pcap`; if it cannot start, say why on stderr
/// and run the lesson without it.
fn start_wire(opts: &Options) {
    let mut request = opts.wire.clone();
    // A demo that shows its segments by default (lesson 18) shows none with --quiet.
    if opts.mode == Mode::Demo && wire::shown_by_default() && !narrate::quiet() {
        request.show = true;
    }
    if !request.show && request.pcap.is_none() {
        return;
    }
    let port = opts.lesson.port;
    if opts.mode != Mode::Demo {
        eprintln!(
            "note: --wire and --pcap work on the demo (both sides in one process): they run it in a\n\
             private network namespace, which a server or client in another terminal cannot reach.\n\
             To watch a server of yours: sudo tcpdump -i lo -n port {port}"
        );
        return;
    }
    if let Err(refused) = wire::start(&request, opts.lesson.package, port) {
        eprintln!("note: {refused}");
    }
}

/// Parse the arguments after the program's name. `Ok(None)` means `--help` was asked for.
pub fn parse(
    lesson: &'static Lesson,
    args: &[String],
) -> std::result::Result<Option<Options>, String> {
    let mut mode = None;
    let mut addr = None;
    let mut flags = Vec::new();
    let mut wire = wire::Request::default();
    let mut trace = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" | "help" => return Ok(None),
            "demo" | "server" | "client" if mode.is_none() => {
                mode = Some(match arg.as_str() {
                    "demo" => Mode::Demo,
                    "server" => Mode::Server,
                    _ => Mode::Client,
                })
            }
            "--addr" => {
                let text = args
                    .next()
                    .ok_or("--addr needs a value, e.g. 127.0.0.1:0")?;
                addr = Some(resolve(text)?);
            }
            "--step" => narrate::set_step_mode(true),
            "--quiet" => narrate::set_quiet(true),
            "--wire" => wire.show = true,
            "--pcap" => {
                let file = args
                    .next()
                    .ok_or("--pcap needs a file name, e.g. --pcap exchange.pcap")?;
                wire.pcap = Some(file.into());
            }
            "--trace" => {
                let file = args
                    .next()
                    .ok_or("--trace needs a file name, e.g. --trace trace.jsonl")?;
                trace = Some(file.into());
            }
            other => {
                let flag = lesson
                    .flags
                    .iter()
                    .find(|f| f.name == other)
                    .ok_or_else(|| format!("unknown argument {other:?}"))?;
                let value = match flag.value {
                    Some(name) => Some(
                        args.next()
                            .ok_or_else(|| format!("{} needs a value ({name})", flag.name))?
                            .clone(),
                    ),
                    None => None,
                };
                flags.push((flag.name, value));
            }
        }
    }
    let mode = mode.unwrap_or(Mode::Demo);
    let addrs = addr.unwrap_or_else(|| match mode {
        // The demo asks the kernel for a free port, so it never collides with anything.
        Mode::Demo => vec![SocketAddr::from(([127, 0, 0, 1], 0))],
        _ => vec![Options::default_addr(lesson)],
    });
    Ok(Some(Options {
        lesson,
        mode,
        addr: addrs[0],
        addrs,
        wire,
        trace,
        flags,
    }))
}

// ANCHOR: resolve
/// `--addr`'s value: a numeric address as it is, or a name resolved with getaddrinfo (std's
/// `ToSocketAddrs`), every address it gives, in the resolver's order. Never empty.
fn resolve(text: &str) -> std::result::Result<Vec<SocketAddr>, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(vec![addr]);
    }
    let usage = "write HOST:PORT, e.g. 127.0.0.1:7001, [::1]:7001 or localhost:7001";
    // Without a port (or with one out of range) there is nothing to ask the resolver.
    let port_ok = text
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
    if !port_ok {
        return Err(format!("--addr {text}: not an address; {usage}"));
    }
    match text.to_socket_addrs() {
        Ok(found) => {
            let addrs: Vec<SocketAddr> = found.collect();
            if addrs.is_empty() {
                Err(format!(
                    "--addr {text}: not an address: the name has no address"
                ))
            } else {
                Ok(addrs)
            }
        }
        Err(e) => Err(format!(
            "--addr {text}: not an address: the name does not resolve ({e}); {usage}"
        )),
    }
}
// ANCHOR_END: resolve

/// The text of `--help`.
pub fn help(lesson: &Lesson) -> String {
    let p = lesson.package;
    let mut text = format!(
        "{p} — {title}\n\n\
         USAGE:\n    \
         cargo run -p {p}                      the whole exchange, narrated (server and client in one process)\n    \
         cargo run -p {p} -- server [OPTIONS]  only the server; its first line is `listening on HOST:PORT`\n    \
         cargo run -p {p} -- client [OPTIONS]  only the client, for a server started in another terminal\n\n\
         OPTIONS:\n    \
         --addr HOST:PORT   server: where to listen; client: where to connect\n                       \
         (default 127.0.0.1:{port}; port 0 asks the kernel for a free port;\n                       \
         HOST may be a name: localhost:{port} listens on its first address;\n                       \
         0.0.0.0:{port} accepts connections to any address of this machine,\n                       \
         so other machines can reach it too)\n    \
         --step             pause before each system call until you press Enter\n    \
         --wire             demo (Linux): also show each segment the exchange puts on the wire\n    \
         --pcap FILE        demo (Linux): save those segments for tcpdump -r FILE or Wireshark\n    \
         --trace FILE       also write every call, note and byte as JSON lines to FILE\n    \
         --quiet            print no narration (the readiness line and --trace stay): to measure\n",
        title = lesson.title,
        port = lesson.port,
    );
    for flag in lesson.flags {
        let name = match flag.value {
            Some(value) => format!("{} {}", flag.name, value),
            None => flag.name.to_string(),
        };
        // A help of several lines: its next lines start under its first.
        let help = flag.help.replace('\n', &format!("\n{:23}", ""));
        text.push_str(&format!("    {name:<18} {help}\n"));
    }
    text.push_str("    -h, --help         this help\n\n");
    text.push_str(lesson.about.trim());
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    static LESSON: Lesson = Lesson {
        package: "lesson-99-test",
        title: "a test",
        port: 7099,
        about: "About.",
        flags: &[Flag {
            name: "--clients",
            value: Some("N"),
            help: "how many",
        }],
    };

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults() {
        let demo = parse(&LESSON, &args(&[])).unwrap().unwrap();
        assert_eq!(demo.mode, Mode::Demo);
        assert_eq!(demo.addr.port(), 0);
        let server = parse(&LESSON, &args(&["server"])).unwrap().unwrap();
        assert_eq!(server.addr, "127.0.0.1:7099".parse().unwrap());
    }

    #[test]
    fn lesson_flags_and_addr() {
        let opts = parse(
            &LESSON,
            &args(&["client", "--addr", "[::1]:5", "--clients", "3"]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(opts.mode, Mode::Client);
        assert_eq!(opts.addr, "[::1]:5".parse().unwrap());
        assert_eq!(opts.value("--clients", 1).unwrap(), 3);
    }

    #[test]
    fn mistakes_are_explained() {
        let err = parse(&LESSON, &args(&["--addr", "nope"])).err().unwrap();
        assert!(err.contains("not an address"), "{err}");
        let err = parse(&LESSON, &args(&["--bogus"])).err().unwrap();
        assert!(err.contains("unknown argument"), "{err}");
        assert!(parse(&LESSON, &args(&["--help"])).unwrap().is_none());
        // A name without a port, and a port out of range: nothing to resolve.
        let err = parse(&LESSON, &args(&["--addr", "localhost"]))
            .err()
            .unwrap();
        assert!(err.contains("not an address"), "{err}");
        let err = parse(&LESSON, &args(&["--addr", "127.0.0.1:99999"]))
            .err()
            .unwrap();
        assert!(err.contains("not an address"), "{err}");
        let err = parse(&LESSON, &args(&["--pcap"])).err().unwrap();
        assert!(err.contains("--pcap needs a file"), "{err}");
    }

    #[test]
    fn a_name_is_resolved_and_the_first_address_is_the_one_used() {
        // localhost is in /etc/hosts (or its equivalent) everywhere: no network needed. It
        // gives 127.0.0.1, ::1 or both, in the order the resolver ranks them.
        let opts = parse(&LESSON, &args(&["server", "--addr", "localhost:7099"]))
            .unwrap()
            .unwrap();
        assert!(!opts.addrs.is_empty());
        assert_eq!(opts.addr, opts.addrs[0]);
        for addr in &opts.addrs {
            assert!(addr.ip().is_loopback(), "{addr}");
            assert_eq!(addr.port(), 7099);
        }
        let numeric = parse(&LESSON, &args(&["--addr", "[::1]:5"]))
            .unwrap()
            .unwrap();
        assert_eq!(numeric.addrs, vec!["[::1]:5".parse().unwrap()]);
    }

    #[test]
    fn wire_flags() {
        let opts = parse(&LESSON, &args(&["--wire", "--pcap", "x.pcap"]))
            .unwrap()
            .unwrap();
        assert!(opts.wire.show);
        assert_eq!(
            opts.wire.pcap.as_deref(),
            Some(std::path::Path::new("x.pcap"))
        );
        let plain = parse(&LESSON, &args(&[])).unwrap().unwrap();
        assert_eq!(plain.wire, wire::Request::default());
    }
}
