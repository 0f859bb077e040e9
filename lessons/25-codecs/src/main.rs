//! Lesson 25: framing with the ecosystem's tools.
//!
//! Chapter 7 cut a stream of bytes into messages by hand: a buffer, a search for `\n`, a
//! limit, more `recv()` calls until a whole line is there. tokio-util does that job with two
//! traits: a `Decoder` takes one frame off the front of a buffer when it is all there, an
//! `Encoder` appends one; `FramedRead` / `FramedWrite` / `Framed` own the buffer and the
//! socket and turn them into a `Stream` of frames (`next().await`) and a `Sink` of frames
//! (`send().await`).
//!
//! The server answers each line with the line in capitals (`hello\n` → `HELLO\n`), through
//! `LinesCodec` with a maximum; a line too long gets `error: line longer than 32 bytes\n`
//! and the connection goes on. With `--frames` it speaks length-prefixed frames instead
//! (the length as a varint, as protobuf writes it, then the payload): your decoder reads
//! them, the lesson's encoder writes them. Each connection has two tasks, a reader and a writer,
//! with a bounded queue between them: the demo measures what the bound does.

use std::fmt::Debug;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::ExitCode;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use common::trace::Kind;
use common::{show_bytes, Flag, Lesson, Narrator, Options, Result};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep, timeout};
use tokio_util::codec::{
    Decoder, Encoder, Framed, FramedRead, FramedWrite, LinesCodec, LinesCodecError,
};

use lesson_25_codecs::relay::{self, Measured};
use lesson_25_codecs::{put_varint, VarintPrefixed, MAX_FRAME, MAX_LINE};

static LESSON: Lesson = Lesson {
    package: "lesson-25-codecs",
    title: "framing with tokio-util's codecs, and backpressure through a bounded queue",
    port: 7025,
    about:
        "The server answers each line with the line in capitals: b\"hello\\n\" -> b\"HELLO\\n\".\n\
            A line longer than 32 bytes (newline not counted) gets\n\
            b\"error: line longer than 32 bytes\\n\", a line that is not UTF-8 gets\n\
            b\"error: not UTF-8\\n\", and the connection goes on with the next line.\n\
            With --frames, both sides speak length-prefixed frames instead: the length as a\n\
            varint (7 bits a byte, lowest first, 0x80 = more follows), then the payload, at\n\
            most 1024 bytes; the answer is the payload in capitals. A frame that says it is\n\
            longer, or a bad varint, ends the connection at once.\n\
            Limits: each whole line or frame must arrive within --idle seconds, each answer\n\
            must be taken within --write-timeout seconds; at most 16 answers wait for a slow\n\
            client, then the server stops reading from it. Many clients are served at once.\n\
            Try it with: nc 127.0.0.1 7025",
    flags: &[
        Flag {
            name: "--frames",
            value: None,
            help: "length-prefixed frames (a varint length, then the payload) instead of lines",
        },
        Flag {
            name: "--idle",
            value: Some("SECONDS"),
            help:
                "server: each whole line or frame must arrive this long after the last (default 30)",
        },
        Flag {
            name: "--write-timeout",
            value: Some("SECONDS"),
            help: "server: an answer the client does not take this long ends it (default 10)",
        },
    ],
};

/// How many answers may wait for the writer before the reader stops reading.
const QUEUE: usize = 16;
/// In the demo both sides are in one process; a wait this long means a bug.
const DEMO_WAIT: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

/// The server's time limits (from the command line).
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// For each whole line or frame, from the previous one.
    idle: Duration,
    /// For each answer, until the kernel has taken every byte.
    write: Duration,
}

impl Limits {
    fn from(opts: &Options) -> Result<Limits> {
        Ok(Limits {
            idle: opts.seconds("--idle", 30)?.max(Duration::from_secs(1)),
            write: opts
                .seconds("--write-timeout", 10)?
                .max(Duration::from_secs(1)),
        })
    }
}

/// One runtime on the current thread, as in lesson 13.
fn runtime(say: &Narrator) -> Result<tokio::runtime::Runtime> {
    let start = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    };
    say.call_then(
        "Runtime::new_current_thread()",
        "start tokio",
        start,
        |_| "ok".to_string(),
    )
}

