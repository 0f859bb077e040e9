//! The exercise's checks: your `next_event` runs here on a real connection, with the test
//! playing the client (in pieces, in one packet, silent, a byte at a time, closing) and the
//! server's shutdown signal. They check which event comes back, and when; never what anything
//! prints. (`cargo exercise lesson-13-async` runs them on src/exercise.rs.)

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use lesson_13_async::{next_event, Event, MAX_LINE};
use testkit::{fail, yours};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::time::sleep;

/// The server's side of a fresh connection (as `next_event` gets it), and the client's.
struct Setup {
    reader: BufReader<OwnedReadHalf>,
    line: Vec<u8>,
    shutdown_tx: broadcast::Sender<()>,
    shutdown: broadcast::Receiver<()>,
    client: OwnedWriteHalf,
    /// Kept so that the client's read side stays open.
    _client_reads: tokio::net::tcp::OwnedReadHalf,
}

async fn setup() -> Setup {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let client = TcpStream::connect(addr).await.expect("connect");
    let (server, _) = listener.accept().await.expect("accept");
    let (read_half, _server_writes) = server.into_split();
    let (client_reads, client) = client.into_split();
    let (shutdown_tx, shutdown) = broadcast::channel(1);
    Setup {
        reader: BufReader::new(read_half),
        line: Vec::new(),
        shutdown_tx,
        shutdown,
        client,
        _client_reads: client_reads,
    }
}

/// How long a correct `next_event` may take beyond what it waits for: generous, for a busy
/// machine, but far below what a wrong one takes.
fn slack() -> Duration {
    Duration::from_secs(3)
}

/// Your next_event, within `most` (or fail saying `why` it should have returned); the event,
/// and how long it took.
async fn event_within(
    s: &mut Setup,
    idle: Duration,
    most: Duration,
    why: &str,
) -> (io::Result<Event>, Duration) {
    let started = Instant::now();
    BUSY.with(|busy| busy.set(Duration::ZERO));
    let call = Yours(Box::pin(next_event(
        &mut s.reader,
        &mut s.line,
        &mut s.shutdown,
        idle,
    )));
    match tokio::time::timeout(most, call).await {
        Ok(event) => (event, started.elapsed()),
        Err(_) => fail(
            &format!("next_event did not return in time. {why}"),
            &format!("an event within {:.1} s", most.as_secs_f64()),
            &format!("still waiting after {:.1} s", most.as_secs_f64()),
        ),
    }
}

/// Your future, each poll of it through `testkit::yours`: a todo!() or a panic in your
/// function then says so and where. Each poll is timed: a future that awaits gives the thread
/// back within microseconds, one that blocks holds it for as long as it blocks.
struct Yours<F>(Pin<Box<F>>);

thread_local! {
    /// How long this thread spent inside polls of your future, since `event_within` began.
    static BUSY: Cell<Duration> = const { Cell::new(Duration::ZERO) };
}

impl<F: Future> Future for Yours<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let started = Instant::now();
        let result = yours(|| self.0.as_mut().poll(cx));
        BUSY.with(|busy| busy.set(busy.get() + started.elapsed()));
        result
    }
}

fn show(event: &io::Result<Event>) -> String {
    match event {
        Ok(Event::Line(bytes)) => format!("Ok(Event::Line(b\"{}\"))", bytes.escape_ascii()),
        other => format!("{other:?}"),
    }
}

#[track_caller]
fn expect_line(event: &io::Result<Event>, expected: &[u8], why: &str) {
    if !matches!(event, Ok(Event::Line(bytes)) if bytes == expected) {
        fail(
            why,
            &format!("Ok(Event::Line(b\"{}\"))", expected.escape_ascii()),
            &show(event),
        );
    }
}

/// Write `pieces`, `gap` apart, from a task of their own.
fn trickle(mut client: OwnedWriteHalf, pieces: Vec<&'static [u8]>, gap: Duration) -> impl Future {
    tokio::spawn(async move {
        for piece in pieces {
            if client.write_all(piece).await.is_err() {
                return;
            }
            sleep(gap).await;
        }
        // Keep the connection open (no end of stream) until the test is over.
        sleep(Duration::from_secs(30)).await;
    })
}

