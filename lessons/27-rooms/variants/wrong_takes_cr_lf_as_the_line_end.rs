// WRONG: takes "\r\n" for the end of a line (trims the \r, as a line reader for telnet
// would): the spec says a \r is a byte like any other, so "NICK bob\r" is a bad nick, not
// bob. Otherwise a server with a reader and a writer thread per member, and a bounded
// queue (sync_channel) for each.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[allow(unused_imports)]
use crate::Limits;

enum Out {
    Line(Vec<u8>),
    Close,
}

struct Member {
    nick: Option<String>,
    rooms: BTreeSet<String>,
    tx: SyncSender<Out>,
    sock: TcpStream,
}

#[derive(Default)]
struct State {
    members: HashMap<u64, Member>,
}

type Shared = Arc<Mutex<State>>;

pub fn serve(
    incoming: impl Iterator<Item = TcpStream> + Send + 'static,
    limits: Limits,
) -> io::Result<()> {
    let state: Shared = Arc::default();
    for (id, sock) in (0u64..).zip(incoming) {
        let (tx, rx) = sync_channel(limits.queue);
        let (Ok(for_state), Ok(for_writer)) = (sock.try_clone(), sock.try_clone()) else {
            continue;
        };
        state.lock().unwrap().members.insert(
            id,
            Member {
                nick: None,
                rooms: BTreeSet::new(),
                tx: tx.clone(),
                sock: for_state,
            },
        );
        std::thread::spawn(move || writer(for_writer, rx));
        let state = state.clone();
        std::thread::spawn(move || {
            reader(id, sock, tx, &state, limits);
        });
    }
    Ok(())
}

