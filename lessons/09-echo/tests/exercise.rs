//! The exercise's checks: your `echo_lines` runs here on a test connection that hands out the
//! bytes a client sent, cut into arrivals wherever a check wants them cut, and records every
//! `send_all`. They check what goes back to the client, what the loop returns, when it stops
//! and how much memory it takes (an allocator that counts), never what anything prints.
//! Nothing here waits on a socket; a loop that would spin for ever is stopped by a budget of
//! calls. (`cargo exercise lesson-09-echo` runs them on src/exercise.rs.)

use std::io::{self, BufRead, ErrorKind, Read};

use lesson_09_echo::{echo_lines, refusal, Client, Summary};
use testkit::allocations::{peak_during, Counting};
use testkit::{fail, yours};

// Memory: an allocator that counts the bytes each thread allocates (the check's figures are
// its own thread's, whatever other tests do meanwhile).
#[global_allocator]
static COUNTING: Counting = Counting;

// ---------------------------------------------------------------------------------------
// The test connection.

/// 8 KiB of `x`: the arrivals of a long line are served from here, so that the connection
/// itself allocates nothing while your loop reads them.
static XS: [u8; 8192] = [b'x'; 8192];

/// One piece of what the client sends.
enum Piece {
    /// These bytes, as one arrival (never empty: an empty arrival is end of stream).
    Bytes(Vec<u8>),
    /// This many `x`, in arrivals of 8 KiB.
    Xs(usize),
    /// Reading fails with this error.
    Fail(ErrorKind),
    /// Reading fails once with `Interrupted` (EINTR, as after a stop and continue), then goes
    /// on with the next piece.
    Interrupted,
    /// The client sends nothing more until it has had this many answers (echoes and
    /// refusals, counted from the start), as a client that waits for the echo of each line
    /// before sending the next one does: the loop must not wait for more bytes before then.
    WaitsFor(usize),
}

/// One client, as the echo loop sees it: what it sends (then end of stream), and what the
/// loop sent back, one entry per `send_all`.
struct Script {
    pieces: Vec<Piece>,
    /// The piece being read, and how many of its bytes were consumed.
    at: usize,
    pos: usize,
    /// `send_all` fails on this call (1 = the first), with this error.
    send_fails_at: Option<(usize, ErrorKind)>,
    sends: Vec<Vec<u8>>,
    /// Instead of recording each send (which allocates), check that each one is this line
    /// and count them: for the memory checks, where the recording would count too.
    every_send_is: Option<&'static [u8]>,
    counted: usize,
    /// The first send that was not `every_send_is`, and its number (1 = the first).
    wrong_send: Option<(usize, Vec<u8>)>,
    /// An error was returned (what, and by which call): no call may follow.
    failed: Option<(ErrorKind, &'static str)>,
    /// Calls of `fill_buf` since the last `consume` of at least one byte, and after the end.
    idle_fills: u32,
}

impl Script {
    fn new(pieces: Vec<Piece>) -> Self {
        Script {
            pieces,
            at: 0,
            pos: 0,
            send_fails_at: None,
            sends: Vec::with_capacity(64),
            every_send_is: None,
            counted: 0,
            wrong_send: None,
            failed: None,
            idle_fills: 0,
        }
    }