#[tokio::test]
async fn a_line_sent_in_pieces_is_one_event() {
    let mut s = setup().await;
    // This connection's writer goes to the trickling task; another one stands in.
    let client = std::mem::replace(&mut s.client, setup().await.client);
    let _writer = trickle(
        client,
        vec![b"hel", b"lo\nwor", b"ld\n"],
        Duration::from_millis(50),
    );
    let idle = Duration::from_secs(5);
    let (first, _) = event_within(
        &mut s,
        idle,
        idle + slack(),
        "The line was whole after 0.1 s.",
    )
    .await;
    expect_line(
        &first,
        b"hello\n",
        "The client sent b\"hel\", then b\"lo\\nwor\": the first event is the whole first line.",
    );
    let (second, _) = event_within(
        &mut s,
        idle,
        idle + slack(),
        "The second line was whole after 0.15 s.",
    )
    .await;
    expect_line(
        &second,
        b"world\n",
        "Then b\"ld\\n\": the next event is the second line, its start (b\"wor\") kept.",
    );
}

#[tokio::test]
async fn two_lines_in_one_packet_are_two_events() {
    let mut s = setup().await;
    s.client.write_all(b"one\ntwo\n").await.unwrap();
    let idle = Duration::from_secs(5);
    let (first, _) = event_within(
        &mut s,
        idle,
        idle + slack(),
        "The line was whole after 0.1 s.",
    )
    .await;
    expect_line(
        &first,
        b"one\n",
        "The client sent b\"one\\ntwo\\n\" at once.",
    );
    let (second, _) =
        event_within(&mut s, idle, idle + slack(), "The second line was there.").await;
    expect_line(&second, b"two\n", "The second call gets the second line.");
}

#[tokio::test]
async fn a_client_that_closes_between_lines_is_closed() {
    let mut s = setup().await;
    s.client.shutdown().await.unwrap();
    let idle = Duration::from_secs(5);
    let (event, _) = event_within(&mut s, idle, idle + slack(), "The client had closed.").await;
    if !matches!(event, Ok(Event::Closed)) {
        fail(
            "The client closed its end (end of stream) without sending anything.",
            "Ok(Event::Closed)",
            &show(&event),
        );
    }
}

#[tokio::test]
async fn a_silent_client_times_out_after_idle() {
    let mut s = setup().await;
    let idle = Duration::from_millis(300);
    let why = "The client was silent for longer than `idle` (0.3 s).";
    let (event, took) = event_within(&mut s, idle, idle + slack(), why).await;
    if !matches!(event, Ok(Event::TimedOut)) || took < idle {
        fail(
            "A client that sends nothing for `idle` (0.3 s here) times out, after `idle`.",
            "Ok(Event::TimedOut) after about 0.3 s",
            &format!("{} after {:.2} s", show(&event), took.as_secs_f64()),
        );
    }
}

#[tokio::test]
async fn idle_limits_the_whole_line_not_each_read() {
    let mut s = setup().await;
    let client = std::mem::replace(&mut s.client, setup().await.client);
    // A byte every 50 ms, never a newline: each read gets bytes well within `idle`.
    let _writer = trickle(client, vec![b"x"; 200], Duration::from_millis(50));
    let idle = Duration::from_millis(400);
    let why = "A client trickling a byte every 50 ms, never a newline, must time out after \
               `idle` (0.4 s): it limits the whole line, not each read.";
    let (event, took) = event_within(&mut s, idle, idle + slack(), why).await;
    if !matches!(event, Ok(Event::TimedOut)) {
        fail(
            "A client trickling a byte every 50 ms, never a newline, must time out after \
             `idle` (0.4 s): it limits the whole line, not each read.",
            "Ok(Event::TimedOut) after about 0.4 s",
            &format!("{} after {:.2} s", show(&event), took.as_secs_f64()),
        );
    }
}

#[tokio::test]
async fn the_shutdown_signal_ends_the_wait_at_once() {
    let mut s = setup().await;
    let signal = s.shutdown_tx.clone();
    tokio::spawn(async move {
        sleep(Duration::from_millis(100)).await;
        let _ = signal.send(());
    });
    let idle = Duration::from_secs(30);
    let why = "The server sent its shutdown signal while the client was silent: the wait must \
               end at once, not when the client speaks or `idle` (30 s here) passes.";
    let (event, took) = event_within(&mut s, idle, slack(), why).await;
    if !matches!(event, Ok(Event::Shutdown)) {
        fail(
            "The server sent its shutdown signal while the client was silent: the wait must \
             end at once, not when the client speaks or `idle` (30 s here) passes.",
            "Ok(Event::Shutdown) after about 0.1 s",
            &format!("{} after {:.2} s", show(&event), took.as_secs_f64()),
        );
    }
}

