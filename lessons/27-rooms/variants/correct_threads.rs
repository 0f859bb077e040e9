// CORRECT, with threads instead of tasks: for each member, one thread reads its commands and
// another writes its queue out. The queue is a bounded VecDeque under a Mutex, with a
// Condvar to wait on; a reply keeps its place in it before the hub is locked.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io::{self, BufRead, BufReader, ErrorKind, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Instant;

use crate::Limits;

type Line = Arc<[u8]>;

pub fn serve(
    incoming: impl Iterator<Item = TcpStream> + Send + 'static,
    limits: Limits,
) -> io::Result<()> {
    let hub = Arc::new(Mutex::new(Hub::default()));
    for (id, stream) in (1..).zip(incoming) {
        // No thread or no descriptor for this one: it is closed, the others go on.
        let _ = welcome(stream, id, &hub, limits);
    }
    Ok(())
}

fn welcome(stream: TcpStream, id: u64, hub: &Arc<Mutex<Hub>>, limits: Limits) -> io::Result<()> {
    let queue = Arc::new(Queue {
        state: Mutex::new(State::default()),
        changed: Condvar::new(),
        most: limits.queue,
    });
    let member = Member {
        nick: None,
        rooms: BTreeSet::new(),
        queue: queue.clone(),
        socket: stream.try_clone()?,
    };
    let writing = stream.try_clone()?;
    hub.lock().unwrap().members.insert(id, member);
    let (q, h) = (queue.clone(), hub.clone());
    let started = thread::Builder::new()
        .spawn(move || write_out(writing, q))
        .and_then(|_| thread::Builder::new().spawn(move || read_commands(id, stream, queue, h, limits)));
    if started.is_err() {
        hub.lock().unwrap().leave(id);
    }
    started.map(|_| ())
}

fn write_out(mut socket: TcpStream, queue: Arc<Queue>) {
    while let Some(line) = queue.take() {
        if socket.write_all(&line).is_err() {
            queue.close(true);
            return;
        }
    }
    let _ = socket.shutdown(Shutdown::Write);
}

fn read_commands(id: u64, stream: TcpStream, queue: Arc<Queue>, hub: Arc<Mutex<Hub>>, limits: Limits) {
    let mut socket = BufReader::new(stream);
    loop {
        let line = next_line(&mut socket, &limits);
        if !queue.reserve() {
            break;
        }
        match line {
            Ok(Some(line)) => {
                if hub.lock().unwrap().command(id, &line, &queue) {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::InvalidData => {
                queue.put_reserved(Arc::from(&b"ERR line too long\n"[..]));
                break;
            }
            _ => break,
        }
    }
    hub.lock().unwrap().leave(id);
}

fn next_line(socket: &mut BufReader<TcpStream>, limits: &Limits) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let mut deadline: Option<Instant> = None;
    loop {
        let wait = match deadline {
            None => None,
            Some(at) => match at.saturating_duration_since(Instant::now()) {
                left if left.is_zero() => return Err(ErrorKind::TimedOut.into()),
                left => Some(left),
            },
        };
        socket.get_ref().set_read_timeout(wait)?;
        let bytes = match socket.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Err(ErrorKind::TimedOut.into()),
            Err(e) => return Err(e),
        };
        if bytes.is_empty() {
            return match line.is_empty() {
                true => Ok(None),
                false => Err(ErrorKind::UnexpectedEof.into()),
            };
        }
        let room = limits.max_line - line.len();
        let take = match bytes.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1).min(room),
            None => bytes.len().min(room),
        };
        line.extend_from_slice(&bytes[..take]);
        socket.consume(take);
        if line.last() == Some(&b'\n') {
            line.truncate(line.len() - 1);
            return Ok(Some(line));
        }
        if line.len() >= limits.max_line {
            return Err(ErrorKind::InvalidData.into());
        }
        if deadline.is_none() {
            deadline = Some(Instant::now() + limits.line_wait);
        }
    }
}

/// One member's outgoing lines: at most `most`, counting the places kept for replies.
struct Queue {
    state: Mutex<State>,
    changed: Condvar,
    most: usize,
}

#[derive(Default)]
struct State {
    lines: VecDeque<Line>,
    kept: usize,
    closed: bool,
}

impl Queue {
    /// Wait for room, and keep a place for a reply. False once the queue is closed.
    fn reserve(&self) -> bool {
        let mut state = self.state.lock().unwrap();
        while !state.closed && state.lines.len() + state.kept >= self.most {
            state = self.changed.wait(state).unwrap();
        }
        state.kept += 1;
        !state.closed
    }