    fn no_call_after_an_error(&self, call: &str) {
        if let Some((kind, by)) = self.failed {
            fail(
                &format!(
                    "{by} returned an error ({kind:?}), and your loop made another call on conn \
                     after it. Only a read that failed with Interrupted is made again; any \
                     other error ends the loop."
                ),
                "no call after an error: the error is returned at once",
                &format!("a call of {call}, after: {}", show_all(&self.sends)),
            );
        }
    }
}

impl BufRead for Script {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.no_call_after_an_error("fill_buf");
        self.idle_fills += 1;
        if self.idle_fills > 10_000 {
            fail(
                "Your loop keeps asking for bytes without using them (or after end of stream).",
                "consume() what was read; stop at end of stream",
                "10,000 calls of fill_buf in a row with nothing consumed",
            );
        }
        while let Some(Piece::WaitsFor(answers)) = self.pieces.get(self.at) {
            let answers = *answers;
            if self.sends.len() + self.counted < answers {
                fail(
                    "Your loop waited for more bytes before it had answered every whole line it \
                     had read. This client waits for the answer to its line before it sends \
                     anything more, as ours, nc and Python's readline() do: the two would wait \
                     for each other until the deadline drops the client.",
                    &format!(
                        "{answers} answer(s) sent before the loop reads on (the echo of a line \
                         as soon as its newline has come; a refusal as soon as max_line bytes \
                         have come without one)"
                    ),
                    &format!("a call of fill_buf after only: {}", show_all(&self.sends)),
                );
            }
            self.at += 1;
        }
        match self.pieces.get(self.at) {
            None | Some(Piece::WaitsFor(_)) => Ok(&[]),
            Some(Piece::Bytes(bytes)) => Ok(&bytes[self.pos..]),
            Some(Piece::Xs(len)) => {
                let arrival_end = (self.pos / XS.len() + 1) * XS.len();
                Ok(&XS[..arrival_end.min(*len) - self.pos])
            }
            Some(Piece::Fail(kind)) => {
                self.failed = Some((*kind, "fill_buf"));
                Err(io::Error::from(*kind))
            }
            Some(Piece::Interrupted) => {
                self.at += 1;
                Err(io::Error::from(ErrorKind::Interrupted))
            }
        }
    }

    fn consume(&mut self, n: usize) {
        let len = match self.pieces.get(self.at) {
            Some(Piece::Bytes(bytes)) => bytes.len(),
            Some(Piece::Xs(len)) => *len,
            _ => 0,
        };
        if n == 0 {
            return;
        }
        if self.pos + n > len {
            fail(
                "Your loop consumed more bytes than fill_buf had handed out.",
                "consume(n) with n no more than the length of what fill_buf returned",
                &format!("consume({n}) with {} left", len - self.pos),
            );
        }
        self.idle_fills = 0;
        self.pos += n;
        if self.pos == len {
            self.at += 1;
            self.pos = 0;
        }
    }
}