// ANCHOR: lines
/// What the server reads from a line client: a line, or a line it refuses.
#[derive(Debug)]
enum Request {
    Line(String),
    TooLong,
    NotUtf8,
}

/// `LinesCodec` with a maximum, its two refusals turned into requests. A decoder's error
/// ends a `FramedRead`'s stream (`next()` gives the error, then `None`), but after these two
/// the bytes are still in step: `LinesCodec` drops the rest of the long line up to its `\n`,
/// and the bad line whole. (No `decode_eof`: the trait's own says that bytes left at the end
/// of the stream, half a line, are an error.)
struct Lines(LinesCodec);

impl Decoder for Lines {
    type Item = Request;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<Request>> {
        match self.0.decode(src) {
            Ok(line) => Ok(line.map(Request::Line)),
            Err(LinesCodecError::MaxLineLengthExceeded) => Ok(Some(Request::TooLong)),
            Err(LinesCodecError::Io(e)) if e.kind() == io::ErrorKind::InvalidData => {
                Ok(Some(Request::NotUtf8))
            }
            Err(LinesCodecError::Io(e)) => Err(e),
        }
    }
}

/// The answer to one line, without its `\n` (the encoder adds it).
fn answer_line(request: Request) -> String {
    match request {
        Request::Line(line) => line.to_ascii_uppercase(),
        Request::TooLong => format!("error: line longer than {MAX_LINE} bytes"),
        Request::NotUtf8 => "error: not UTF-8".to_string(),
    }
}

/// The answer to one frame: the payload in capitals.
fn answer_frame(payload: BytesMut) -> Bytes {
    Bytes::from(payload.to_ascii_uppercase())
}
// ANCHOR_END: lines

// ANCHOR: connection
/// One connection, in two tasks: this one reads requests and queues their answers (at most
/// QUEUE of them), a second one writes them. Lines, or frames with `--frames`. Each task
/// narrates its own end; an error ends the reader, and the writer still sends the answers
/// already queued, then closes.
async fn serve_connection(stream: TcpStream, frames: bool, limits: Limits, n: usize) {
    let reader = Narrator::new(format!("reader{n}"), LESSON.package);
    let writer = Narrator::new(format!("writer{n}"), LESSON.package);
    let (read_half, write_half) = stream.into_split();
    let read_half = Recorded::new(read_half, reader.clone());
    let write_half = Recorded::new(write_half, writer.clone());
    let (idle, write) = (limits.idle, limits.write);
    let writing = if frames {
        let (tx, rx, _) = relay::queue(Some(QUEUE));
        let requests = FramedRead::new(read_half, frame_codec());
        let answers = FramedWrite::new(write_half, frame_codec());
        let writing = tokio::spawn(write_answers(rx, answers, write, writer));
        let _ = read_requests(requests, tx, answer_frame, idle, &reader).await;
        writing
    } else {
        let (tx, rx, _) = relay::queue(Some(QUEUE));
        let lines = Lines(LinesCodec::new_with_max_length(MAX_LINE));
        let requests = FramedRead::new(read_half, lines);
        let answers = FramedWrite::new(write_half, LinesCodec::new());
        let writing = tokio::spawn(write_answers(rx, answers, write, writer));
        let _ = read_requests(requests, tx, answer_line, idle, &reader).await;
        writing
    };
    let _ = writing.await;
}

/// The frames' codec, with our limit: your decoder, the lesson's encoder (src/lib.rs).
fn frame_codec() -> VarintPrefixed {
    VarintPrefixed::new(MAX_FRAME)
}
// ANCHOR_END: connection

// ANCHOR: reader
/// The reader task: each whole request (`next()`, within `idle`), answered into the queue.
/// Returns how many requests it read; at the end (or an error) `tx` is dropped, which tells
/// the writer that no more answers will come.
async fn read_requests<S, R, T>(
    mut requests: S,
    tx: relay::Tx<T>,
    answer: impl Fn(R) -> T,
    idle: Duration,
    say: &Narrator,
) -> Result<usize>
where
    S: Stream<Item = io::Result<R>> + Unpin,
    R: Debug,
    T: AsRef<[u8]>,
{
    let mut count = 0;
    loop {
        let next = async {
            let next = timeout(idle, requests.next()).await;
            let next = next.unwrap_or_else(|_| Some(Err(no_request_in(idle))));
            next.transpose()
        };
        let why = "wait for a whole request: the codec reads and cuts";
        let show = |r: &Option<R>| {
            r.as_ref()
                .map_or("end of stream".into(), |r| format!("{r:?}"))
        };
        let Some(request) = say.call_async_then("next()", why, next, show).await? else {
            return Ok(count);
        };
        count += 1;
        let why = "queue the answer for the writer task (waits while the queue is full)";
        let queued = tx.send(answer(request));
        let gone = |_| io::Error::new(io::ErrorKind::BrokenPipe, "the writer has stopped");
        say.call_async("tx.send()", why, async { queued.await.map_err(gone) })
            .await?;
    }
}