    fn put_reserved(&self, line: Line) {
        let mut state = self.state.lock().unwrap();
        state.kept = state.kept.saturating_sub(1);
        state.lines.push_back(line);
        self.changed.notify_all();
    }

    /// Without waiting: false if full. (A closed queue takes it and forgets it.)
    fn try_put(&self, line: Line) -> bool {
        let mut state = self.state.lock().unwrap();
        if state.closed {
            return true;
        }
        if state.lines.len() + state.kept >= self.most {
            return false;
        }
        state.lines.push_back(line);
        self.changed.notify_all();
        true
    }

    /// The next line to write; `None` once closed and empty.
    fn take(&self) -> Option<Line> {
        let mut state = self.state.lock().unwrap();
        while state.lines.is_empty() && !state.closed {
            state = self.changed.wait(state).unwrap();
        }
        let line = state.lines.pop_front();
        self.changed.notify_all();
        line
    }

    /// No more lines; `discard`: forget those not written yet.
    fn close(&self, discard: bool) {
        let mut state = self.state.lock().unwrap();
        state.closed = true;
        if discard {
            state.lines.clear();
        }
        self.changed.notify_all();
    }
}

/// Everyone, and every room, behind one Mutex: no method waits for anything while it holds
/// it (a full queue is not waited for: see `tell`).
#[derive(Default)]
struct Hub {
    members: HashMap<u64, Member>,
    /// Each room's members; a room exists while it has one.
    rooms: BTreeMap<Vec<u8>, BTreeSet<u64>>,
    /// Members whose queue was full when a line came for them: to be dropped.
    slow: Vec<u64>,
}

struct Member {
    nick: Option<Vec<u8>>,
    rooms: BTreeSet<Vec<u8>>,
    queue: Arc<Queue>,
    /// To cut it off at once if it is too slow.
    socket: TcpStream,
}