impl Read for Script {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let arrived = self.fill_buf()?;
        let n = arrived.len().min(buf.len());
        buf[..n].copy_from_slice(&arrived[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl Client for Script {
    fn send_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.no_call_after_an_error("send_all");
        if let Some(line) = self.every_send_is {
            self.counted += 1;
            if bytes != line && self.wrong_send.is_none() {
                self.wrong_send = Some((self.counted, bytes.to_vec()));
            }
            return Ok(());
        }
        self.sends.push(bytes.to_vec());
        if let Some((at, kind)) = self.send_fails_at {
            if at == self.sends.len() {
                self.failed = Some((kind, "send_all"));
                return Err(kind.into());
            }
        }
        Ok(())
    }
}

fn show(bytes: &[u8]) -> String {
    if bytes.len() > 60 {
        let start = bytes[..40].escape_ascii();
        return format!("b\"{start}\"... ({} bytes)", bytes.len());
    }
    format!("b\"{}\"", bytes.escape_ascii())
}

fn show_all(sends: &[Vec<u8>]) -> String {
    if sends.is_empty() {
        return "(nothing)".into();
    }
    sends.iter().map(|s| show(s)).collect::<Vec<_>>().join(", ")
}

fn show_result(result: &Result<Summary, ErrorKind>) -> String {
    match result {
        Ok(s) => format!(
            "Ok(Summary {{ echoed: {}, refused: {} }})",
            s.echoed, s.refused
        ),
        Err(kind) => format!("Err({kind:?})"),
    }
}

// ---------------------------------------------------------------------------------------
// The checks.

/// How the client's stream ends, after its bytes.
#[derive(Clone, Copy)]
enum End {
    Eof,
    Fail(ErrorKind),
}

/// Every way of cutting `stream` into arrivals that a check tries: all at once, at every
/// place, at every two places, and a byte at a time.
fn cuts(stream: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let n = stream.len();
    if n == 0 {
        return vec![vec![]];
    }
    let mut ways = vec![vec![stream.to_vec()]];
    for i in 1..n {
        ways.push(vec![stream[..i].to_vec(), stream[i..].to_vec()]);
        for j in i + 1..n {
            let three = [&stream[..i], &stream[i..j], &stream[j..]];
            ways.push(three.iter().map(|p| p.to_vec()).collect());
        }
    }
    ways.push(stream.iter().map(|&b| vec![b]).collect());
    ways
}

fn show_cut(arrivals: &[Vec<u8>]) -> String {
    if arrivals.is_empty() {
        return "no arrival".into();
    }
    if arrivals.len() > 3 {
        return "a byte at a time".into();
    }
    let shown: Vec<String> = arrivals.iter().map(|a| show(a)).collect();
    format!("arrivals {}", shown.join(" | "))
}

/// A client sends `stream` (then `end`), however it is cut into arrivals: the loop sends
/// back `expected` (one entry per send_all) and returns `returns`.
#[track_caller]
fn check(
    what: &str,
    max_line: usize,
    stream: &[u8],
    end: End,
    expected: &[&[u8]],
    returns: Result<Summary, ErrorKind>,
) {
    let expected: Vec<Vec<u8>> = expected.iter().map(|s| s.to_vec()).collect();
    for arrivals in cuts(stream) {
        let shown = show_cut(&arrivals);
        let mut pieces: Vec<Piece> = arrivals.into_iter().map(Piece::Bytes).collect();
        if let End::Fail(kind) = end {
            pieces.push(Piece::Fail(kind));
        }
        let mut conn = Script::new(pieces);
        let result = yours(|| echo_lines(&mut conn, max_line)).map_err(|e| e.kind());
        let after = match end {
            End::Eof => "then end of stream".to_string(),
            End::Fail(kind) => format!("then the error {kind:?}"),
        };
        let sent = format!(
            "The client sent {} ({shown}), {after}; max_line = {max_line}.",
            show(stream)
        );
        if conn.sends != expected {
            fail(
                &format!("{what}\n{sent}\nWhat went back (one entry per send_all) is wrong."),
                &format!("{}, then {}", show_all(&expected), show_result(&returns)),
                &format!("{}, then {}", show_all(&conn.sends), show_result(&result)),
            );
        }
        if result != returns {
            fail(
                &format!("{what}\n{sent}\nThe right bytes went back, but echo_lines returned the wrong thing."),
                &show_result(&returns),
                &show_result(&result),
            );
        }
    }
}

fn summary(echoed: u64, refused: u64) -> Result<Summary, ErrorKind> {
    Ok(Summary { echoed, refused })
}

#[test]
fn each_line_comes_back_as_it_came() {
    let lines: [&[u8]; 5] = [
        b"hello\n",
        b"caf\xc3\xa9 \xff\xfe\n",
        b"\n",
        b" spaces\t\r\n",
        b"x\n",
    ];
    check(
        "Each line goes back alone, byte for byte, newline included, UTF-8 or not.",
        16,
        &lines.concat(),
        End::Eof,
        &lines,
        summary(5, 0),
    );
}

#[test]
fn max_line_counts_the_newline() {
    let refused = refusal(8);
    check(
        "max_line counts the newline: 8 bytes with it are echoed, 9 are refused.",
        8,
        b"1234567\n12345678\nok\n",
        End::Eof,
        &[b"1234567\n", refused.as_bytes(), b"ok\n"],
        summary(2, 1),
    );
}

#[test]
fn a_refused_line_is_dropped_whole_never_echoed_in_pieces() {
    let refused = refusal(8);
    check(
        "A refused line gets one refusal; the rest of it is dropped, never echoed or refused again.",
        8,
        b"abcdefghijklmnopqrstuvwxyz\ntail\n",
        End::Eof,
        &[refused.as_bytes(), b"tail\n"],
        summary(1, 1),
    );
}

#[test]
fn a_refused_line_ends_at_its_newline_even_after_twice_max_line() {
    let refused = refusal(8);
    check(
        "A refused line ends at its newline, even when that newline comes right after a multiple of max_line bytes: it is not an empty line.",
        8,
        b"aaaaaaaabbbbbbbb\nnext\n\n",
        End::Eof,
        &[refused.as_bytes(), b"next\n", b"\n"],
        summary(2, 1),
    );
}

#[test]
fn every_line_too_long_is_refused_not_only_the_first() {
    let refused = refusal(8);
    check(
        "Each line too long gets its own refusal: right after another refused line, and after an echo.",
        8,
        b"aaaaaaaaaa\nbbbbbbbbbbbb\nok\ncccccccc\n",
        End::Eof,
        &[refused.as_bytes(), refused.as_bytes(), b"ok\n", refused.as_bytes()],
        summary(1, 3),
    );
}

#[test]
fn max_line_one_echoes_only_empty_lines() {
    let refused = refusal(1);
    check(
        "With max_line = 1 only empty lines (a newline alone) are echoed.",
        1,
        b"\nab\n\n",
        End::Eof,
        &[b"\n", refused.as_bytes(), b"\n"],
        summary(2, 1),
    );
}

#[test]
fn the_refusal_goes_out_as_soon_as_the_line_is_known_too_long() {
    let refused = refusal(8);
    // 8 bytes and no newline: too long already, whatever comes next (here: a reset).
    check(
        "The refusal goes out once max_line bytes have come with no newline, before the end of the line.",
        8,
        b"aaaaaaaa",
        End::Fail(ErrorKind::ConnectionReset),
        &[refused.as_bytes()],
        Err(ErrorKind::ConnectionReset),
    );
}

#[test]
fn end_of_stream_inside_a_refused_line_ends_it_quietly() {
    let refused = refusal(8);
    // Some bytes after the refusal point, and none: the end right after max_line bytes.
    for stream in [b"ok\naaaaaaaaaaaa".as_slice(), b"ok\naaaaaaaa"] {
        check(
            "A refused line had its answer: end of stream inside it is a plain end, even right \
             after its first max_line bytes.",
            8,
            stream,
            End::Eof,
            &[b"ok\n", refused.as_bytes()],
            summary(1, 1),
        );
    }
}

#[test]
fn a_client_that_leaves_mid_line_gets_no_echo_of_it() {
    check(
        "End of stream in the middle of a line: that part is not echoed, and the call returns UnexpectedEof.",
        8,
        b"hello\nhalf",
        End::Eof,
        &[b"hello\n"],
        Err(ErrorKind::UnexpectedEof),
    );
}

#[test]
fn a_client_that_sends_nothing_gets_nothing() {
    check(
        "A client that sends nothing: nothing goes back.",
        8,
        b"",
        End::Eof,
        &[],
        summary(0, 0),
    );
}

#[test]
fn an_error_from_reading_ends_the_loop_at_once() {
    let refused = refusal(8);
    // Wherever the error comes (before any byte, between two lines, in the middle of one, in
    // a refused line), and whatever it is: TimedOut (the deadline), WouldBlock (what a recv()
    // whose SO_RCVTIMEO ran out returns: EAGAIN, socket(7)), a reset.
    let places: [(&[u8], &[&[u8]]); 4] = [
        (b"", &[]),
        (b"one\n", &[b"one\n"]),
        (b"one\ntw", &[b"one\n"]),
        (b"ok\naaaaaaaaaa", &[b"ok\n", refused.as_bytes()]),
    ];
    for kind in [
        ErrorKind::TimedOut,
        ErrorKind::WouldBlock,
        ErrorKind::ConnectionReset,
    ] {
        for (stream, answers) in places {
            check(
                &format!(
                    "Reading failed ({kind:?}: the client was too slow, or is gone): the error \
                     ends the loop wherever it comes, between two lines too, and is returned \
                     as it is; no more calls."
                ),
                8,
                stream,
                End::Fail(kind),
                answers,
                Err(kind),
            );
        }
    }
}

#[test]
fn each_answer_goes_out_before_the_loop_reads_on() {
    // A client that sends a line and waits for its answer before sending the next: the
    // echo (or the refusal, once max_line bytes have come without a newline) must go out
    // before the loop waits for more bytes. Each message whole, then a byte at a time.
    let refused = refusal(8);
    let messages: [(&[u8], usize); 5] = [
        (b"hello\n", 1),
        (b"caf\xc3\xa9\n", 2),
        (b"aaaaaaaaaa", 3),
        (b"aa\n", 3),
        (b"ok\n", 4),
    ];
    let expected: [&[u8]; 4] = [b"hello\n", b"caf\xc3\xa9\n", refused.as_bytes(), b"ok\n"];
    for bytewise in [false, true] {
        let mut pieces = Vec::new();
        for (message, answers) in messages {
            if bytewise {
                pieces.extend(message.iter().map(|&b| Piece::Bytes(vec![b])));
            } else {
                pieces.push(Piece::Bytes(message.to_vec()));
            }
            pieces.push(Piece::WaitsFor(answers));
        }
        let mut conn = Script::new(pieces);
        let result = yours(|| echo_lines(&mut conn, 8)).map_err(|e| e.kind());
        if conn.sends != expected || result != summary(3, 1) {
            fail(
                "The client sent b\"hello\\n\", b\"caf\\xc3\\xa9\\n\", b\"aaaaaaaaaa\", \
                 b\"aa\\n\", b\"ok\\n\", waiting for each answer (max_line = 8).",
                &format!(
                    "{}, then {}",
                    show_all(&expected.map(|s| s.to_vec())),
                    show_result(&summary(3, 1))
                ),
                &format!("{}, then {}", show_all(&conn.sends), show_result(&result)),
            );
        }
    }
}

#[test]
fn a_read_interrupted_by_a_signal_is_made_again() {
    // After a stop and continue (Ctrl-Z, fg), a recv() with a timeout fails with EINTR
    // (signal(7)): no news from the client. Here: before the first line, in the middle of a
    // line (twice in a row), while the rest of a refused line is being dropped, and before
    // the end of stream. The loop must do exactly what it does with the same arrivals and no
    // interruption (which other checks judge).
    let arrivals: [&[u8]; 3] = [b"hel", b"lo\nabcdefgh", b"ij\nok\n"];
    let run = |interrupted: bool| {
        let mut pieces = Vec::new();
        for (n, arrival) in arrivals.into_iter().enumerate() {
            if interrupted {
                pieces.push(Piece::Interrupted);
                if n == 1 {
                    pieces.push(Piece::Interrupted);
                }
            }
            pieces.push(Piece::Bytes(arrival.to_vec()));
        }
        if interrupted {
            pieces.push(Piece::Interrupted);
        }
        let mut conn = Script::new(pieces);
        let result = yours(|| echo_lines(&mut conn, 8)).map_err(|e| e.kind());
        format!("{}, then {}", show_all(&conn.sends), show_result(&result))
    };
    let (plain, interrupted) = (run(false), run(true));
    if plain != interrupted {
        fail(
            "The client sent b\"hello\\nabcdefghij\\nok\\n\" (max_line = 8), and five reads were \
             interrupted by a signal on the way, two of them in a row (Interrupted, EINTR: a stop and continue of the \
             server does it). That ends nothing: read again, and do what you do without the \
             interruptions.",
            &format!("{plain} (as without the interruptions)"),
            &interrupted,
        );
    }
}

/// What the client sends, which send_all fails (1 = the first), and what went back by then.
type SendFails<'a> = (&'a [u8], usize, &'a [&'a [u8]]);