fn writer(mut sock: TcpStream, rx: Receiver<Out>) {
    while let Ok(out) = rx.recv() {
        match out {
            Out::Line(line) => {
                if sock.write_all(&line).is_err() {
                    return;
                }
            }
            Out::Close => {
                let _ = sock.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

enum Got {
    Line(Vec<u8>),
    TooLong,
    Gone,
}

fn next_line(
    sock: &mut TcpStream,
    pending: &mut Vec<u8>,
    started: &mut Option<Instant>,
    limits: &Limits,
) -> Got {
    loop {
        if let Some(pos) = pending.iter().position(|&b| b == b'\n') {
            if pos + 1 > limits.max_line {
                return Got::TooLong;
            }
            let line = pending.drain(..=pos).collect::<Vec<u8>>();
            *started = if pending.is_empty() {
                None
            } else {
                Some(Instant::now())
            };
            let end = if line.len() >= 2 && line[line.len() - 2] == b'\r' {
                line.len() - 2
            } else {
                line.len() - 1
            };
            return Got::Line(line[..end].to_vec());
        }
        if pending.len() >= limits.max_line {
            return Got::TooLong;
        }
        let wait = match started {
            None => None,
            Some(t) => match limits.line_wait.checked_sub(t.elapsed()) {
                Some(left) if !left.is_zero() => Some(left),
                _ => return Got::Gone,
            },
        };
        if sock.set_read_timeout(wait).is_err() {
            return Got::Gone;
        }
        let mut buf = [0u8; 4096];
        match sock.read(&mut buf) {
            Ok(0) => return Got::Gone,
            Ok(n) => {
                if started.is_none() {
                    *started = Some(Instant::now());
                }
                pending.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Got::Gone,
        }
    }
}

fn reader(id: u64, mut sock: TcpStream, tx: SyncSender<Out>, state: &Shared, limits: Limits) {
    let mut pending = Vec::new();
    let mut started = None;
    loop {
        match next_line(&mut sock, &mut pending, &mut started, &limits) {
            Got::Line(line) => {
                let (reply, quit) = handle(id, &line, state);
                if tx.send(Out::Line(reply)).is_err() {
                    break;
                }
                if quit {
                    break;
                }
            }
            Got::TooLong => {
                let _ = tx.send(Out::Line(b"ERR line too long\n".to_vec()));
                break;
            }
            Got::Gone => break,
        }
    }
    leave(id, state);
    let _ = tx.send(Out::Close);
}

/// Take member `id` out (and any member dropped on the way): PARTs to the others.
fn leave(id: u64, state: &Shared) {
    let mut st = state.lock().unwrap();
    let mut going = vec![id];
    while let Some(id) = going.pop() {
        let Some(m) = st.members.remove(&id) else {
            continue;
        };
        let nick = m.nick.clone().unwrap_or_default();
        for room in &m.rooms {
            let event = format!("PART {room} {nick}\n").into_bytes();
            going.extend(deliver(&st, room, id, &event));
        }
    }
}

/// Queue `event` for every member of `room` but `from`; the ids of those whose queue was full
/// (their sockets are shut down here).
fn deliver(st: &State, room: &str, from: u64, event: &[u8]) -> Vec<u64> {
    let mut full = Vec::new();
    for (&id, m) in &st.members {
        if id == from || !m.rooms.contains(room) {
            continue;
        }
        match m.tx.try_send(Out::Line(event.to_vec())) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                let _ = m.sock.shutdown(Shutdown::Both);
                full.push(id);
            }
        }
    }
    full
}

fn valid(name: &[u8]) -> bool {
    (1..=16).contains(&name.len())
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn room_ok(room: &[u8]) -> bool {
    room.first() == Some(&b'#') && valid(&room[1..])
}

fn handle(id: u64, line: &[u8], state: &Shared) -> (Vec<u8>, bool) {
    let words: Vec<&[u8]> = line.splitn(3, |&b| b == b' ').collect();
    let err = |s: &str| (format!("ERR {s}\n").into_bytes(), false);
    let cmd = words[0];
    let shape_ok = match cmd {
        b"NICK" | b"JOIN" | b"PART" => words.len() == 2 && !words[1].is_empty(),
        b"MSG" => words.len() == 3 && !words[1].is_empty() && !words[2].is_empty(),
        b"LIST" | b"QUIT" => words.len() == 1,
        _ => false,
    };
    if !shape_ok {
        return err("bad command");
    }
    if cmd == b"QUIT" {
        return (b"OK bye\n".to_vec(), true);
    }
    let mut st = state.lock().unwrap();
    let Some(me) = st.members.get(&id) else {
        return err("bad command");
    };
    if cmd != b"NICK" && me.nick.is_none() {
        return err("no nick");
    }
    let arg = words.get(1).copied().unwrap_or_default();
    let text = String::from_utf8_lossy(arg).into_owned();
    match cmd {
        b"NICK" => {
            if !valid(arg) {
                return err("bad nick");
            }
            if me.nick.is_some() {
                return err("nick already set");
            }
            if st
                .members
                .values()
                .any(|m| m.nick.as_deref() == Some(&text))
            {
                return err("nick taken");
            }
            st.members.get_mut(&id).unwrap().nick = Some(text.clone());
            (format!("OK nick {text}\n").into_bytes(), false)
        }
        b"LIST" => {
            let rooms: BTreeSet<&String> = st.members.values().flat_map(|m| &m.rooms).collect();
            let mut reply = b"ROOMS".to_vec();
            for r in rooms {
                reply.push(b' ');
                reply.extend_from_slice(r.as_bytes());
            }
            reply.push(b'\n');
            (reply, false)
        }
        _ => {
            if !room_ok(arg) {
                return err("bad room");
            }
            let nick = me.nick.clone().unwrap();
            let inside = me.rooms.contains(&text);
            let (event, reply) = match cmd {
                b"JOIN" if inside => return err(&format!("already in {text}")),
                b"JOIN" => (
                    format!("JOIN {text} {nick}\n").into_bytes(),
                    format!("OK join {text}\n"),
                ),
                _ if !inside => return err(&format!("not in {text}")),
                b"PART" => (
                    format!("PART {text} {nick}\n").into_bytes(),
                    format!("OK part {text}\n"),
                ),
                _ => {
                    let mut e = format!("MSG {text} {nick} ").into_bytes();
                    e.extend_from_slice(words[2]);
                    e.push(b'\n');
                    (e, format!("OK msg {text}\n"))
                }
            };
            let dropped = deliver(&st, &text, id, &event);
            let me = st.members.get_mut(&id).unwrap();
            match cmd {
                b"JOIN" => {
                    me.rooms.insert(text);
                }
                b"PART" => {
                    me.rooms.remove(&text);
                }
                _ => {}
            }
            drop(st);
            for gone in dropped {
                leave(gone, state);
            }
            (reply.into_bytes(), false)
        }
    }
}