fn no_request_in(idle: Duration) -> io::Error {
    let why = format!("no whole request in {} s", idle.as_secs());
    io::Error::new(io::ErrorKind::TimedOut, why)
}
// ANCHOR_END: reader

// ANCHOR: writer
/// The writer task: each answer out through the sink (`send()`: encode into the write buffer,
/// then flush it to the socket), each within `limit`; when the reader is done and the queue
/// empty, `close()`: flush, then shutdown(Write), our FIN.
async fn write_answers<T, W, E>(
    mut rx: relay::Rx<T>,
    mut sink: W,
    limit: Duration,
    say: Narrator,
) -> Result<()>
where
    T: AsRef<[u8]>,
    W: Sink<T, Error = E> + Unpin,
    E: std::error::Error + Send + Sync + 'static,
{
    while let Some(answer) = rx.recv().await {
        let call = format!("send({})", show_bytes(answer.as_ref()));
        let sent = async { in_time(limit, sink.send(answer)).await };
        say.call_async(call, "encode the answer, write it (in time)", sent)
            .await?;
    }
    let closed = async { in_time(limit, sink.close()).await };
    say.call_async("close()", "flush, then shutdown(Write): FIN", closed)
        .await
}

/// `work` within `limit`, its error as an `io::Error`.
async fn in_time<E>(
    limit: Duration,
    work: impl std::future::Future<Output = std::result::Result<(), E>>,
) -> io::Result<()>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match timeout(limit, work).await {
        Ok(done) => done.map_err(io::Error::other),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the client takes no more",
        )),
    }
}
// ANCHOR_END: writer

// ANCHOR: recorded
/// A socket that records in the trace every byte it carries (quiet: no line printed), like
/// `common::Narrated::quiet` for tokio's sockets. Under the codec, it sees what the wire
/// carries: length fields and newlines included.
struct Recorded<S> {
    inner: S,
    say: Narrator,
}

impl<S> Recorded<S> {
    fn new(inner: S, say: Narrator) -> Self {
        Recorded { inner, say }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Recorded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf); // recv()
        let got = &buf.filled()[before..];
        if !got.is_empty() {
            self.say.moved(Kind::Recv, "recv", got);
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, bytes); // send()
        if let Poll::Ready(Ok(n)) = poll {
            self.say.moved(Kind::Send, "send", &bytes[..n]);
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx) // shutdown(Write): FIN
    }
}
// ANCHOR_END: recorded

// ANCHOR: server
/// The server: one pair of tasks per connection, for ever. accept() errors (out of
/// descriptors, say) are reported, and accepting resumes after a pause.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let (frames, limits) = (opts.has("--frames"), Limits::from(opts)?);
    let rt = runtime(&say)?;
    rt.block_on(async {
        let listener = bind(opts.addr, &say).await?;
        opts.ready(local_addr(&listener, &say)?);
        let (mut pause, mut count) = (PAUSE_FIRST, 0);
        loop {
            // An accept() error is an outcome to show and wait out, not the server's end.
            let show = |got: &io::Result<(TcpStream, SocketAddr)>| match got {
                Ok((_, peer)) => format!("ok, peer {peer}"),
                Err(e) => format!("error: {e} (trying again in {pause:?})"),
            };
            let accept = async { Ok(listener.accept().await) };
            let why = "wait for a connection";
            match say.call_async_then("accept()", why, accept, show).await? {
                Ok((stream, _)) => {
                    (pause, count) = (PAUSE_FIRST, count + 1);
                    tokio::spawn(serve_connection(stream, frames, limits, count));
                }
                Err(_) => {
                    sleep(pause).await;
                    pause = (pause * 2).min(PAUSE_MAX);
                }
            }
        }
    })
}