#[test]
fn an_error_from_send_all_ends_the_loop_at_once() {
    let refused = refusal(8);
    let cases: [SendFails; 3] = [
        (b"one\ntwo\nthree\n", 1, &[b"one\n"]),
        (b"one\ntwo\nthree\n", 2, &[b"one\n", b"two\n"]),
        (b"too long a line\nnext\n", 1, &[refused.as_bytes()]),
    ];
    // BrokenPipe, ConnectionReset: the client is gone. TimedOut, WouldBlock (SO_SNDTIMEO ran
    // out): it did not take its echo within the deadline. None of them is to be tried again.
    for kind in [
        ErrorKind::BrokenPipe,
        ErrorKind::ConnectionReset,
        ErrorKind::TimedOut,
        ErrorKind::WouldBlock,
    ] {
        for (stream, fails_at, expected) in cases {
            let mut conn = Script::new(vec![Piece::Bytes(stream.to_vec())]);
            conn.send_fails_at = Some((fails_at, kind));
            let result = yours(|| echo_lines(&mut conn, 8)).map_err(|e| e.kind());
            if conn.sends != expected || result != Err(kind) {
                fail(
                    &format!(
                        "The client sent {}; send_all number {fails_at} failed with {kind:?} (the \
                         client is gone, or did not take its echo in time): the error is \
                         returned as it is, and no more calls: not even that send again.",
                        show(stream)
                    ),
                    &format!(
                        "{}, then Err({kind:?})",
                        show_all(&expected.iter().map(|s| s.to_vec()).collect::<Vec<_>>())
                    ),
                    &format!("{}, then {}", show_all(&conn.sends), show_result(&result)),
                );
            }
        }
    }
}

