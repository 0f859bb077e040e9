// WRONG: a member's queue holds limits.queue + 1 lines before it counts as too slow (the channel is made one too large): a member that stopped reading is dropped one line late
// (Otherwise the reference solution.)

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{self, ErrorKind};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc::{self, error::TrySendError, Permit};
use tokio::task::AbortHandle;
use tokio::time::{timeout_at, Instant};

use crate::Limits;

// ANCHOR: solution
/// A line for a member, shared by every member it goes to.
type Line = Arc<[u8]>;

/// Serve every connection `incoming` brings, on one thread with tokio, until it ends.
pub fn serve(
    incoming: impl Iterator<Item = TcpStream> + Send + 'static,
    limits: Limits,
) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // `incoming` blocks in accept(): it runs on a thread of its own and hands over each
    // connection through a channel.
    let (handover, mut accepted) = mpsc::channel::<TcpStream>(16);
    std::thread::Builder::new().spawn(move || {
        for stream in incoming {
            if handover.blocking_send(stream).is_err() {
                return;
            }
        }
    })?;
    runtime.block_on(async {
        let hub = Arc::new(Mutex::new(Hub::default()));
        let mut id = 0;
        while let Some(stream) = accepted.recv().await {
            id += 1;
            // A connection that cannot be set up concerns that connection only.
            let _ = welcome(stream, id, &hub, limits);
        }
    });
    Ok(())
}

/// A new connection: its queue, a task that writes the queue out, a task that reads commands.
fn welcome(stream: TcpStream, id: u64, hub: &Arc<Mutex<Hub>>, limits: Limits) -> io::Result<()> {
    stream.set_nonblocking(true)?;
    let (reader, writer) = tokio::net::TcpStream::from_std(stream)?.into_split();
    let (queue, lines) = mpsc::channel(limits.queue + 1);
    let writing = tokio::spawn(write_out(writer, lines));
    let reading = tokio::spawn(read_commands(
        id,
        reader,
        queue.clone(),
        hub.clone(),
        limits,
    ));
    // The reading task runs only once this function is done (one thread): it finds itself in.
    let tasks = [reading.abort_handle(), writing.abort_handle()];
    let member = Member {
        nick: None,
        rooms: BTreeSet::new(),
        queue,
        tasks,
    };
    hub.lock().unwrap().members.insert(id, member);
    Ok(())
}

/// Write the member's lines, in order, until the queue is closed and empty; then FIN.
async fn write_out(mut socket: OwnedWriteHalf, mut lines: mpsc::Receiver<Line>) {
    while let Some(line) = lines.recv().await {
        if socket.write_all(&line).await.is_err() {
            return;
        }
    }
    let _ = socket.shutdown().await;
}

/// Read one member's commands and answer each, until it leaves in any way; then take it out.
async fn read_commands(
    id: u64,
    socket: OwnedReadHalf,
    queue: mpsc::Sender<Line>,
    hub: Arc<Mutex<Hub>>,
    limits: Limits,
) {
    let mut socket = BufReader::new(socket);
    loop {
        let line = next_line(&mut socket, &limits).await;
        // Room in our own queue for the reply, before anything else: waiting for it slows
        // down this member alone (it does not read its replies).
        let Ok(slot) = queue.reserve().await else {
            break; // the writing task has ended: the client is gone
        };
        match line {
            Ok(Some(line)) => {
                if hub.lock().unwrap().command(id, &line, slot) {
                    break; // QUIT
                }
            }
            Err(e) if e.kind() == ErrorKind::InvalidData => {
                slot.send(Arc::from(&b"ERR line too long\n"[..]));
                break;
            }
            // End of stream, a reset, a line not finished in time: no reply.
            _ => break,
        }
    }
    hub.lock().unwrap().leave(id);
}

/// The next line, without its `\n`; `None` at end of stream between two lines. A line is at
/// most `max_line` bytes (`InvalidData`), takes at most `line_wait` from its first byte
/// (`TimedOut`), and is not a line if the stream ends in its middle (`UnexpectedEof`).
async fn next_line(
    socket: &mut BufReader<OwnedReadHalf>,
    limits: &Limits,
) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let mut deadline = None; // no limit between lines
    loop {
        let bytes = match deadline {
            None => socket.fill_buf().await?,
            Some(at) => match timeout_at(at, socket.fill_buf()).await {
                Ok(bytes) => bytes?,
                Err(_) => return Err(ErrorKind::TimedOut.into()),
            },
        };
        if bytes.is_empty() {
            return match line.is_empty() {
                true => Ok(None),
                false => Err(ErrorKind::UnexpectedEof.into()),
            };
        }
        // Up to the newline, and never more than the limit leaves room for.
        let end = bytes.iter().position(|&b| b == b'\n');
        let take = end.map_or(bytes.len(), |i| i + 1);
        let take = take.min(limits.max_line - line.len());
        line.extend_from_slice(&bytes[..take]);
        socket.consume(take);
        if line.ends_with(b"\n") {
            line.pop();
            return Ok(Some(line));
        }
        if line.len() == limits.max_line {
            return Err(ErrorKind::InvalidData.into());
        }
        deadline.get_or_insert_with(|| Instant::now() + limits.line_wait);
    }
}

/// Everyone, and every room. Behind a std Mutex, never held across an `.await`: every method
/// runs to its end without waiting for anything (a full queue is not waited for: see `tell`).
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
    queue: mpsc::Sender<Line>,
    /// Its reading and writing tasks, to cut it off at once if it is too slow.
    tasks: [AbortHandle; 2],
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
    fn command(&mut self, id: u64, request: &[u8], slot: Permit<'_, Line>) -> bool {
        let nick = self.members.get(&id).and_then(|m| m.nick.clone());
        let reply = match (parse(request), nick) {
            (None, _) => line_of(b"ERR bad command"),
            (Some(Command::Quit), _) => {
                slot.send(Arc::from(&b"OK bye\n"[..]));
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
        slot.send(reply.into());
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
        if self
            .members
            .values()
            .any(|m| m.nick.as_deref() == Some(name))
        {
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
            if let Err(TrySendError::Full(_)) = member.queue.try_send(line.clone()) {
                self.slow.push(*id);
            }
            // Closed: its writing task has ended; its reading task is about to leave.
        }
    }

    /// Member `id` is gone: out of every room, the others told, its nick free. Its queue
    /// closes, so its writing task ends once it has written what is left.
    fn leave(&mut self, id: u64) {
        self.remove(id);
        self.drop_the_slow();
    }

    fn remove(&mut self, id: u64) {
        if let Some(member) = self.members.remove(&id) {
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
                member.tasks.iter().for_each(AbortHandle::abort);
                self.remove(id);
            }
        }
    }
}

fn line_of(text: &[u8]) -> Vec<u8> {
    line(&[text])
}
// ANCHOR_END: solution
