//! The load: C connections on one thread (tokio tasks on a current-thread runtime), each
//! driving the server in a closed loop, on a timetable (paced), or once (a storm).

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{sleep_until, timeout, timeout_at, Instant};

use crate::plan::{Drive, Plan, Protocol};
use crate::tally::Tally;

type Shared = Rc<RefCell<Tally>>;

// ANCHOR: run
/// Open the plan's connections, drive them, and return what they counted and the window
/// the throughput is measured over. Bounded: every wait has the plan's timeout.
pub async fn run(plan: &Plan) -> (Tally, Duration) {
    let tally = Rc::new(RefCell::new(Tally::new()));
    let t0 = Instant::now();
    let arrived = t0 + plan.arrival(plan.connections);
    let gate = Gate::new(plan.connections, arrived + plan.timeout);
    let mut tasks = tokio::task::JoinSet::new();
    if plan.protocol == Protocol::Chat {
        crate::chat::start(plan, t0, arrived + plan.length(), &tally, &mut tasks);
    } else {
        for k in 0..plan.connections {
            let (plan, tally, gate) = (plan.clone(), tally.clone(), gate.clone());
            tasks.spawn_local(async move {
                sleep_until(t0 + plan.arrival(k)).await;
                match plan.protocol {
                    Protocol::Http => http_client(&plan, arrived + plan.length(), &tally).await,
                    _ => line_client(k, &plan, &gate, &tally).await,
                }
            });
        }
    }
    // Every task ends by itself (each wait has a timeout); this bounds the run once more.
    let limit = arrived + plan.timeout * 2 + plan.length() + plan.timeout * 3;
    while let Ok(Some(_)) = tokio::time::timeout_at(limit, tasks.join_next()).await {}
    tasks.abort_all();
    let window = match plan.drive {
        Drive::Once => t0.elapsed(),
        _ => plan.length(),
    };
    let mut tally = tally.replace(Tally::new());
    if plan.protocol == Protocol::Chat {
        crate::chat::count_lost(&mut tally);
    }
    (tally, window)
}
// ANCHOR_END: run

// ANCHOR: gate
/// The starting line of a closed or paced run: the drive begins once every connection has
/// connected (or failed to), so that the connects are not counted in it (they are measured
/// apart), and lasts the plan's length for every connection.
#[derive(Clone)]
pub struct Gate {
    settled: watch::Sender<usize>,
    start: Rc<Cell<Option<Instant>>>,
    expected: usize,
    /// If some connection is still not settled by then, start anyway.
    latest: Instant,
}

impl Gate {
    fn new(expected: usize, latest: Instant) -> Gate {
        let start = Rc::new(Cell::new(None));
        Gate {
            settled: watch::channel(0).0,
            start,
            expected,
            latest,
        }
    }

    /// This connection is settled: wait for the others, and return the drive's start.
    async fn pass(&self) -> Instant {
        self.settled.send_modify(|n| *n += 1);
        let mut everyone = self.settled.subscribe();
        let _ = timeout_at(self.latest, everyone.wait_for(|n| *n >= self.expected)).await;
        let start = self.start.get().unwrap_or_else(Instant::now);
        self.start.set(Some(start));
        start
    }
}
// ANCHOR_END: gate

// ANCHOR: connect
/// Connect, recording how long it took (a second or more: a SYN was sent again).
pub async fn connect(plan: &Plan, tally: &Shared) -> Option<TcpStream> {
    let began = Instant::now();
    let result = match timeout(plan.timeout, TcpStream::connect(plan.addr)).await {
        Ok(result) => result,
        Err(_) => Err(io::ErrorKind::TimedOut.into()),
    };
    match result {
        Ok(stream) => {
            // One small line at a time: send it now, not after the previous one's ACK.
            let _ = stream.set_nodelay(true);
            tally.borrow_mut().connected(began.elapsed());
            Some(stream)
        }
        Err(e) => {
            tally.borrow_mut().failed("connect", &e);
            None
        }
    }
}
// ANCHOR_END: connect

/// Read one line (the answer), with the plan's timeout; end of stream is an error.
pub async fn read_line<R: AsyncBufReadExt + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
    wait: Duration,
) -> io::Result<()> {
    line.clear();
    match timeout(wait, reader.read_until(b'\n', line)).await {
        Err(_) => Err(io::ErrorKind::TimedOut.into()),
        Ok(Ok(_)) if line.ends_with(b"\n") => Ok(()),
        Ok(Ok(_)) => Err(io::ErrorKind::UnexpectedEof.into()),
        Ok(Err(e)) => Err(e),
    }
}

