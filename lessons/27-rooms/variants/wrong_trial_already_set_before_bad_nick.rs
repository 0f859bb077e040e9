// WRONG: a second NICK with a bad name gets ERR nick already set; the spec checks the name (ERR bad nick) first
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Instant;

#[allow(unused_imports)]
use crate::Limits;

struct Queue {
    lines: VecDeque<Vec<u8>>,
    reserved: usize,
    closed: bool,
    dropped: bool,
}

struct Member {
    id: u64,
    stream: TcpStream,
    q: Mutex<Queue>,
    cv: Condvar,
}

#[derive(Default)]
struct State {
    members: HashMap<u64, Arc<Member>>,
    nicks: HashMap<u64, String>,
    taken: BTreeSet<String>,
    rooms: BTreeMap<String, BTreeSet<u64>>,
    in_rooms: HashMap<u64, BTreeSet<String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl State {
    /// Queue an event for `to`; drop it when its queue is full. Returns false when dropped.
    fn event(&mut self, to: u64, line: Vec<u8>, cap: usize, work: &mut Vec<u64>) {
        let Some(m) = self.members.get(&to).cloned() else {
            return;
        };
        let mut q = lock(&m.q);
        if q.closed || q.dropped {
            return;
        }
        if q.lines.len() + q.reserved >= cap {
            q.dropped = true;
            q.lines.clear();
            drop(q);
            m.cv.notify_all();
            let _ = m.stream.shutdown(Shutdown::Both);
            work.push(to);
            return;
        }
        q.lines.push_back(line);
        drop(q);
        m.cv.notify_all();
    }

    /// Take `id` out of every room, telling the others, and out of the server.
    fn leave(&mut self, id: u64, cap: usize) {
        let mut work = vec![id];
        while let Some(id) = work.pop() {
            let Some(m) = self.members.remove(&id) else {
                continue;
            };
            let nick = self.nicks.remove(&id);
            if let Some(n) = &nick {
                self.taken.remove(n);
            }
            let rooms = self.in_rooms.remove(&id).unwrap_or_default();
            for room in rooms {
                let others: Vec<u64> = match self.rooms.get_mut(&room) {
                    Some(set) => {
                        set.remove(&id);
                        set.iter().copied().collect()
                    }
                    None => Vec::new(),
                };
                if others.is_empty() {
                    self.rooms.remove(&room);
                }
                let line = format!("PART {room} {}\n", nick.as_deref().unwrap_or(""));
                for o in others {
                    self.event(o, line.clone().into_bytes(), cap, &mut work);
                }
            }
            let mut q = lock(&m.q);
            q.closed = true;
            drop(q);
            m.cv.notify_all();
        }
    }
}

fn valid_name(b: &[u8]) -> bool {
    (1..=16).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
}

fn valid_room(b: &[u8]) -> bool {
    b.first() == Some(&b'#') && valid_name(&b[1..])
}

enum Cmd<'a> {
    Nick(&'a [u8]),
    Join(&'a [u8]),
    Part(&'a [u8]),
    Msg(&'a [u8], &'a [u8]),
    List,
    Quit,
}

fn word(r: Option<&[u8]>) -> Option<&[u8]> {
    let r = r?;
    if r.is_empty() || r.contains(&b' ') {
        None
    } else {
        Some(r)
    }
}

fn parse(line: &[u8]) -> Option<Cmd<'_>> {
    let (cmd, rest) = match line.iter().position(|&c| c == b' ') {
        Some(i) => (&line[..i], Some(&line[i + 1..])),
        None => (line, None),
    };
    match cmd {
        b"NICK" => Some(Cmd::Nick(word(rest)?)),
        b"JOIN" => Some(Cmd::Join(word(rest)?)),
        b"PART" => Some(Cmd::Part(word(rest)?)),
        b"LIST" if rest.is_none() => Some(Cmd::List),
        b"QUIT" if rest.is_none() => Some(Cmd::Quit),
        b"MSG" => {
            let rest = rest?;
            let i = rest.iter().position(|&c| c == b' ')?;
            let (room, text) = (&rest[..i], &rest[i + 1..]);
            if room.is_empty() || text.is_empty() {
                return None;
            }
            Some(Cmd::Msg(room, text))
        }
        _ => None,
    }
}

struct Server {
    state: Mutex<State>,
    limits: Limits,
}

impl Server {
    /// Run one command; returns the reply and whether to quit.
    fn command(&self, me: &Arc<Member>, line: &[u8]) -> (Vec<u8>, bool) {
        let cap = self.limits.queue;
        let Some(cmd) = parse(line) else {
            return (b"ERR bad command\n".to_vec(), false);
        };
        let mut st = lock(&self.state);
        let nick = st.nicks.get(&me.id).cloned();
        if nick.is_none() && !matches!(cmd, Cmd::Nick(_) | Cmd::Quit) {
            return (b"ERR no nick\n".to_vec(), false);
        }
        let mut work = Vec::new();
        let reply = match cmd {
            Cmd::Quit => return (b"OK bye\n".to_vec(), true),
            Cmd::List => {
                let mut s = b"ROOMS".to_vec();
                for r in st.rooms.keys() {
                    s.push(b' ');
                    s.extend_from_slice(r.as_bytes());
                }
                s.push(b'\n');
                s
            }
            Cmd::Nick(n) => {
                if nick.is_some() {
                    b"ERR nick already set\n".to_vec()
                } else if !valid_name(n) {
                    b"ERR bad nick\n".to_vec()
                } else {
                    let n = String::from_utf8_lossy(n).into_owned();
                    if st.taken.contains(&n) {
                        b"ERR nick taken\n".to_vec()
                    } else {
                        st.taken.insert(n.clone());
                        st.nicks.insert(me.id, n.clone());
                        format!("OK nick {n}\n").into_bytes()
                    }
                }
            }
            Cmd::Join(r) | Cmd::Part(r) | Cmd::Msg(r, _) if !valid_room(r) => {
                b"ERR bad room\n".to_vec()
            }
            Cmd::Join(r) => {
                let room = String::from_utf8_lossy(r).into_owned();
                let nick = nick.unwrap_or_default();
                let mine = st.in_rooms.entry(me.id).or_default();
                if mine.contains(&room) {
                    format!("ERR already in {room}\n").into_bytes()
                } else {
                    mine.insert(room.clone());
                    let others: Vec<u64> = st
                        .rooms
                        .get(&room)
                        .map(|s| s.iter().copied().collect())
                        .unwrap_or_default();
                    st.rooms.entry(room.clone()).or_default().insert(me.id);
                    let ev = format!("JOIN {room} {nick}\n").into_bytes();
                    for o in others {
                        st.event(o, ev.clone(), cap, &mut work);
                    }
                    format!("OK join {room}\n").into_bytes()
                }
            }
            Cmd::Part(r) => {
                let room = String::from_utf8_lossy(r).into_owned();
                let nick = nick.unwrap_or_default();
                let mine = st.in_rooms.entry(me.id).or_default();
                if !mine.remove(&room) {
                    format!("ERR not in {room}\n").into_bytes()
                } else {
                    let others: Vec<u64> = match st.rooms.get_mut(&room) {
                        Some(s) => {
                            s.remove(&me.id);
                            s.iter().copied().collect()
                        }
                        None => Vec::new(),
                    };
                    if others.is_empty() {
                        st.rooms.remove(&room);
                    }
                    let ev = format!("PART {room} {nick}\n").into_bytes();
                    for o in others {
                        st.event(o, ev.clone(), cap, &mut work);
                    }
                    format!("OK part {room}\n").into_bytes()
                }
            }
            Cmd::Msg(r, text) => {
                let room = String::from_utf8_lossy(r).into_owned();
                let nick = nick.unwrap_or_default();
                let inside = st.in_rooms.get(&me.id).is_some_and(|m| m.contains(&room));
                if !inside {
                    format!("ERR not in {room}\n").into_bytes()
                } else {
                    let others: Vec<u64> = st.rooms[&room]
                        .iter()
                        .copied()
                        .filter(|&o| o != me.id)
                        .collect();
                    let mut ev = format!("MSG {room} {nick} ").into_bytes();
                    ev.extend_from_slice(text);
                    ev.push(b'\n');
                    for o in others {
                        st.event(o, ev.clone(), cap, &mut work);
                    }
                    format!("OK msg {room}\n").into_bytes()
                }
            }
        };
        for id in work {
            st.leave(id, cap);
        }
        // The reply, in the slot reserved before the command was taken.
        let mut q = lock(&me.q);
        if q.reserved > 0 {
            q.reserved -= 1;
            if !q.dropped && !q.closed {
                q.lines.push_back(reply);
            }
        }
        drop(q);
        me.cv.notify_all();
        (Vec::new(), false)
    }

    /// Wait for a free slot in my own queue, and reserve it. False when I am gone.
    fn reserve(&self, me: &Member) -> bool {
        let mut q = lock(&me.q);
        loop {
            if q.dropped || q.closed {
                return false;
            }
            if q.lines.len() + q.reserved < self.limits.queue.max(1) {
                q.reserved += 1;
                return true;
            }
            q = me.cv.wait(q).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Queue a reply now (it was not put in by `command`), waiting for room.
    fn reply_late(&self, me: &Member, line: Vec<u8>) {
        let mut q = lock(&me.q);
        if q.reserved > 0 {
            q.reserved -= 1;
            if !q.dropped && !q.closed {
                q.lines.push_back(line);
            }
        }
        drop(q);
        me.cv.notify_all();
    }

    fn reader(&self, me: Arc<Member>) {
        let mut stream = match me.stream.try_clone() {
            Ok(s) => s,
            Err(_) => return,
        };
        let max = self.limits.max_line;
        let mut buf: Vec<u8> = Vec::new();
        let mut started: Option<Instant> = None;
        let mut chunk = [0u8; 4096];
        'outer: loop {
            // Every whole line in the buffer, first.
            while let Some(i) = buf.iter().position(|&c| c == b'\n') {
                if i + 1 > max {
                    break;
                }
                let line: Vec<u8> = buf.drain(..=i).collect();
                started = if buf.is_empty() {
                    None
                } else {
                    Some(Instant::now())
                };
                if !self.reserve(&me) {
                    break 'outer;
                }
                let (reply, quit) = self.command(&me, &line[..line.len() - 1]);
                if !reply.is_empty() {
                    self.reply_late(&me, reply);
                }
                if quit {
                    break 'outer;
                }
            }
            let too_long = match buf.iter().position(|&c| c == b'\n') {
                Some(i) => i + 1 > max,
                None => buf.len() >= max,
            };
            if too_long {
                if self.reserve(&me) {
                    self.reply_late(&me, b"ERR line too long\n".to_vec());
                }
                break;
            }
            let timeout = match started {
                None => None,
                Some(t) => match self.limits.line_wait.checked_sub(t.elapsed()) {
                    Some(d) if !d.is_zero() => Some(d),
                    _ => break,
                },
            };
            if stream.set_read_timeout(timeout).is_err() {
                break;
            }
            let room = (max - buf.len()).min(chunk.len());
            match stream.read(&mut chunk[..room]) {
                Ok(0) => break,
                Ok(n) => {
                    if buf.is_empty() {
                        started = Some(Instant::now());
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        lock(&self.state).leave(me.id, self.limits.queue);
    }
}

fn writer(me: Arc<Member>) {
    let mut stream = match me.stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    };
    loop {
        let line = {
            let mut q = lock(&me.q);
            loop {
                if q.dropped {
                    let _ = me.stream.shutdown(Shutdown::Both);
                    return;
                }
                if let Some(l) = q.lines.pop_front() {
                    break l;
                }
                if q.closed {
                    let _ = me.stream.shutdown(Shutdown::Both);
                    return;
                }
                q = me.cv.wait(q).unwrap_or_else(|e| e.into_inner());
            }
        };
        // A slot is free: a reader waiting for room may go on.
        me.cv.notify_all();
        if stream.write_all(&line).is_err() {
            let mut q = lock(&me.q);
            q.dropped = true;
            drop(q);
            me.cv.notify_all();
            let _ = me.stream.shutdown(Shutdown::Both);
            return;
        }
    }
}

// ANCHOR: exercise
/// Serve every connection that `incoming` brings (the lesson accepts them, one `next()` at a
/// time; it blocks until a client comes), all at once, as the spec in the chapter says, until
/// `incoming` ends. The sockets are blocking std ones: use them with threads, or hand them to
/// tokio (`set_nonblocking(true)`, then `tokio::net::TcpStream::from_std`).
///
/// The contract (what the battery tests, over the wire; the chapter's spec has the details):
/// - Lines end in `\n`. `NICK name` -> `OK nick name`; then `JOIN #room` -> `OK join #room`,
///   `PART #room` -> `OK part #room`, `MSG #room text` -> `OK msg #room`, `LIST` ->
///   `ROOMS #a #b`, `QUIT` -> `OK bye` and close. Errors: `ERR bad command`, `ERR bad nick`,
///   `ERR nick taken`, `ERR nick already set`, `ERR no nick`, `ERR bad room`,
///   `ERR not in #room`, `ERR already in #room`; the connection goes on.
/// - The other members of the room, and no one else, get `JOIN #room nick`,
///   `PART #room nick`, `MSG #room nick text`: in one order for all, each event queued for
///   every member before its sender's reply.
/// - `limits.queue` lines at most wait for a member. A line from another member that finds
///   the queue full drops that member at once (the others get its PARTs). Your own replies
///   wait for room instead. No member ever waits for another.
/// - A member that leaves in any way (QUIT, end of stream, a reset, a line over
///   `limits.max_line` -> `ERR line too long`, a line not done within `limits.line_wait` of
///   its first byte) leaves every room (the others get `PART #room nick`); its nick is free.
/// - Print nothing; never panic on what a client sends.
pub fn serve(
    incoming: impl Iterator<Item = TcpStream> + Send + 'static,
    limits: Limits,
) -> io::Result<()> {
    let server = Arc::new(Server {
        state: Mutex::new(State::default()),
        limits,
    });
    let mut next_id = 0u64;
    for stream in incoming {
        next_id += 1;
        let Ok(writer_side) = stream.try_clone() else {
            continue;
        };
        drop(writer_side);
        let me = Arc::new(Member {
            id: next_id,
            stream,
            q: Mutex::new(Queue {
                lines: VecDeque::new(),
                reserved: 0,
                closed: false,
                dropped: false,
            }),
            cv: Condvar::new(),
        });
        lock(&server.state).members.insert(me.id, me.clone());
        let w = me.clone();
        if thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || writer(w))
            .is_err()
        {
            lock(&server.state).leave(me.id, limits.queue);
            continue;
        }
        let s = server.clone();
        let r = me.clone();
        if thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || s.reader(r))
            .is_err()
        {
            lock(&server.state).leave(me.id, limits.queue);
        }
    }
    Ok(())
}
// ANCHOR_END: exercise
