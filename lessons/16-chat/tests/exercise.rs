//! The exercise's checks: your `chat` relays for one member over a real TCP connection (the
//! test plays the client at the other end) and a real broadcast channel (the test plays the
//! rest of the room). They check the bytes the client gets, the messages the room gets, and
//! how `chat` ends. (`cargo exercise lesson-16-chat` runs them on src/exercise.rs.)

use std::io::{self, ErrorKind};
use std::sync::Arc;
use std::time::Duration;

use lesson_16_chat::{chat, Ending, Lines, Member, Message, Writer};
use testkit::{fail, yours};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;

/// Everything `chat` is given, and the test's ends: the client's socket and a watcher that
/// receives what the room receives.
struct Setup {
    me: Member,
    lines: Lines,
    writer: Writer,
    room: broadcast::Sender<Message>,
    inbox: broadcast::Receiver<Message>,
    watcher: broadcast::Receiver<Message>,
    client: TcpStream,
    /// One thread, as the server's (the sockets above belong to it).
    runtime: Arc<tokio::runtime::Runtime>,
}

fn setup(queue: usize, write_limit: Duration) -> Setup {
    setup_with_line_wait(queue, write_limit, Duration::from_secs(5))
}

/// The same, with `line_wait` for each line (`Lines`).
fn setup_with_line_wait(queue: usize, write_limit: Duration, line_wait: Duration) -> Setup {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (server, client) = runtime.block_on(connected());
    let (read_half, write_half) = server.into_split();
    let (room, inbox) = broadcast::channel(queue);
    Setup {
        me: Member {
            id: 1,
            nick: "alice".into(),
        },
        lines: Lines::new(read_half, line_wait),
        writer: Writer::new(write_half, write_limit),
        watcher: room.subscribe(),
        room,
        inbox,
        client,
        runtime: Arc::new(runtime),
    }
}

/// A real TCP connection on the loopback: the server's end, and the client's.
async fn connected() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (server, client)
}

/// A message from someone else in the room (connection 2, bob).
fn from_bob(text: &str) -> Message {
    Message::new(2, text.to_string())
}

/// Run `chat` and the test's `script` (the client and the room) together on one thread, as
/// the server does, within testkit's timeout. What `chat` returned, and what the script did.
fn run<T>(
    s: &mut Setup,
    script: impl AsyncFnOnce(&mut TcpStream, &broadcast::Sender<Message>) -> T,
) -> (Option<io::Result<Ending>>, T) {
    let runtime = s.runtime.clone();
    yours(|| {
        runtime.block_on(async {
            let limit = testkit::timeout();
            let relay = tokio::time::timeout(
                limit,
                chat(&s.me, &mut s.lines, &mut s.writer, &s.room, &mut s.inbox),
            );
            let (ended, out) = tokio::join!(relay, script(&mut s.client, &s.room));
            (ended.ok(), out)
        })
    })
}

fn show(ended: &Option<io::Result<Ending>>) -> String {
    match ended {
        None => format!(
            "chat() still running after {} s",
            testkit::timeout().as_secs()
        ),
        Some(Ok(ending)) => format!("Ok({ending:?})"),
        Some(Err(e)) => format!("Err({:?}: {e})", e.kind()),
    }
}

/// Read from the client's socket until `n` bytes came, or the timeout, or the end.
async fn read_n(client: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + testkit::timeout();
    while got.len() < n {
        match tokio::time::timeout_at(deadline, client.read(&mut buf)).await {
            Ok(Ok(k)) if k > 0 => got.extend_from_slice(&buf[..k.min(n - got.len())]),
            _ => break,
        }
    }
    got
}

/// Bytes as they are, quoted: printable ASCII as itself, the rest escaped (`\xe9`, `\n`).
fn text(bytes: &[u8]) -> String {
    format!("\"{}\"", bytes.escape_ascii())
}

fn drain(watcher: &mut broadcast::Receiver<Message>) -> Vec<String> {
    let mut said = Vec::new();
    while let Ok(message) = watcher.try_recv() {
        said.push(format!("from {}: {}", message.from, text(&message.text)));
    }
    said
}