#[test]
fn a_64_mib_line_costs_no_more_memory_than_max_line() {
    let max_line = 1000;
    let allowed = 2 * max_line + 16 * 1024;
    let mut conn = Script::new(vec![
        Piece::Bytes(b"hi\n".to_vec()),
        Piece::Xs(64 << 20),
        Piece::Bytes(b"\nafter\n".to_vec()),
    ]);
    let (result, peak) = yours(|| peak_during(|| echo_lines(&mut conn, max_line)));
    let result = result.map_err(|e| e.kind());
    let refused = refusal(max_line);
    let expected: [&[u8]; 3] = [b"hi\n", refused.as_bytes(), b"after\n"];
    let what = "The client sent b\"hi\\n\", then 64 MiB of x with no newline, then b\"\\nafter\\n\"; max_line = 1000.";
    if conn.sends != expected || result != summary(2, 1) {
        fail(
            &format!("{what}\nThe long line is refused, and the lines around it echoed."),
            &format!(
                "{}, then {}",
                show_all(&expected.map(|s| s.to_vec())),
                show_result(&summary(2, 1))
            ),
            &format!("{}, then {}", show_all(&conn.sends), show_result(&result)),
        );
    }
    if peak > allowed {
        fail(
            &format!("{what}\nYour loop kept far more of the long line than max_line bytes: a client could make the server run out of memory."),
            &format!("at most {allowed} bytes allocated at once"),
            &format!("{peak} bytes allocated at once"),
        );
    }
}

