//! The exercise's checks: your `LineWaiter` runs here on a real connection, with the test
//! playing the client (in pieces, in one packet, silent, a byte at a time, closing), the
//! server's shutdown signal, and a caller that cancels: it drops your `next_event` every 20 to
//! 50 ms and calls it again, as a `select!` with another branch does. They check which event
//! comes back, and when, and which bytes; never what anything prints. (`cargo exercise
//! lesson-13-async` runs them on src/exercise.rs.)

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use lesson_13_async::{Event, LineWaiter, MAX_LINE};
use testkit::{fail, yours};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio::time::sleep;

/// The server's side of a fresh connection (as the lesson's `handle` has it: the reader, your
/// waiter, the shutdown signal), and the client's.
struct Setup {
    reader: BufReader<OwnedReadHalf>,
    waiter: LineWaiter,
    shutdown_tx: broadcast::Sender<()>,
    shutdown: broadcast::Receiver<()>,
    client: OwnedWriteHalf,
    /// Kept so that the client's read side stays open.
    _client_reads: OwnedReadHalf,
}

async fn setup(idle: Duration) -> Setup {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let client = TcpStream::connect(addr).await.expect("connect");
    let (server, _) = listener.accept().await.expect("accept");
    let (read_half, _server_writes) = server.into_split();
    let (client_reads, client) = client.into_split();
    let (shutdown_tx, shutdown) = broadcast::channel(1);
    Setup {
        reader: BufReader::new(read_half),
        waiter: yours(|| LineWaiter::new(idle)),
        shutdown_tx,
        shutdown,
        client,
        _client_reads: client_reads,
    }
}

/// This connection's writer, for a task of its own (another one stands in).
async fn take_client(s: &mut Setup) -> OwnedWriteHalf {
    let stand_in = setup(Duration::from_secs(1)).await.client;
    std::mem::replace(&mut s.client, stand_in)
}

/// How long a correct `next_event` may take beyond what it waits for: generous, for a busy
/// machine, but far below what a wrong one takes.
fn slack() -> Duration {
    Duration::from_secs(3)
}

/// How late a correct `next_event` may say `TimedOut` on a busy machine (tokio's timers fire
/// within a millisecond or so on an idle one); one that looks at the clock only once a second
/// is later than this.
fn late() -> Duration {
    Duration::from_millis(500)
}

/// Your `unfinished()`, through `testkit::yours`.
fn unfinished(s: &Setup) -> Vec<u8> {
    yours(|| s.waiter.unfinished().to_vec())
}

/// One call of your next_event, let run to the end, within `most` (or fail saying `why` it
/// should have returned); the event, and how long it took.
async fn event_within(s: &mut Setup, most: Duration, why: &str) -> (io::Result<Event>, Duration) {
    let started = Instant::now();
    BUSY.with(|busy| busy.set(Duration::ZERO));
    let call = Yours(Box::pin(
        s.waiter.next_event(&mut s.reader, &mut s.shutdown),
    ));
    match tokio::time::timeout(most, call).await {
        Ok(event) => (event, started.elapsed()),
        Err(_) => fail(
            &format!("next_event did not return in time. {why}"),
            &format!("an event within {:.1} s", most.as_secs_f64()),
            &format!("still waiting after {:.1} s", most.as_secs_f64()),
        ),
    }
}

/// The gaps after which the cancelling caller drops a call: 20 to 50 ms, varied.
const GAPS_MS: [u64; 7] = [20, 35, 50, 25, 45, 30, 40];