#[tokio::test]
async fn a_shutdown_sender_that_is_gone_is_a_shutdown_too() {
    let mut s = setup().await;
    let (gone, shutdown) = broadcast::channel::<()>(1);
    drop(gone);
    s.shutdown = shutdown;
    let idle = Duration::from_secs(30);
    let why = "The shutdown signal's sender is gone: that is a shutdown too.";
    let (event, _) = event_within(&mut s, idle, slack(), why).await;
    if !matches!(event, Ok(Event::Shutdown)) {
        fail(
            "The shutdown signal's sender is gone (the server is going away).",
            "Ok(Event::Shutdown) at once",
            &show(&event),
        );
    }
}

#[tokio::test]
async fn a_line_too_long_is_an_error() {
    let mut s = setup().await;
    s.client
        .write_all(&vec![b'a'; MAX_LINE + 10])
        .await
        .unwrap();
    let idle = Duration::from_secs(5);
    let why = "A line longer than MAX_LINE had arrived.";
    let (event, _) = event_within(&mut s, idle, idle + slack(), why).await;
    if !matches!(&event, Err(e) if e.kind() == io::ErrorKind::InvalidData) {
        fail(
            &format!("A line longer than MAX_LINE ({MAX_LINE}) bytes: read_line's error."),
            "Err(InvalidData: line longer than 1024 bytes)",
            &show(&event),
        );
    }
}

#[tokio::test]
async fn a_line_of_max_line_bytes_is_a_line() {
    let mut s = setup().await;
    let mut longest = vec![b'a'; MAX_LINE - 1];
    longest.push(b'\n');
    s.client.write_all(&longest).await.unwrap();
    let idle = Duration::from_secs(5);
    let why = "A line of exactly MAX_LINE bytes had arrived.";
    let (event, _) = event_within(&mut s, idle, idle + slack(), why).await;
    if !matches!(&event, Ok(Event::Line(bytes)) if *bytes == longest) {
        fail(
            &format!(
                "A line of exactly MAX_LINE ({MAX_LINE}) bytes, its \\n included, is within the \
                 limit: it is a line."
            ),
            &format!("Ok(Event::Line({MAX_LINE} bytes: b\"aaa…a\\n\"))"),
            &match &event {
                Ok(Event::Line(bytes)) => format!("Ok(Event::Line({} bytes))", bytes.len()),
                other => show(other),
            },
        );
    }
}

#[tokio::test]
async fn a_client_gone_in_the_middle_of_a_line_is_an_error() {
    let mut s = setup().await;
    s.client.write_all(b"half a li").await.unwrap();
    s.client.shutdown().await.unwrap();
    let idle = Duration::from_secs(5);
    let why = "The client had sent half a line and closed.";
    let (event, _) = event_within(&mut s, idle, idle + slack(), why).await;
    if event.is_ok() {
        fail(
            "The client sent b\"half a li\" and closed its end: not a line (no \\n), and not \
             a close between two lines. It is read_line's error.",
            "Err(UnexpectedEof: the peer closed in the middle of a line)",
            &show(&event),
        );
    }
}