#[test]
fn each_line_goes_to_the_room_once_and_empty_ones_nowhere() {
    let mut s = setup(16, Duration::from_secs(5));
    let (ended, ()) = run(&mut s, async |client, _room| {
        client
            .write_all(b"hi\n\nsee you\r\ncaf\xe9 \n\r\n")
            .await
            .unwrap();
        client.shutdown().await.unwrap();
    });
    let said = drain(&mut s.watcher);
    // `Message::said` makes each: U+FFFD (\xef\xbf\xbd) for the Latin-1 é, the space kept.
    let expected = [
        r#"from 1: "alice: hi\n""#,
        r#"from 1: "alice: see you\n""#,
        r#"from 1: "alice: caf\xef\xbf\xbd \n""#,
    ];
    if said != expected {
        fail(
            "The client sent \"hi\\n\\nsee you\\r\\ncaf\\xe9 \\n\\r\\n\" and closed: what \
             reached the room? (Each line as `Message::said` makes it; empty lines nowhere.)",
            &expected.join("\n"),
            &format!("{}\n(chat returned {})", said.join("\n"), show(&ended)),
        );
    }
    if !matches!(ended, Some(Ok(Ending::Left))) {
        fail(
            "The client closed its end: chat must end with Ok(Ending::Left).",
            "Ok(Left)",
            &show(&ended),
        );
    }
}

#[test]
fn the_room_reaches_the_client_but_never_its_own_lines() {
    let mut s = setup(16, Duration::from_secs(5));
    for message in [
        Message::new(1, "* alice joined\n".into()),
        from_bob("bob: hello\n"),
        Message::new(1, "alice: my own line\n".into()),
        from_bob("bob: again\n"),
    ] {
        s.room.send(message).unwrap();
    }
    let expected = b"bob: hello\nbob: again\n";
    let (ended, got) = run(&mut s, async |client, _room| {
        // The client speaks first (only the check of a quiet client is about silence).
        client.write_all(b"hello everyone\n").await.unwrap();
        let got = read_n(client, expected.len()).await;
        client.shutdown().await.unwrap();
        got
    });
    if got != expected {
        fail(
            "In the inbox: alice's own notice, bob's line, alice's own line, bob's line. The \
             client is alice (connection 1): what did it receive?",
            &text(expected),
            &format!("{}  (chat returned {})", text(&got), show(&ended)),
        );
    }
}

#[test]
fn a_client_that_only_listens_still_gets_every_message() {
    let mut s = setup(16, Duration::from_secs(5));
    let expected = b"bob: are you there?\n";
    let (ended, got) = run(&mut s, async |client, room| {
        // The client says nothing; bob speaks.
        room.send(from_bob("bob: are you there?\n")).unwrap();
        let got = read_n(client, expected.len()).await;
        client.shutdown().await.unwrap();
        got
    });
    if got != expected {
        fail(
            "The client says nothing and bob speaks: the client must get bob's line without \
             saying anything first.",
            &text(expected),
            &format!("{}  (chat returned {})", text(&got), show(&ended)),
        );
    }
}

#[test]
fn a_member_that_fell_behind_is_too_slow() {
    // Room for 4 messages in the inbox; 10 were sent before chat began: 6 are lost. The
    // client's next line is already read into the server's buffer: `lines.next()` is ready
    // too. Several rounds, because select! without `biased;` picks a ready branch at random.
    for round in 1..=16 {
        let mut s = setup(4, Duration::from_secs(5));
        for i in 1..=10 {
            s.room.send(from_bob(&format!("bob: {i}\n"))).unwrap();
        }
        s.runtime.clone().block_on(async {
            s.client.write_all(b"still here\n").await.unwrap();
            let arrived = tokio::time::timeout(testkit::timeout(), s.lines.reader.fill_buf());
            assert!(
                matches!(arrived.await, Ok(Ok(b)) if !b.is_empty()),
                "the line arrived"
            );
        });
        let (ended, ()) = run(&mut s, async |_client, _room| {});
        if !matches!(ended, Some(Ok(Ending::TooSlow(6)))) {
            fail(
                &format!(
                    "The inbox holds 4 messages and 10 were sent: 6 are lost for this member, \
                     and chat must say so at once, before it reads the client's next line \
                     (already there; passing it to the room would push a 7th out of the \
                     inbox). Round {round} of 16."
                ),
                "Ok(TooSlow(6))",
                &show(&ended),
            );
        }
    }
}