/// The caller that cancels: calls your next_event, drops it after 20 to 50 ms if it has not
/// returned (as a `select!` whose other branch won), calls again, and so on, for `most` at
/// most. `Ok((event, time since the first call, calls dropped))`, or `Err(calls dropped)` if
/// no call returned within `most`.
async fn event_cancelled(
    s: &mut Setup,
    most: Duration,
) -> Result<(io::Result<Event>, Duration, usize), usize> {
    let started = Instant::now();
    let mut dropped = 0;
    while started.elapsed() < most {
        let gap = Duration::from_millis(GAPS_MS[dropped % GAPS_MS.len()]);
        let call = Yours(Box::pin(
            s.waiter.next_event(&mut s.reader, &mut s.shutdown),
        ));
        tokio::select! {
            event = call => return Ok((event, started.elapsed(), dropped)),
            _ = sleep(gap) => dropped += 1,
        }
    }
    Err(dropped)
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
        Ok(event) => format!("Ok(Event::{event:?})"),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
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
fn trickle(mut client: OwnedWriteHalf, pieces: Vec<Vec<u8>>, gap: Duration) -> impl Future {
    tokio::spawn(async move {
        for piece in pieces {
            if client.write_all(&piece).await.is_err() {
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
    let mut s = setup(Duration::from_secs(5)).await;
    let client = take_client(&mut s).await;
    let pieces = vec![b"hel".to_vec(), b"lo\nwor".to_vec(), b"ld\n".to_vec()];
    let _writer = trickle(client, pieces, Duration::from_millis(50));
    let most = Duration::from_secs(5) + slack();
    let (first, _) = event_within(&mut s, most, "The line was whole after 0.1 s.").await;
    expect_line(
        &first,
        b"hello\n",
        "The client sent b\"hel\", then b\"lo\\nwor\": the first event is the whole first line.",
    );
    let (second, _) = event_within(&mut s, most, "The second line was whole after 0.15 s.").await;
    expect_line(
        &second,
        b"world\n",
        "Then b\"ld\\n\": the next event is the second line, its start (b\"wor\") kept.",
    );
}

#[tokio::test]
async fn two_lines_in_one_packet_are_two_events() {
    let mut s = setup(Duration::from_secs(5)).await;
    s.client.write_all(b"one\ntwo\n").await.unwrap();
    let most = Duration::from_secs(5) + slack();
    let (first, _) = event_within(&mut s, most, "The line was there.").await;
    expect_line(
        &first,
        b"one\n",
        "The client sent b\"one\\ntwo\\n\" at once.",
    );
    let (second, _) = event_within(&mut s, most, "The second line was there.").await;
    expect_line(&second, b"two\n", "The second call gets the second line.");
}

#[tokio::test]
async fn a_line_is_bytes_not_text() {
    let mut s = setup(Duration::from_secs(5)).await;
    // Latin-1 `café`, a zero byte, 0xff: not UTF-8, and still a line.
    let line = b"caf\xe9 \x00\xff ok\n";
    s.client.write_all(line).await.unwrap();
    let (event, _) = event_within(&mut s, slack(), "The line was there.").await;
    expect_line(
        &event,
        line,
        "The client sent a line that is not UTF-8: a line is bytes up to a \\n, whatever they \
         are, and comes back exactly as sent.",
    );
}

#[tokio::test]
async fn a_client_that_closes_between_lines_is_closed() {
    let mut s = setup(Duration::from_secs(5)).await;
    s.client.shutdown().await.unwrap();
    let most = Duration::from_secs(5) + slack();
    let (event, _) = event_within(&mut s, most, "The client had closed.").await;
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
    let idle = Duration::from_millis(300);
    let mut s = setup(idle).await;
    let why = "The client was silent for longer than `idle` (0.3 s).";
    let (event, took) = event_within(&mut s, idle + slack(), why).await;
    if !matches!(event, Ok(Event::TimedOut)) || took < idle || took > idle + late() {
        fail(
            "A client that sends nothing for `idle` (0.3 s here) times out, after `idle`: not \
             before, and not much later (the deadline is waited for, not looked at now and then).",
            "Ok(Event::TimedOut) after about 0.3 s (0.8 s at most)",
            &format!("{} after {:.2} s", show(&event), took.as_secs_f64()),
        );
    }
}

#[tokio::test]
async fn a_silent_client_times_out_even_when_every_call_is_cancelled() {
    let idle = Duration::from_millis(300);
    let mut s = setup(idle).await;
    let most = idle + slack();
    let what = "The caller dropped each call of next_event after 20 to 50 ms and called again (as \
                a select! whose other branch won does), the client silent all along: it must \
                time out `idle` (0.3 s) after the first call. The limit is for the line, not for \
                each call: a limit that starts again at every call never ends.";
    match event_cancelled(&mut s, most).await {
        Ok((Ok(Event::TimedOut), took, _)) if took >= idle => {}
        Ok((event, took, dropped)) => fail(
            what,
            "Ok(Event::TimedOut) about 0.3 s after the first call",
            &format!(
                "{} {:.2} s after the first call ({dropped} calls dropped before it)",
                show(&event),
                took.as_secs_f64()
            ),
        ),
        Err(dropped) => fail(
            what,
            "Ok(Event::TimedOut) about 0.3 s after the first call",
            &format!(
                "no event in {:.1} s: {dropped} calls, each dropped before it returned",
                most.as_secs_f64()
            ),
        ),
    }
}

#[tokio::test]
async fn a_lines_time_starts_at_the_first_call_that_waits_for_it() {
    // 0.2 s pass before the first call (the lesson's handler is busy elsewhere), and again
    // after the first line (it is answering): neither pause counts against the next line.
    let idle = Duration::from_millis(300);
    let pause = Duration::from_millis(200);
    let mut s = setup(idle).await;
    sleep(pause).await;
    let why = "The client was silent for longer than `idle` (0.3 s).";
    let (first, first_took) = event_within(&mut s, idle + slack(), why).await;

    let mut s2 = setup(idle).await;
    s2.client.write_all(b"one\n").await.unwrap();
    let (line, _) = event_within(&mut s2, idle + slack(), "A line was there.").await;
    expect_line(&line, b"one\n", "The client sent b\"one\\n\".");
    sleep(pause).await;
    let (second, second_took) = event_within(&mut s2, idle + slack(), why).await;

    for (when, event, took) in [
        ("0.2 s after new()", first, first_took),
        (
            "0.2 s after the call that returned a line",
            second,
            second_took,
        ),
    ] {
        if !matches!(event, Ok(Event::TimedOut)) || took < idle {
            fail(
                &format!(
                    "The first call for a line came {when}, the client silent: `idle` (0.3 s) \
                     counts from that call, the first that waits for the line, not from \
                     earlier."
                ),
                "Ok(Event::TimedOut) about 0.3 s after that call",
                &format!("{} after {:.2} s", show(&event), took.as_secs_f64()),
            );
        }
    }
}

#[tokio::test]
async fn idle_limits_the_whole_line_not_each_read() {
    let idle = Duration::from_millis(400);
    let mut s = setup(idle).await;
    let client = take_client(&mut s).await;
    // A byte every 10 ms, never a newline: each read gets bytes well within `idle`.
    let _writer = trickle(client, vec![b"x".to_vec(); 500], Duration::from_millis(10));
    let what = "A client trickling a byte every 10 ms, never a newline, must time out after \
                `idle` (0.4 s): it limits the whole line, not each read or each byte.";
    let (event, took) = event_within(&mut s, idle + slack(), what).await;
    if !matches!(event, Ok(Event::TimedOut)) || took < idle {
        fail(
            what,
            "Ok(Event::TimedOut) after about 0.4 s",
            &format!("{} after {:.2} s", show(&event), took.as_secs_f64()),
        );
    }
}

#[tokio::test]
async fn a_lines_time_is_not_restarted_by_its_first_byte() {
    // Silent for 0.8 s of the 1 s, then a byte every 10 ms, never a newline.
    let idle = Duration::from_secs(1);
    let mut s = setup(idle).await;
    let client = take_client(&mut s).await;
    let _writer = tokio::spawn(async move {
        sleep(Duration::from_millis(800)).await;
        let pieces = vec![b"x".to_vec(); 500];
        trickle(client, pieces, Duration::from_millis(10)).await;
    });
    let what = "The client was silent for 0.8 s after the first call, then sent a byte every \
                10 ms, never a newline: `idle` (1 s) counts from the first call that waits for \
                the line, silence and bytes alike. The line's first byte gives it no time of its \
                own.";
    let (event, took) = event_within(&mut s, idle + slack(), what).await;
    if !matches!(event, Ok(Event::TimedOut)) || took < idle || took > idle + late() {
        fail(
            what,
            "Ok(Event::TimedOut) about 1 s after the call (1.5 s at most)",
            &format!("{} after {:.2} s", show(&event), took.as_secs_f64()),
        );
    }
}

#[tokio::test]
async fn a_trickle_times_out_even_when_every_call_is_cancelled() {
    let idle = Duration::from_millis(400);
    let mut s = setup(idle).await;
    let client = take_client(&mut s).await;
    let _writer = trickle(client, vec![b"x".to_vec(); 500], Duration::from_millis(10));
    let most = idle + slack();
    let what = "A client trickled a byte every 10 ms, never a newline, while the caller dropped \
                each call of next_event after 20 to 50 ms and called again: it must time out \
                `idle` (0.4 s) after the first call for the line. It limits the whole line: bytes \
                that arrive (since the last call, or the last read) give it no more time.";
    match event_cancelled(&mut s, most).await {
        Ok((Ok(Event::TimedOut), took, _)) if took >= idle => {}
        Ok((event, took, dropped)) => fail(
            what,
            "Ok(Event::TimedOut) about 0.4 s after the first call",
            &format!(
                "{} {:.2} s after the first call ({dropped} calls dropped before it)",
                show(&event),
                took.as_secs_f64()
            ),
        ),
        Err(dropped) => fail(
            what,
            "Ok(Event::TimedOut) about 0.4 s after the first call",
            &format!(
                "no event in {:.1} s: {dropped} calls, each dropped before it returned",
                most.as_secs_f64()
            ),
        ),
    }
}

/// The lines the client sends in the cancellation check: different lengths, different bytes.
fn script() -> Vec<Vec<u8>> {
    (1..=40)
        .map(|i| format!("line {i}: {}\n", "abcdefghij".repeat(i % 4)).into_bytes())
        .collect()
}

#[tokio::test]
async fn bytes_sent_across_many_cancellations_arrive_intact() {
    let mut s = setup(Duration::from_secs(10)).await;
    let client = take_client(&mut s).await;
    // The script cut in pieces of 1 to 13 bytes, 7 ms apart: a piece may end mid-line or hold
    // the end of one line and the start of the next, or several lines.
    let bytes = script().concat();
    let (mut pieces, mut at) = (Vec::new(), 0);
    while at < bytes.len() {
        let end = (at + 1 + pieces.len() * 7 % 13).min(bytes.len());
        pieces.push(bytes[at..end].to_vec());
        at = end;
    }
    let _writer = trickle(client, pieces, Duration::from_millis(7));
    let expected = script();
    let mut got: Vec<Vec<u8>> = Vec::new();
    let mut dropped = 0;
    let most = Duration::from_secs(10);
    let started = Instant::now();
    while got.len() < expected.len() && started.elapsed() < most {
        match event_cancelled(&mut s, most).await {
            Ok((Ok(Event::Line(line)), _, n)) => {
                dropped += n;
                got.push(line);
            }
            Ok((other, _, _)) => {
                got.push(format!("<{}>", show(&other)).into_bytes());
                break;
            }
            Err(_) => break,
        }
    }
    if got != expected {
        let at = (0..expected.len())
            .find(|&i| got.get(i) != Some(&expected[i]))
            .unwrap_or(0);
        let shown = |line: Option<&Vec<u8>>| match line {
            Some(bytes) => format!("b\"{}\"", bytes.escape_ascii()),
            None => "nothing (no more lines)".to_string(),
        };
        fail(
            &format!(
                "The client sent {} lines in small pieces while the caller dropped next_event \
                 every 20 to 50 ms and called again ({dropped} calls dropped before line {}): \
                 the lines came out wrong. Bytes a dropped call had read were lost, or lines \
                 were split or joined.",
                expected.len(),
                at + 1
            ),
            &format!("line {}: {}", at + 1, shown(expected.get(at))),
            &format!("line {}: {}", at + 1, shown(got.get(at))),
        );
    }
    // About 30 on an idle machine: with fewer, this check would not test what it says.
    if dropped < 5 {
        fail(
            "The lines came out right, but the caller managed to drop only a few calls: this \
             check did not test cancellation (a very slow machine?). Run it again.",
            "at least 5 calls dropped in the middle of a line",
            &format!("{dropped}"),
        );
    }
}

#[tokio::test]
async fn dropped_calls_leave_no_task_behind() {
    // The caller of a chat server cancels the wait for each message of the room: whatever a
    // call started must end with it, or every message leaves something running.
    let mut s = setup(Duration::from_secs(30)).await;
    let alive = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    let before = alive();
    let dropped = match event_cancelled(&mut s, Duration::from_millis(700)).await {
        Err(dropped) => dropped,
        Ok((event, took, _)) => fail(
            "The client was silent, no signal came, and `idle` was 30 s: no call may return.",
            "no event within 0.7 s",
            &format!("{} after {:.2} s", show(&event), took.as_secs_f64()),
        ),
    };
    // Let tokio finish what was aborted or dropped.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    let after = alive();
    if after > before {
        fail(
            &format!(
                "The caller dropped {dropped} calls of next_event, the client silent: each call \
                 left a task running behind it (tokio::spawn: dropping its JoinHandle does not \
                 stop it). A dropped call must leave nothing running."
            ),
            &format!("{before} tasks alive on this runtime after the dropped calls, as before"),
            &format!("{after} tasks alive"),
        );
    }
}

#[tokio::test]
async fn a_dropped_call_keeps_what_it_read() {
    let mut s = setup(Duration::from_secs(10)).await;
    s.client.write_all(b"half a li").await.unwrap();
    waiting_at_the_server(&mut s, 9).await;
    // One call, dropped after 100 ms: by then it has read the 9 bytes.
    let call = Yours(Box::pin(
        s.waiter.next_event(&mut s.reader, &mut s.shutdown),
    ));
    let early = tokio::time::timeout(Duration::from_millis(100), call).await;
    if let Ok(event) = early {
        fail(
            "Half a line had arrived, and nothing else: next_event must wait for the rest.",
            "still waiting after 0.1 s",
            &show(&event),
        );
    }
    let kept = unfinished(&s);
    if kept != b"half a li" {
        fail(
            "The client sent b\"half a li\", and the caller dropped next_event 0.1 s later: the \
             bytes it had read must stay in the waiter (unfinished() shows them), for the next \
             call to go on with.",
            "unfinished() = b\"half a li\"",
            &format!("unfinished() = b\"{}\"", kept.escape_ascii()),
        );
    }
    s.client.write_all(b"ne\n").await.unwrap();
    let (event, _) = event_within(&mut s, slack(), "The rest of the line came.").await;
    expect_line(
        &event,
        b"half a line\n",
        "After the dropped call, the client sent b\"ne\\n\": the next call returns the whole \
         line.",
    );
}

#[tokio::test]
async fn the_shutdown_signal_ends_the_wait_at_once() {
    let mut s = setup(Duration::from_secs(30)).await;
    let mut call = Yours(Box::pin(
        s.waiter.next_event(&mut s.reader, &mut s.shutdown),
    ));
    let waited = Duration::from_millis(100);
    if let Ok(event) = tokio::time::timeout(waited, &mut call).await {
        fail(
            "The client was silent, and no shutdown signal had come: next_event must wait.",
            "still waiting after 0.1 s",
            &show(&event),
        );
    }
    s.shutdown_tx.send(()).unwrap();
    // The signal is there: the very next poll of the call finds it (a few polls allowed), with
    // no timer in between. A call that looks at the signal only now and then (try_recv, then a
    // timed wait for the client) is still waiting.
    const POLLS: usize = 10;
    let signalled = Instant::now();
    for _ in 0..POLLS {
        let polled = std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut call).poll(cx))).await;
        match polled {
            Poll::Ready(Ok(Event::Shutdown)) => return,
            Poll::Ready(other) => fail(
                "The server sent its shutdown signal while the client was silent.",
                "Ok(Event::Shutdown)",
                &show(&other),
            ),
            Poll::Pending => tokio::task::yield_now().await,
        }
    }
    let later = match tokio::time::timeout(slack(), &mut call).await {
        Ok(event) => format!(
            "{} only {:.2} s after the signal",
            show(&event),
            signalled.elapsed().as_secs_f64()
        ),
        Err(_) => format!("nothing {:.1} s after the signal", slack().as_secs_f64()),
    };
    fail(
        "The server sent its shutdown signal while next_event waited (the client silent, \
         `idle` 30 s): the wait must end at once, woken by the signal itself, not at its next \
         look at the signal a timer later.",
        "Ok(Event::Shutdown) at the first poll after the signal",
        &format!("still waiting after {POLLS} polls; {later}"),
    );
}

#[tokio::test]
async fn a_signal_sent_between_two_calls_is_seen_by_the_next() {
    // The signal comes while the caller is busy elsewhere (answering a line): no call waits.
    let mut s = setup(Duration::from_secs(30)).await;
    s.shutdown_tx.send(()).unwrap();
    let what = "The server sent its shutdown signal before this call (while the caller was busy \
                between two calls), the client silent: the signal is waiting in the receiver, \
                and the call must return it at once.";
    let (event, took) = event_within(&mut s, slack(), what).await;
    if !matches!(event, Ok(Event::Shutdown)) {
        fail(
            what,
            "Ok(Event::Shutdown) at once",
            &format!("{} after {:.2} s", show(&event), took.as_secs_f64()),
        );
    }
}

#[tokio::test]
async fn a_shutdown_sender_that_is_gone_is_a_shutdown_too() {
    let mut s = setup(Duration::from_secs(30)).await;
    let (gone, shutdown) = broadcast::channel::<()>(1);
    drop(gone);
    s.shutdown = shutdown;
    let why = "The shutdown signal's sender is gone: that is a shutdown too.";
    let (event, _) = event_within(&mut s, slack(), why).await;
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
    let mut s = setup(Duration::from_secs(5)).await;
    s.client
        .write_all(&vec![b'a'; MAX_LINE + 10])
        .await
        .unwrap();
    let why = "A line longer than MAX_LINE had arrived.";
    let (event, _) = event_within(&mut s, slack(), why).await;
    if !matches!(&event, Err(e) if e.kind() == io::ErrorKind::InvalidData) {
        fail(
            &format!("A line longer than MAX_LINE ({MAX_LINE}) bytes: read_line's error."),
            "Err(InvalidData: line longer than 1024 bytes)",
            &show(&event),
        );
    }
    // The lesson shows the refused bytes: unfinished() still holds what was read of the line.
    let kept = unfinished(&s);
    if kept.len() <= MAX_LINE || kept.len() > MAX_LINE + 10 || kept.iter().any(|&b| b != b'a') {
        fail(
            &format!(
                "The client sent {} bytes b\"aaa…\" without a newline, and next_event refused \
                 the line: unfinished() still shows the bytes read of it (the lesson narrates \
                 them), more than MAX_LINE.",
                MAX_LINE + 10
            ),
            &format!(
                "unfinished() = {} to {} bytes b\"aaa…\"",
                MAX_LINE + 1,
                MAX_LINE + 10
            ),
            &format!(
                "unfinished() = {} bytes: b\"{}\"",
                kept.len(),
                kept[..kept.len().min(20)].escape_ascii()
            ),
        );
    }
}

#[tokio::test]
async fn a_line_too_long_is_an_error_even_with_its_newline() {
    let mut s = setup(Duration::from_secs(5)).await;
    // MAX_LINE + 1 bytes, the newline the last of them, in one write: the whole line is there
    // at once, and it is one byte too long.
    let mut line = vec![b'a'; MAX_LINE];
    line.push(b'\n');
    s.client.write_all(&line).await.unwrap();
    waiting_at_the_server(&mut s, line.len()).await;
    let why = "A whole line longer than MAX_LINE had arrived.";
    let (event, _) = event_within(&mut s, slack(), why).await;
    if !matches!(&event, Err(e) if e.kind() == io::ErrorKind::InvalidData) {
        fail(
            &format!(
                "A line of {} bytes, its \\n included, all in one packet: longer than \
                 MAX_LINE ({MAX_LINE}), so refused, even though its newline is there (MAX_LINE \
                 counts the \\n).",
                line.len()
            ),
            "Err(InvalidData: line longer than 1024 bytes)",
            &match &event {
                Ok(Event::Line(bytes)) => format!("Ok(Event::Line({} bytes))", bytes.len()),
                other => show(other),
            },
        );
    }
}

#[tokio::test]
async fn a_line_of_max_line_bytes_is_a_line() {
    let mut s = setup(Duration::from_secs(5)).await;
    let mut longest = vec![b'a'; MAX_LINE - 1];
    longest.push(b'\n');
    s.client.write_all(&longest).await.unwrap();
    let why = "A line of exactly MAX_LINE bytes had arrived.";
    let (event, _) = event_within(&mut s, slack(), why).await;
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
    let mut s = setup(Duration::from_secs(5)).await;
    s.client.write_all(b"half a li").await.unwrap();
    s.client.shutdown().await.unwrap();
    let why = "The client had sent half a line and closed.";
    let (event, _) = event_within(&mut s, slack(), why).await;
    if event.is_ok() {
        fail(
            "The client sent b\"half a li\" and closed its end: not a line (no \\n), and not \
             a close between two lines. It is read_line's error.",
            "Err(UnexpectedEof: the peer closed in the middle of a line)",
            &show(&event),
        );
    }
    let kept = unfinished(&s);
    if kept != b"half a li" {
        fail(
            "The client sent b\"half a li\" and closed its end, and next_event returned the \
             error: unfinished() still shows the half line.",
            "unfinished() = b\"half a li\"",
            &format!("unfinished() = b\"{}\"", kept.escape_ascii()),
        );
    }
}

/// One thread runs every task here (#[tokio::test] is a current-thread runtime): a blocking
/// call inside next_event would stop the ticker below.
#[tokio::test]
async fn other_tasks_go_on_while_it_waits() {
    let idle = Duration::from_millis(500);
    let mut s = setup(idle).await;
    let ticks = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&ticks);
    let ticker = tokio::spawn(async move {
        loop {
            sleep(Duration::from_millis(10)).await;
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let why = "The client was silent for longer than `idle` (0.5 s).";
    let (event, took) = event_within(&mut s, idle + slack(), why).await;
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
async fn an_unfinished_line_stays_in_the_waiter_when_the_wait_ends() {
    // The idle limit ends the wait in the middle of a line: the bytes read so far are kept.
    let idle = Duration::from_millis(300);
    let mut s = setup(idle).await;
    s.client.write_all(b"half a li").await.unwrap();
    let why = "The client sent half a line and went silent for longer than `idle` (0.3 s).";
    let (event, _) = event_within(&mut s, idle + slack(), why).await;
    let kept = unfinished(&s);
    let mut wrong = (!matches!(event, Ok(Event::TimedOut)) || kept != b"half a li").then_some((
        "timed out",
        event,
        kept,
    ));

    // So does the shutdown signal.
    let mut s = setup(Duration::from_secs(30)).await;
    s.client.write_all(b"part").await.unwrap();
    let signal = s.shutdown_tx.clone();
    tokio::spawn(async move {
        sleep(Duration::from_millis(100)).await;
        let _ = signal.send(());
    });
    let why = "The server sent its shutdown signal while the client was silent.";
    let (event, _) = event_within(&mut s, slack(), why).await;
    let kept = unfinished(&s);
    if wrong.is_none() && (!matches!(event, Ok(Event::Shutdown)) || kept != b"part") {
        wrong = Some(("the shutdown signal", event, kept));
    }
    if let Some((ended_by, event, kept)) = wrong {
        fail(
            &format!(
                "The wait ended ({ended_by}) in the middle of a line: the bytes of the unfinished \
                 line stay in the waiter, where unfinished() shows them (the lesson narrates \
                 them; read them into anything else, and they are lost when the wait ends)."
            ),
            "the event, and unfinished() holding the unfinished line's bytes",
            &format!(
                "{}, and unfinished() = b\"{}\"",
                show(&event),
                kept.escape_ascii()
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
    let mut s = setup(Duration::from_secs(5)).await;
    // 2,000 lines already waiting; one of them taken before the signal (so that the rest are
    // read already, in the waiter's BufReader, when it comes); then the signal.
    s.client.write_all(&b"x\n".repeat(2000)).await.unwrap();
    waiting_at_the_server(&mut s, 2 * 2000).await;
    let (first, _) = event_within(&mut s, slack(), "Lines were waiting.").await;
    expect_line(
        &first,
        b"x\n",
        "The client sent 2,000 lines b\"x\\n\" at once.",
    );
    s.shutdown_tx.send(()).unwrap();
    let mut events = Vec::new();
    // When both are ready, either may come first; but 20 lines in a row, with the signal
    // there all along, would mean the signal never wins (the chance of it by luck: 1 in a
    // million).
    for _ in 0..20 {
        let (event, _) = event_within(&mut s, slack(), "Lines were waiting.").await;
        let done = matches!(event, Ok(Event::Shutdown));
        events.push(show(&event));
        if done {
            return;
        }
    }
    fail(
        "The shutdown signal had come, but 20 calls in a row returned a line: a client that \
         keeps sending would keep the server from shutting down. The signal must get its \
         turn even while lines are ready (received already, or still in the kernel).",
        "Ok(Event::Shutdown) within a few calls",
        &format!(
            "{} … ({} calls, no Shutdown)",
            events[..3].join(", "),
            events.len()
        ),
    );
}

#[test]
fn next_event_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your LineWaiter runs.
    testkit::prints_nothing(
        "LineWaiter",
        &[
            "a_line_sent_in_pieces_is_one_event",
            "a_line_too_long_is_an_error",
            "a_silent_client_times_out_after_idle",
        ],
    );
}