/// After an accept() error, wait this long before the next try, doubling up to PAUSE_MAX.
const PAUSE_FIRST: Duration = Duration::from_millis(10);
const PAUSE_MAX: Duration = Duration::from_secs(1);

/// socket() + bind() + listen().
async fn bind(addr: SocketAddr, say: &Narrator) -> Result<TcpListener> {
    let call = format!("TcpListener::bind({addr})");
    let show = |l: &TcpListener| match l.local_addr() {
        Ok(bound) => format!("ok, bound to {bound}"),
        Err(e) => format!("ok ({e})"),
    };
    say.call_async_then(
        call,
        "socket + bind + listen",
        TcpListener::bind(addr),
        show,
    )
    .await
}
// ANCHOR_END: server

// ANCHOR: client
/// Send each line of standard input (or, with `--frames`, each as a frame), print each answer.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let requests = input_lines(&say);
    let rt = runtime(&say)?;
    rt.block_on(async {
        let tcp = connect(opts.addr, &say).await?;
        let tcp = Recorded::new(tcp, say.clone());
        if opts.has("--frames") {
            let framed = Framed::new(tcp, frame_codec());
            let requests = requests.into_iter().map(Bytes::from).collect();
            talk(framed, requests, &say).await
        } else {
            let framed = Framed::new(tcp, LinesCodec::new());
            let requests = requests.into_iter();
            let lines = requests.map(|r| String::from_utf8_lossy(&r).into_owned());
            talk(framed, lines.collect(), &say).await
        }
    })
}

/// Send each request, read its answer (`next()`), print it; then close and read the end.
async fn talk<F, T, R, E>(mut framed: F, requests: Vec<T>, say: &Narrator) -> Result<()>
where
    F: Sink<T, Error = E> + Stream<Item = std::result::Result<R, E>> + Unpin,
    T: AsRef<[u8]>,
    R: AsRef<[u8]>,
    E: std::error::Error + Send + Sync + 'static,
{
    for request in requests {
        let call = format!("send({})", show_bytes(request.as_ref()));
        let sent = in_time(DEMO_WAIT * 2, framed.send(request));
        say.call_async(call, "encode and write one request", sent)
            .await?;
        let Some(answer) = next_answer(&mut framed, say).await? else {
            return Err(say.protocol_error("the server closed before answering"));
        };
        println!("answer: {}", String::from_utf8_lossy(answer.as_ref()));
    }
    let closed = in_time(DEMO_WAIT * 2, framed.close());
    say.call_async("close()", "flush, then shutdown(Write): FIN", closed)
        .await?;
    match next_answer(&mut framed, say).await? {
        None => Ok(()),
        Some(_) => Err(say.protocol_error("more answers than requests")),
    }
}

/// The next answer, or `None` at the end of the stream.
async fn next_answer<F, R, E>(framed: &mut F, say: &Narrator) -> Result<Option<R>>
where
    F: Stream<Item = std::result::Result<R, E>> + Unpin,
    R: AsRef<[u8]>,
    E: std::error::Error + Send + Sync + 'static,
{
    let next = async {
        let next = timeout(DEMO_WAIT * 2, framed.next()).await;
        let next = next.map_err(|_| io::Error::from(io::ErrorKind::TimedOut))?;
        next.transpose().map_err(io::Error::other)
    };
    let show = |a: &Option<R>| {
        a.as_ref()
            .map_or("end of stream".into(), |a| show_bytes(a.as_ref()))
    };
    say.call_async_then("next()", "wait for a whole answer", next, show)
        .await
}

/// The requests: standard input's lines, without their newlines (two sample lines in step
/// mode, where standard input answers the pauses).
fn input_lines(say: &Narrator) -> Vec<Vec<u8>> {
    if common::narrate::step_mode() {
        say.note("step mode reads Enter from standard input: sending two sample lines");
        return vec![b"hello".to_vec(), b"world".to_vec()];
    }
    let mut input = Vec::new();
    let _ = std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut input);
    let lines = input
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let mut lines: Vec<Vec<u8>> = lines.map(|l| l.to_vec()).collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop(); // the input's last newline
    }
    lines
}