/// One thread runs every task here (#[tokio::test] is a current-thread runtime): a blocking
/// call inside next_event would stop the ticker below.
#[tokio::test]
async fn other_tasks_go_on_while_it_waits() {
    let mut s = setup().await;
    let ticks = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&ticks);
    let ticker = tokio::spawn(async move {
        loop {
            sleep(Duration::from_millis(10)).await;
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let idle = Duration::from_millis(500);
    let why = "The client was silent for longer than `idle` (0.5 s).";
    let (event, took) = event_within(&mut s, idle, idle + slack(), why).await;
    ticker.abort();
    let ticked = ticks.load(Ordering::SeqCst);
    let busy = BUSY.with(Cell::get);
    // About 50 ticks in 0.5 s; even a slow machine manages 5. And the thread was yours only
    // while your future was polled: a future that awaits is polled a few times, for
    // microseconds each; one that blocks in between (a std::thread::sleep in a polling loop)
    // holds the thread most of the time, however often it also awaits.
    if ticked < 5 || busy > took / 2 {
        fail(
            "While next_event waited, another task on the same thread hardly ran: something in \
             it blocks the thread (std::thread::sleep, a std read, a blocking lock) instead of \
             awaiting.",
            "the other task ticks about every 10 ms (50 times in 0.5 s), and next_event's \
             polls hold the thread for a small part of the wait",
            &format!(
                "{ticked} ticks in {:.2} s ({}); the thread spent {:.2} s of it inside \
                 next_event's polls, blocked",
                took.as_secs_f64(),
                show(&event),
                busy.as_secs_f64()
            ),
        );
    }
}

#[tokio::test]
async fn an_unfinished_line_stays_in_line_when_the_wait_ends() {
    // The idle limit ends the wait in the middle of a line: the bytes read so far are kept.
    let mut s = setup().await;
    s.client.write_all(b"half a li").await.unwrap();
    let idle = Duration::from_millis(300);
    let why = "The client sent half a line and went silent for longer than `idle` (0.3 s).";
    let (event, _) = event_within(&mut s, idle, idle + slack(), why).await;
    let mut wrong = (!matches!(event, Ok(Event::TimedOut)) || s.line != b"half a li")
        .then(|| ("timed out", event, std::mem::take(&mut s.line)));

    // So does the shutdown signal.
    let mut s = setup().await;
    s.client.write_all(b"part").await.unwrap();
    let signal = s.shutdown_tx.clone();
    tokio::spawn(async move {
        sleep(Duration::from_millis(100)).await;
        let _ = signal.send(());
    });
    let idle = Duration::from_secs(30);
    let why = "The server sent its shutdown signal while the client was silent.";
    let (event, _) = event_within(&mut s, idle, slack(), why).await;
    if wrong.is_none() && (!matches!(event, Ok(Event::Shutdown)) || s.line != b"part") {
        wrong = Some(("the shutdown signal", event, std::mem::take(&mut s.line)));
    }
    if let Some((ended_by, event, line)) = wrong {
        fail(
            &format!(
                "The wait ended ({ended_by}) in the middle of a line: the bytes of the unfinished \
                 line must be left in `line`, where the caller finds them (read them into \
                 anything else, and they are lost when the wait ends)."
            ),
            "the event, and `line` holding the unfinished line's bytes",
            &format!(
                "{}, and `line` = b\"{}\"",
                show(&event),
                line.escape_ascii()
            ),
        );
    }
}

/// Wait until `bytes` bytes have reached the server's side of the connection (peeked,
/// recv(2) MSG_PEEK, not taken), so that a check meant to run with them all there does; fail
/// if they do not come in time, rather than check less than it says.
async fn waiting_at_the_server(s: &mut Setup, bytes: usize) {
    let mut buf = vec![0; bytes];
    let arrived = async {
        loop {
            match s.reader.get_mut().peek(&mut buf).await {
                Ok(n) if n >= bytes => return Ok(()),
                Ok(0) => return Err("the connection closed".to_string()),
                Ok(_) => sleep(Duration::from_millis(1)).await,
                Err(e) => return Err(e.to_string()),
            }
        }
    };
    let expected = format!("{bytes} bytes waiting at the server");
    match tokio::time::timeout(testkit::timeout(), arrived).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => fail(
            "The lines sent did not all reach the server.",
            &expected,
            &e,
        ),
        Err(_) => fail(
            "The lines sent did not all reach the server in time.",
            &expected,
            "fewer",
        ),
    }
}

#[tokio::test]
async fn a_client_that_keeps_sending_cannot_hold_off_the_shutdown_signal() {
    let mut s = setup().await;
    // 2,000 lines already waiting, and the signal already sent.
    s.client.write_all(&b"x\n".repeat(2000)).await.unwrap();
    waiting_at_the_server(&mut s, 2 * 2000).await;
    s.shutdown_tx.send(()).unwrap();
    let idle = Duration::from_secs(5);
    let mut events = Vec::new();
    // When both are ready, either may come first; but 20 lines in a row, with the signal
    // there all along, would mean the signal never wins (the chance of it by luck: 1 in a
    // million).
    for _ in 0..20 {
        let (event, _) = event_within(&mut s, idle, idle + slack(), "Lines were waiting.").await;
        let done = matches!(event, Ok(Event::Shutdown));
        events.push(show(&event));
        if done {
            return;
        }
    }
    fail(
        "The shutdown signal had come, but 20 calls in a row returned a line: a client that \
         keeps sending would keep the server from shutting down. The signal must get its \
         turn even while lines are ready.",
        "Ok(Shutdown) within a few calls",
        &format!(
            "{} … ({} calls, no Shutdown)",
            events[..3].join(", "),
            events.len()
        ),
    );
}