enum Command<'a> {
    Nick(&'a [u8]),
    Join(&'a [u8]),
    Part(&'a [u8]),
    Msg(&'a [u8], &'a [u8]),
    List,
    Quit,
}

/// A command of the right shape, or `None`: words separated by one space, none empty.
fn parse(line: &[u8]) -> Option<Command<'_>> {
    let words: Vec<&[u8]> = line.splitn(3, |&b| b == b' ').collect();
    if words.iter().any(|word| word.is_empty()) {
        return None;
    }
    Some(match words.as_slice() {
        [b"NICK", name] => Command::Nick(name),
        [b"JOIN", room] => Command::Join(room),
        [b"PART", room] => Command::Part(room),
        [b"MSG", room, text] => Command::Msg(room, text),
        [b"LIST"] => Command::List,
        [b"QUIT"] => Command::Quit,
        _ => return None,
    })
}

/// 1 to 16 ASCII letters, digits, `_` or `-`.
fn good_name(name: &[u8]) -> bool {
    (1..=16).contains(&name.len())
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn good_room(room: &[u8]) -> bool {
    room.first() == Some(&b'#') && good_name(&room[1..])
}

/// `WORDS…\n` as one line.
fn line(words: &[&[u8]]) -> Vec<u8> {
    let mut line = words.join(&b' ');
    line.push(b'\n');
    line
}

impl Hub {
    /// Answer one command of member `id`: its events queued for the others first, then the
    /// reply in the slot kept for it. True for QUIT.
    fn command(&mut self, id: u64, request: &[u8], slot: &Queue) -> bool {
        let nick = self.members.get(&id).and_then(|m| m.nick.clone());
        let reply = match (parse(request), nick) {
            (None, _) => line_of(b"ERR bad command"),
            (Some(Command::Quit), _) => {
                slot.put_reserved(Arc::from(&b"OK bye\n"[..]));
                return true;
            }
            (Some(Command::Nick(name)), nick) => self.nick(id, name, nick.is_some()),
            (Some(_), None) => line_of(b"ERR no nick"),
            (Some(Command::Join(room)), Some(nick)) => self.join(id, &nick, room),
            (Some(Command::Part(room)), Some(nick)) => self.part(id, &nick, room),
            (Some(Command::Msg(room, text)), Some(nick)) => self.msg(id, &nick, room, text),
            (Some(Command::List), Some(_)) => {
                let mut rooms: Vec<&[u8]> = vec![b"ROOMS"];
                rooms.extend(self.rooms.keys().map(Vec::as_slice));
                line(&rooms)
            }
        };
        slot.put_reserved(reply.into());
        self.drop_the_slow();
        false
    }

    fn nick(&mut self, id: u64, name: &[u8], has_one: bool) -> Vec<u8> {
        if !good_name(name) {
            return line_of(b"ERR bad nick");
        }
        if has_one {
            return line_of(b"ERR nick already set");
        }
        if self.members.values().any(|m| m.nick.as_deref() == Some(name)) {
            return line_of(b"ERR nick taken");
        }
        if let Some(me) = self.members.get_mut(&id) {
            me.nick = Some(name.to_vec());
        }
        line(&[b"OK nick", name])
    }

    fn join(&mut self, id: u64, nick: &[u8], room: &[u8]) -> Vec<u8> {
        if !good_room(room) {
            return line_of(b"ERR bad room");
        }
        if self.rooms.get(room).is_some_and(|ids| ids.contains(&id)) {
            return line(&[b"ERR already in", room]);
        }
        // The members already there hear of it; the newcomer gets every line from now on.
        self.tell(room, id, line(&[b"JOIN", room, nick]));
        self.rooms.entry(room.to_vec()).or_default().insert(id);
        if let Some(me) = self.members.get_mut(&id) {
            me.rooms.insert(room.to_vec());
        }
        line(&[b"OK join", room])
    }

    fn part(&mut self, id: u64, nick: &[u8], room: &[u8]) -> Vec<u8> {
        if !good_room(room) {
            return line_of(b"ERR bad room");
        }
        if !self.rooms.get(room).is_some_and(|ids| ids.contains(&id)) {
            return line(&[b"ERR not in", room]);
        }
        self.out_of(id, nick, room);
        if let Some(me) = self.members.get_mut(&id) {
            me.rooms.remove(room);
        }
        line(&[b"OK part", room])
    }

    fn msg(&mut self, id: u64, nick: &[u8], room: &[u8], text: &[u8]) -> Vec<u8> {
        if !good_room(room) {
            return line_of(b"ERR bad room");
        }
        if !self.rooms.get(room).is_some_and(|ids| ids.contains(&id)) {
            return line(&[b"ERR not in", room]);
        }
        self.tell(room, id, line(&[b"MSG", room, nick, text]));
        line(&[b"OK msg", room])
    }

    /// Take `id` out of `room` (gone when empty) and tell the others it left.
    fn out_of(&mut self, id: u64, nick: &[u8], room: &[u8]) {
        if let Some(ids) = self.rooms.get_mut(room) {
            ids.remove(&id);
            if ids.is_empty() {
                self.rooms.remove(room);
            }
        }
        self.tell(room, id, line(&[b"PART", room, nick]));
    }

    /// Queue `line` for every member of `room` but `from`. Never waits: a member whose queue
    /// is full is noted as too slow, and dropped once this command is done.
    fn tell(&mut self, room: &[u8], from: u64, line: Vec<u8>) {
        let line: Line = line.into();
        let ids = self.rooms.get(room).into_iter().flatten();
        for id in ids.filter(|&&id| id != from) {
            let Some(member) = self.members.get(id) else {
                continue;
            };
            if !member.queue.try_put(line.clone()) {
                self.slow.push(*id);
            }
        }
    }

    /// Member `id` is gone: out of every room, the others told, its nick free. Its queue
    /// closes, so its writing thread ends once it has written what is left.
    fn leave(&mut self, id: u64) {
        self.remove(id);
        self.drop_the_slow();
    }

    fn remove(&mut self, id: u64) {
        if let Some(member) = self.members.remove(&id) {
            member.queue.close(false);
            let nick = member.nick.unwrap_or_default();
            for room in &member.rooms {
                self.out_of(id, &nick, room);
            }
        }
    }

    /// Drop every member found too slow (and those found too slow while telling the rooms
    /// that they left): its connection is cut at once, its queue never written out.
    fn drop_the_slow(&mut self) {
        while let Some(id) = self.slow.pop() {
            if let Some(member) = self.members.get(&id) {
                member.queue.close(true);
                let _ = member.socket.shutdown(Shutdown::Both);
                self.remove(id);
            }
        }
    }
}

fn line_of(text: &[u8]) -> Vec<u8> {
    line(&[text])
}