/// connect(), as in every lesson.
async fn connect(addr: SocketAddr, say: &Narrator) -> Result<TcpStream> {
    let call = format!("connect({addr})");
    say.call_async_then(
        call,
        "open a TCP connection",
        TcpStream::connect(addr),
        |_| "ok".to_string(),
    )
    .await
}
// ANCHOR_END: client

// ANCHOR: demo
/// The demo, in one process: a line client, a frame client, then the queue measured with a
/// slow writer, bounded and unbounded.
fn demo(opts: &Options) -> Result<()> {
    let server = opts.narrator("server");
    let rt = runtime(&opts.narrator("lesson"))?;
    let limits = Limits::from(opts)?;
    rt.block_on(async {
        let listener = bind(opts.addr, &server).await?;
        opts.ready(local_addr(&listener, &server)?);
        lines_demo(&listener, opts, limits, &server).await?;
        frames_demo(&listener, opts, limits, &server).await?;
        for (who, capacity) in [("carol", Some(QUEUE)), ("dave", None)] {
            queue_demo(&listener, opts.narrator(who), capacity, &server).await?;
        }
        Ok(())
    })
}

/// accept(), narrated (the demo's clients are already connected).
async fn accept(listener: &TcpListener, say: &Narrator) -> Result<TcpStream> {
    let show = |(_, peer): &(TcpStream, SocketAddr)| format!("ok, peer {peer}");
    let (stream, _) = say
        .call_async_then("accept()", "take the connection", listener.accept(), show)
        .await?;
    Ok(stream)
}
// ANCHOR_END: demo

/// The port the listener was given (getsockname), not narrated: only a failure is said.
fn local_addr(listener: &TcpListener, say: &Narrator) -> Result<SocketAddr> {
    listener
        .local_addr()
        .map_err(|e| say.failed("getsockname()", e))
}

// ANCHOR: lines_demo
/// alice: three lines in one write (the middle one too long), answered through LinesCodec.
async fn lines_demo(
    listener: &TcpListener,
    opts: &Options,
    limits: Limits,
    server: &Narrator,
) -> Result<()> {
    let say = opts.narrator("alice");
    let mut tcp = Recorded::new(
        connect(local_addr(listener, &say)?, &say).await?,
        say.clone(),
    );
    let stream = accept(listener, server).await?;
    let serving = tokio::spawn(serve_connection(stream, false, limits, 1));
    let mut bytes = b"hello\n".to_vec();
    bytes.extend_from_slice(&[b'x'; 40]);
    bytes.extend_from_slice(b"\nstill here\n");
    let call = format!("write_all({})", show_bytes(&bytes));
    let why = "three lines in one write; the second has 40 bytes, over the limit of 32";
    say.call_async(call, why, tcp.write_all(&bytes)).await?;
    say.call_async("shutdown()", "FIN: no more lines", tcp.shutdown())
        .await?;
    let mut answers = FramedRead::new(tcp, LinesCodec::new_with_max_length(MAX_LINE * 2));
    while next_answer(&mut answers, &say).await?.is_some() {}
    serving
        .await
        .map_err(|e| server.failed("the server's task", io::Error::other(e)))
}
// ANCHOR_END: lines_demo

// ANCHOR: frames_demo
/// bob: two frames through the lesson's encoder, read by your decoder; then a varint alone
/// that promises 1 MiB, which ends the connection.
async fn frames_demo(
    listener: &TcpListener,
    opts: &Options,
    limits: Limits,
    server: &Narrator,
) -> Result<()> {
    let say = opts.narrator("bob");
    let tcp = connect(local_addr(listener, &say)?, &say).await?;
    let mut bob = Framed::new(Recorded::new(tcp, say.clone()), frame_codec());
    let stream = accept(listener, server).await?;
    let serving = tokio::spawn(serve_connection(stream, true, limits, 2));
    for payload in [&b"hello"[..], b"world"] {
        let mut wire = BytesMut::new();
        frame_codec()
            .encode(Bytes::from(payload), &mut wire)
            .map_err(|e| say.failed("encode()", e))?;
        let call = format!("send({})", show_bytes(payload));
        let sent = in_time(DEMO_WAIT, bob.send(Bytes::from(payload)));
        let show = |_: &()| format!("ok, {} bytes on the wire: {}", wire.len(), show_hex(&wire));
        say.call_async_then(
            call,
            "the encoder puts the length first, as a varint",
            sent,
            show,
        )
        .await?;
    }
    let mut huge = BytesMut::new();
    put_varint(1 << 20, &mut huge);
    let call = format!("write_all({})", show_hex(&huge));
    let why = "a varint alone, promising 1 MiB: over the server's limit of 1024";
    say.call_async(call, why, bob.get_mut().write_all(&huge))
        .await?;
    while next_answer(&mut bob, &say).await?.is_some() {}
    serving
        .await
        .map_err(|e| server.failed("the server's task", io::Error::other(e)))
}