#[test]
fn a_paste_of_many_lines_reaches_the_rest_of_the_room() {
    // A room queue of 16 messages; the client pastes 1000 lines at once. Bob, another member
    // on the same thread, must get every one, and the sender must not lag behind its own lines.
    let mut s = setup(16, Duration::from_secs(5));
    let mut bob = s.room.subscribe();
    let paste: String = (1..=1000).map(|i| format!("line {i}\n")).collect();
    let (ended, bob_got) = run(&mut s, async move |client, _room| {
        client.write_all(paste.as_bytes()).await.unwrap();
        let mut got = Vec::new();
        while got.len() < 1000 {
            match tokio::time::timeout(testkit::timeout(), bob.recv()).await {
                Ok(Ok(message)) => got.push(String::from_utf8_lossy(&message.text).into_owned()),
                Ok(Err(e)) => {
                    got.push(format!("bob's inbox: {e}"));
                    break;
                }
                Err(_) => break,
            }
        }
        client.shutdown().await.unwrap();
        got
    });
    let whole =
        bob_got.len() == 1000 && (1..=1000).all(|i| bob_got[i - 1] == format!("alice: line {i}\n"));
    if !whole {
        let first_wrong = (1..=1000)
            .find(|&i| bob_got.get(i - 1) != Some(&format!("alice: line {i}\n")))
            .unwrap_or(1000);
        fail(
            "The client pasted 1000 lines at once, with a room queue of 16: every other member \
             (a task on the same thread) must get each line. Reading the next line before the \
             others have taken the last one lets the queue overflow.",
            "bob gets \"alice: line 1\\n\" … \"alice: line 1000\\n\", then chat returns Ok(Left)",
            &format!(
                "bob got {} message(s); at {}: {:?}  (chat returned {})",
                bob_got.len(),
                first_wrong,
                bob_got
                    .get(first_wrong - 1)
                    .map_or("nothing", |m| m.as_str()),
                show(&ended)
            ),
        );
    }
    if !matches!(ended, Some(Ok(Ending::Left))) {
        fail(
            "The client pasted 1000 lines and closed: the sender's own lines must not make it \
             lag behind its inbox.",
            "Ok(Left)",
            &show(&ended),
        );
    }
}

#[test]
fn a_line_too_long_is_an_error() {
    let mut s = setup(16, Duration::from_secs(5));
    let (ended, ()) = run(&mut s, async |client, _room| {
        // 2000 bytes and no newline (MAX_LINE is 1024); the client stays connected.
        let _ = client.write_all(&[b'x'; 2000]).await;
    });
    let ok = matches!(&ended, Some(Err(e)) if e.kind() == ErrorKind::InvalidData);
    if !ok {
        fail(
            "The client sent 2000 bytes with no newline: `lines.next()` fails, and chat must \
             return that error.",
            "Err(InvalidData: line longer than 1024 bytes)",
            &show(&ended),
        );
    }
}

#[test]
fn a_line_not_finished_in_time_is_an_error() {
    // A line wait of 300 ms: the client begins a line and never ends it, and stays connected.
    let mut s = setup_with_line_wait(16, Duration::from_secs(5), Duration::from_millis(300));
    let (ended, ()) = run(&mut s, async |client, _room| {
        client.write_all(b"hel").await.unwrap();
    });
    let said = drain(&mut s.watcher);
    let ok = matches!(&ended, Some(Err(e)) if e.kind() == ErrorKind::TimedOut);
    if !ok || !said.is_empty() {
        fail(
            "The client sent \"hel\" and no newline, and the line wait is 300 ms: \
             `lines.next()` fails with TimedOut, and chat must return that error (the server \
             then tells the client why it is cut); the half line goes nowhere.",
            "Err(TimedOut: no whole line within 300 ms), nothing in the room",
            &format!("{}, in the room: {said:?}", show(&ended)),
        );
    }
}

#[test]
fn a_client_gone_in_the_middle_of_a_line_is_an_error() {
    // The client sends half a line and closes its end: not a member that left (Ok(Left)),
    // a broken line (`lines.next()` gives UnexpectedEof), and the half line goes nowhere.
    let mut s = setup(16, Duration::from_secs(5));
    let (ended, ()) = run(&mut s, async |client, _room| {
        client.write_all(b"half a li").await.unwrap();
        client.shutdown().await.unwrap();
    });
    let said = drain(&mut s.watcher);
    let ok = matches!(&ended, Some(Err(e)) if e.kind() == ErrorKind::UnexpectedEof);
    if !ok || !said.is_empty() {
        fail(
            "The client sent \"half a li\" and closed its end: `lines.next()` fails with \
             UnexpectedEof, and chat must return that error (a broken line, not a member that \
             left); the half line goes nowhere.",
            "Err(UnexpectedEof), nothing in the room",
            &format!("{}, in the room: {said:?}", show(&ended)),
        );
    }
}