#[test]
fn many_short_lines_cost_no_more_memory_than_one() {
    // 20,000 lines of 100 bytes (2 MB in all), in arrivals of 8 KiB that cut lines anywhere:
    // each is within max_line, and the memory bound holds for the whole call, not per line.
    const LINE: &[u8] = b"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456\n";
    const LINES: usize = 20_000;
    let max_line = 1000;
    let allowed = 2 * max_line + 16 * 1024;
    let stream = LINE.repeat(LINES);
    let pieces = stream
        .chunks(8192)
        .map(|arrival| Piece::Bytes(arrival.to_vec()))
        .collect();
    drop(stream);
    let mut conn = Script::new(pieces);
    conn.every_send_is = Some(LINE);
    let (result, peak) = yours(|| peak_during(|| echo_lines(&mut conn, max_line)));
    let result = result.map_err(|e| e.kind());
    let what =
        "The client sent 20,000 lines of 100 bytes (2 MB), in arrivals of 8 KiB; max_line = 1000.";
    let expected = summary(LINES as u64, 0);
    if let Some((nth, got)) = &conn.wrong_send {
        fail(
            &format!("{what}\nSend number {nth} was not one line, as it came."),
            &show(LINE),
            &show(got),
        );
    }
    if conn.counted != LINES || result != expected {
        fail(
            &format!("{what}\nEach line goes back once."),
            &format!("{LINES} echoes, then {}", show_result(&expected)),
            &format!("{} echoes, then {}", conn.counted, show_result(&result)),
        );
    }
    if peak > allowed {
        fail(
            &format!("{what}\nYour loop held on to more and more as the lines came, though each was short: a client that sends for long enough could make the server run out of memory."),
            &format!("at most {allowed} bytes allocated at once"),
            &format!("{peak} bytes allocated at once"),
        );
    }
}

#[test]
fn echo_lines_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your echo_lines runs.
    testkit::prints_nothing(
        "echo_lines",
        &[
            "each_line_comes_back_as_it_came",
            "every_line_too_long_is_refused_not_only_the_first",
            "an_error_from_reading_ends_the_loop_at_once",
        ],
    );
}