/// Bytes as hex: `05 68 65 6c 6c 6f`.
fn show_hex(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    hex.join(" ")
}
// ANCHOR_END: frames_demo

// ANCHOR: queue_demo
/// How many lines the queue demo sends, and how long its slow writer takes for each answer.
const BURST: usize = 200;
const SLOW: Duration = Duration::from_millis(1);

/// A client sends BURST lines at once; the server's reader queues the answers (bounded by
/// `capacity`, or not) for a writer that takes SLOW per answer. The gauge says how full the
/// queue got and how often the reader had to wait.
async fn queue_demo(
    listener: &TcpListener,
    say: Narrator,
    capacity: Option<usize>,
    server: &Narrator,
) -> Result<()> {
    let mut tcp = connect(local_addr(listener, &say)?, &say).await?;
    let burst: Vec<u8> = (1..=BURST)
        .flat_map(|i| format!("line {i:03}\n").into_bytes())
        .collect();
    let call = format!("write_all({BURST} lines, {} bytes)", burst.len());
    say.call_async(call, "every line at once, then FIN", async {
        tcp.write_all(&burst).await?;
        tcp.shutdown().await
    })
    .await?;
    let stream = accept(listener, server).await?;
    let call = match capacity {
        Some(n) => format!("relay(channel({n}))"),
        None => "relay(unbounded_channel())".to_string(),
    };
    let why = "reader -> queue -> a writer that takes 1 ms per answer";
    let relayed = relay_measured(stream, capacity);
    let mut answers = Vec::new();
    let read_all = tcp.read_to_end(&mut answers);
    // (How many times the reader waited depends on how the OS schedules the two: about one
    // wait per answer past the queue's capacity. The peaks do not.)
    let show = |m: &Measured| {
        let waited = if m.waits > 0 {
            "waited for room"
        } else {
            "never waited"
        };
        format!(
            "peak {} answers queued ({} bytes); the reader {waited}",
            m.peak_answers, m.peak_bytes
        )
    };
    let (measured, read) = tokio::join!(server.call_async_then(call, why, relayed, show), read_all);
    measured?;
    let lines = answers.iter().filter(|&&b| b == b'\n').count();
    let show = |_: &usize| format!("{lines} answers, {} bytes", answers.len());
    say.call_async_then(
        "read_to_end()",
        "every answer, then the server's FIN",
        async { read },
        show,
    )
    .await?;
    Ok(())
}

/// The queue demo's server side, quiet: reader -> queue -> slow writer, measured.
async fn relay_measured(stream: TcpStream, capacity: Option<usize>) -> io::Result<Measured> {
    let (read_half, write_half) = stream.into_split();
    let mut requests = FramedRead::new(read_half, Lines(LinesCodec::new_with_max_length(MAX_LINE)));
    let mut answers = FramedWrite::new(write_half, LinesCodec::new());
    let (tx, mut rx, gauge) = relay::queue(capacity);
    let reader = async move {
        while let Some(request) = requests.next().await {
            if tx.send(answer_line(request?)).await.is_err() {
                break;
            }
        }
        io::Result::Ok(())
    };
    let writer = async move {
        while let Some(answer) = rx.recv().await {
            sleep(SLOW).await; // the slow part: a client on a slow link, say
            answers.send(answer).await.map_err(io::Error::other)?;
        }
        SinkExt::<String>::close(&mut answers)
            .await
            .map_err(io::Error::other)
    };
    let (read, written) = tokio::join!(reader, writer);
    read.and(written)?;
    Ok(gauge.measured())
}
// ANCHOR_END: queue_demo