#[test]
fn a_client_that_stops_reading_is_dropped() {
    // A client that never reads, and a room with 20 MB for it: its socket's buffers fill up,
    // the next write waits its limit (500 ms) and fails, and chat must return that error, at
    // once: not after a second try.
    let limit = Duration::from_millis(500);
    let mut s = setup(1024, limit);
    let big: Arc<[u8]> = vec![b'z'; 64 * 1024].into();
    for _ in 0..320 {
        let message = Message {
            from: 2,
            text: big.clone(),
        };
        s.room.send(message).unwrap();
    }
    let started = std::time::Instant::now();
    let (ended, ()) = run(&mut s, async |client, _room| {
        client.write_all(b"hi\n").await.unwrap();
    });
    let took = started.elapsed();
    let ok = matches!(&ended, Some(Err(e)) if e.kind() == ErrorKind::TimedOut);
    if !ok {
        fail(
            "The client reads nothing while 20 MB wait in its inbox: a write fails after its \
             time limit, and chat must return that error (a server that goes on writing to a \
             client that never reads is stuck with it).",
            "Err(TimedOut: not read for 500 ms)",
            &show(&ended),
        );
    }
    // The buffers fill in a few milliseconds; a second try of the write would take another
    // 500 ms.
    if took >= 2 * limit {
        fail(
            "The client reads nothing while 20 MB wait in its inbox: the first write that \
             waits its time limit (500 ms) ends chat with that error, not a second try.",
            "Err(TimedOut) less than 1000 ms after chat began",
            &format!("{} after {} ms", show(&ended), took.as_millis()),
        );
    }
}

#[test]
fn a_client_that_reads_again_gets_whole_messages_then_too_slow() {
    // A room queue of 16 and a client that stops reading while bob sends 96 messages of
    // 256 KiB (the first `a`s, then `b`s, …): its buffers fill up after a few MB, the write
    // waits, and the queue overflows behind it. The client says a line meanwhile, then reads
    // again (within the write limit): it must get whole messages in order, then chat returns
    // TooSlow for the messages the queue lost.
    const SIZE: usize = 256 * 1024;
    let mut s = setup(16, Duration::from_secs(5));
    let messages: Vec<Arc<[u8]>> = (b'a'..=b'z').map(|c| vec![c; SIZE].into()).collect();
    let (ended, got) = run(&mut s, async |client, room| {
        for i in 0..96 {
            let text = messages[i % messages.len()].clone();
            room.send(Message { from: 2, text }).unwrap();
            tokio::task::yield_now().await;
        }
        // A line while the write waits; then the client pauses, and reads again.
        client.write_all(b"still here\n").await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut got = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        let deadline = tokio::time::Instant::now() + testkit::timeout();
        // Everything chat wrote: until nothing more comes for a second.
        while tokio::time::Instant::now() < deadline {
            match tokio::time::timeout(Duration::from_secs(1), client.read(&mut buf)).await {
                Ok(Ok(k)) if k > 0 => got.extend_from_slice(&buf[..k]),
                _ => break,
            }
        }
        got
    });
    // What the client got, message by message: `a` × 262144, then `b` × 262144, …
    let whole = got.len() / SIZE;
    let in_order = (0..whole).all(|i| {
        let letter = b'a' + (i % messages.len()) as u8;
        got[i * SIZE..(i + 1) * SIZE].iter().all(|&b| b == letter)
    });
    if got.len() % SIZE != 0 || !in_order || whole == 0 {
        let first_wrong = (0..got.len())
            .find(|&at| got[at] != b'a' + ((at / SIZE) % messages.len()) as u8)
            .map_or("none".to_string(), |at| {
                format!("{} at byte {at}", text(&got[at..at + 1]))
            });
        fail(
            "The client stopped reading, said a line, and read again: each message it gets must \
             be whole, and in order (a write that waits is not given up half-way, nor cut \
             short).",
            &format!("whole messages of {SIZE} bytes: a…, b…, c…"),
            &format!(
                "{} bytes ({whole} whole messages and {} bytes); first wrong byte: {first_wrong} \
                 (chat returned {})",
                got.len(),
                got.len() % SIZE,
                show(&ended)
            ),
        );
    }
    if !matches!(ended, Some(Ok(Ending::TooSlow(lost))) if lost > 0) {
        fail(
            "The client stopped reading while 96 messages came, with a room queue of 16: the \
             queue lost some of them for it, and once its write is done, chat must return \
             Ok(Ending::TooSlow(n)). (Keeping the room's messages in a queue of your own instead \
             makes the server's memory grow without limit.)",
            "Ok(TooSlow(n)), n > 0",
            &format!("{}, after {whole} whole messages", show(&ended)),
        );
    }
}

#[test]
fn chat_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your chat runs.
    testkit::prints_nothing(
        "chat",
        &[
            "each_line_goes_to_the_room_once_and_empty_ones_nowhere",
            "a_line_too_long_is_an_error",
            "a_member_that_fell_behind_is_too_slow",
        ],
    );
}