// ANCHOR: round_trip
/// One round trip: send `ping\n`, wait for one whole line back (any line: the lessons'
/// servers answer in capitals, or numbered).
async fn round_trip<S>(
    stream: &mut BufReader<S>,
    line: &mut Vec<u8>,
    wait: Duration,
) -> Result<(), (&'static str, io::Error)>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    stream
        .get_mut()
        .write_all(b"ping\n")
        .await
        .map_err(|e| ("send", e))?;
    read_line(stream, line, wait)
        .await
        .map_err(|e| ("answer", e))
}
// ANCHOR_END: round_trip

// ANCHOR: line_client
/// One connection of the line protocol, driven as the plan says.
async fn line_client(k: usize, plan: &Plan, gate: &Gate, tally: &Shared) {
    let stream = connect(plan, tally).await;
    // A storm does its round trip at once; the others wait for every connection first.
    let end = match plan.drive {
        Drive::Once => Instant::now(),
        _ => gate.pass().await + plan.length(),
    };
    let Some(stream) = stream else {
        return;
    };
    let mut stream = BufReader::new(stream);
    let mut line = Vec::with_capacity(64);
    let failure = match plan.drive {
        Drive::Once | Drive::Closed(_) => loop {
            let sent = Instant::now();
            if let Err(failure) = round_trip(&mut stream, &mut line, plan.timeout).await {
                break Some(failure);
            }
            tally.borrow_mut().answered(sent.elapsed());
            if plan.drive == Drive::Once || Instant::now() >= end {
                break None;
            }
        },
        Drive::Paced(_) => paced(k, plan, end, &mut stream, &mut line, tally).await,
    };
    if let Some((step, e)) = failure {
        tally.borrow_mut().failed(step, &e);
    }
}
// ANCHOR_END: line_client

// ANCHOR: paced
/// A paced connection: request i is due at its place in the timetable; it goes when due, or
/// at once if the connection was still waiting for an earlier answer. Latencies are measured
/// from the due time (the exercise), so a stall counts against every request it delayed.
async fn paced(
    k: usize,
    plan: &Plan,
    end: Instant,
    stream: &mut BufReader<TcpStream>,
    line: &mut Vec<u8>,
    tally: &Shared,
) -> Option<(&'static str, io::Error)> {
    let interval = plan.interval();
    // Spread the connections over one interval, so that they do not all send at once.
    let start = Instant::now() + interval.mul_f64(k as f64 / plan.connections as f64);
    let (mut sent, mut answered) = (Vec::new(), Vec::new());
    let mut failure = None;
    for i in 0.. {
        let due = Instant::from_std(lesson_29_load::intended(start.into_std(), interval, i));
        if due >= end {
            break;
        }
        sleep_until(due).await;
        sent.push(Instant::now().into_std());
        if let Err(f) = round_trip(stream, line, plan.timeout).await {
            failure = Some(f);
            break;
        }
        answered.push(Instant::now().into_std());
    }
    let mut tally = tally.borrow_mut();
    for took in lesson_29_load::latencies(start.into_std(), interval, &sent, &answered) {
        tally.answered(took);
    }
    failure
}
// ANCHOR_END: paced

// ANCHOR: http_client
/// A connection per request (lesson 14): connect, send a request, read the answer to the
/// end of the stream, again and again until the end. Latency includes the connect.
async fn http_client(plan: &Plan, end: Instant, tally: &Shared) {
    let request = b"GET /hello HTTP/1.1\r\nHost: load\r\nConnection: close\r\n\r\n";
    loop {
        let began = Instant::now();
        let Some(mut stream) = connect(plan, tally).await else {
            if plan.drive == Drive::Once || Instant::now() >= end {
                return;
            }
            continue;
        };
        let mut answer = Vec::new();
        let result = async {
            stream.write_all(request).await.map_err(|e| ("send", e))?;
            match timeout(plan.timeout, stream.read_to_end(&mut answer)).await {
                Err(_) => Err(("answer", io::ErrorKind::TimedOut.into())),
                Ok(Err(e)) => Err(("answer", e)),
                Ok(Ok(_)) if answer.starts_with(b"HTTP/1.") => Ok(()),
                Ok(Ok(_)) => Err((
                    "answer",
                    io::Error::new(io::ErrorKind::InvalidData, "not HTTP"),
                )),
            }
        }
        .await;
        match result {
            Ok(()) => tally.borrow_mut().answered(began.elapsed()),
            Err((step, e)) => tally.borrow_mut().failed(step, &e),
        }
        if plan.drive == Drive::Once || Instant::now() >= end {
            return;
        }
    }
}
// ANCHOR_END: http_client
