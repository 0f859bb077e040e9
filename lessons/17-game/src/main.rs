//! Lesson 17: a game over UDP.
//!
//! An online game sends small datagrams many times a second and cares about the *latest*
//! state, not every state. Clients send their inputs, each with a sequence number; the server
//! keeps the world, applies an input only if it is newer than the last one it applied for that
//! player, and at every tick sends each known client a snapshot of the whole world. A lost
//! input costs one step; a late one is simply ignored; a lost snapshot is replaced by the next.
//!
//! The protocol (text, so that `nc -u` can play):
//!   client → server: `input <seq> <move>`   move = left | right | up | down | stay
//!   server → client: `snap <tick> ack=<seq> you=<name> p1=<x>,<y> p2=<x>,<y> ...`
//! where `ack` is the newest input the server applied for that client.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::error::describe;
use common::narrate::family;
use common::{show_bytes, Flag, Lesson, LessonError, Narrator, Options, Result};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

// The function this lesson is about lives in its own file, so that you can write it yourself:
// src/exercise.rs is yours (`cargo exercise lesson-17-game` checks it), src/solution.rs is ours.
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(all(feature = "wrong", not(feature = "exercise")), path = "wrong.rs")]
#[cfg_attr(
    not(any(feature = "exercise", feature = "wrong")),
    path = "solution.rs"
)]
mod task;
use task::apply;

static LESSON: Lesson = Lesson {
    package: "lesson-17-game",
    title: "a game over UDP: inputs with sequence numbers, a snapshot every tick",
    port: 7017,
    about: "Client to server, one datagram per input: b\"input <seq> <move>\" (move: left, right, up,\n\
            down, stay). The server applies an input only if its <seq> is newer than the last one it\n\
            applied for that client (older or repeated ones are ignored), and every tick (20 ms) sends\n\
            each client that has sent an input one datagram:\n\
            b\"snap <tick> ack=<newest applied seq> you=<name> p1=<x>,<y> p2=<x>,<y> ...\".\n\
            Anything else is ignored with a log line. The server runs until --ticks N ticks have\n\
            passed (default: for ever). The client sends its --moves, one per tick, then waits until\n\
            the server has applied its last input and prints where it stands.\n\
            Try it with: nc -u 127.0.0.1 7017   then type: input 1 right   (snapshots follow)",
    flags: &[
        Flag {
            name: "--ticks",
            value: Some("N"),
            help: "server: stop after N ticks (default 0: run for ever)",
        },
        Flag {
            name: "--moves",
            value: Some("LIST"),
            help: "client: the moves to send, e.g. right,right,up (default right,right,up,right)",
        },
        Flag {
            name: "--drop",
            value: Some("SEQ"),
            help: "client: do not send input SEQ (a simulated lost datagram)",
        },
    ],
};

/// One tick of the real server: 50 snapshots a second, as many games do.
const TICK: Duration = Duration::from_millis(20);
/// The longest datagram the protocol uses; anything longer is not ours.
const MAX_DATAGRAM: usize = 128;

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: protocol
/// One step of a player.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Left,
    Right,
    Up,
    Down,
    Stay,
}

impl Move {
    pub fn parse(word: &str) -> Option<Move> {
        Some(match word {
            "left" => Move::Left,
            "right" => Move::Right,
            "up" => Move::Up,
            "down" => Move::Down,
            "stay" => Move::Stay,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Move::Left => "left",
            Move::Right => "right",
            Move::Up => "up",
            Move::Down => "down",
            Move::Stay => "stay",
        }
    }

    /// How far the step moves a player: (dx, dy), with up as +y.
    pub fn delta(self) -> (i32, i32) {
        match self {
            Move::Left => (-1, 0),
            Move::Right => (1, 0),
            Move::Up => (0, 1),
            Move::Down => (0, -1),
            Move::Stay => (0, 0),
        }
    }
}

/// One input datagram: `input <seq> <move>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    pub seq: u32,
    pub step: Move,
}

impl Input {
    pub fn to_bytes(self) -> Vec<u8> {
        format!("input {} {}", self.seq, self.step.name()).into_bytes()
    }

    /// `None` for anything that is not exactly `input <seq> <move>` (a newline from nc is fine).
    pub fn parse(datagram: &[u8]) -> Option<Input> {
        let text = std::str::from_utf8(datagram).ok()?;
        let mut words = text.split_whitespace();
        let (Some("input"), Some(seq), Some(step), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return None;
        };
        Some(Input {
            seq: seq.parse().ok()?,
            step: Move::parse(step)?,
        })
    }
}

/// What the server knows about one client: where it is, and the newest input it applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Player {
    pub name: String,
    pub addr: SocketAddr,
    pub x: i32,
    pub y: i32,
    /// The sequence number of the newest input applied, `None` before the first.
    pub last_seq: Option<u32>,
}

/// What the server did with an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Applied,
    /// Not newer than `newest`, the last input applied: late, or a duplicate.
    Ignored {
        newest: u32,
    },
}
// ANCHOR_END: protocol

// ANCHOR: world
/// The server's whole state: the players, and the tick counter.
#[derive(Default)]
struct World {
    players: Vec<Player>,
    tick: u64,
    /// Did anything change since the last snapshot? (The real server narrates only then.)
    changed: bool,
}

impl World {
    /// Handle one datagram from `from`; say what became of it. Never fails: a bad datagram
    /// is one stranger's problem, not a reason to stop the game for everyone.
    fn handle(&mut self, datagram: &[u8], from: SocketAddr, say: &Narrator) {
        let Some(input) = Input::parse(datagram) else {
            say.note(format!(
                "ignored {} bytes from {from}: not `input <seq> <move>`",
                datagram.len()
            ));
            return;
        };
        // A client is known by its address: the first valid input makes it a player.
        let index = match self.players.iter().position(|p| p.addr == from) {
            Some(i) => i,
            None => {
                let name = format!("p{}", self.players.len() + 1);
                say.note(format!("new player {name} at {from}"));
                self.players.push(Player {
                    name,
                    addr: from,
                    x: 0,
                    y: 0,
                    last_seq: None,
                });
                self.players.len() - 1
            }
        };
        let player = &mut self.players[index];
        match apply(player, &input) {
            Verdict::Applied => {
                self.changed = true;
                say.note(format!(
                    "{} input {} {}: applied, now at {},{}",
                    player.name,
                    input.seq,
                    input.step.name(),
                    player.x,
                    player.y
                ));
            }
            Verdict::Ignored { newest } => say.note(format!(
                "{} input {} {}: ignored, not newer than {newest}",
                player.name,
                input.seq,
                input.step.name()
            )),
        }
    }

    /// The snapshot for one player: the whole world, and what we applied of theirs.
    fn snapshot_for(&self, player: &Player) -> Vec<u8> {
        let mut text = format!(
            "snap {} ack={} you={}",
            self.tick,
            player.last_seq.unwrap_or(0),
            player.name
        );
        for p in &self.players {
            text.push_str(&format!(" {}={},{}", p.name, p.x, p.y));
        }
        text.into_bytes()
    }
}
// ANCHOR_END: world

// ANCHOR: server_calls
/// socket() and bind(): a game server needs nothing more.
fn open_server(addr: SocketAddr, say: &Narrator) -> Result<(UdpSocket, SocketAddr)> {
    let socket = new_socket(addr, say)?;
    say.next(format!("bind({addr})"), "the address players send to");
    socket
        .bind(&SockAddr::from(addr))
        .map_err(|e| say.fail(e))?;
    let bound = socket
        .local_addr()
        .map_err(|e| say.fail(e))?
        .as_socket()
        .ok_or_else(|| say.protocol_error("not an IP address"))?;
    say.done(format!("ok, bound to {bound}"));
    Ok((UdpSocket::from(socket), bound))
}

fn new_socket(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    say.next(
        format!("socket({}, SOCK_DGRAM)", family(&addr)),
        "make a datagram socket",
    );
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))
        .map_err(|e| say.fail(e))?;
    say.done("ok");
    Ok(socket)
}

/// Receive one datagram and let the world handle it. `Ok(false)`: the read timeout ran out
/// (the tick is over).
fn receive(socket: &UdpSocket, world: &mut World, say: &Narrator) -> Result<bool> {
    let mut buf = [0u8; MAX_DATAGRAM + 1];
    say.next("recv_from()", "the next datagram from any player");
    let (n, from) = match socket.recv_from(&mut buf) {
        Ok(got) => got,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            return Ok(false)
        }
        // Windows: an earlier snapshot to a player who left came back "port unreachable".
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(true),
        Err(e) => return Err(say.fail(e)),
    };
    say.done(format!("{n} bytes from {from}: {}", show_bytes(&buf[..n])));
    world.handle(&buf[..n], from, say);
    Ok(true)
}

/// The end of a tick: one snapshot to every known player. Nobody acknowledges a snapshot;
/// if one is lost, the next tick's replaces it.
fn broadcast(socket: &UdpSocket, world: &mut World, say: &Narrator, quiet: bool) -> Result<()> {
    world.tick += 1;
    for player in &world.players {
        let snapshot = world.snapshot_for(player);
        say.next(
            format!("send_to({}, {})", player.addr, show_bytes(&snapshot)),
            "this tick's snapshot",
        );
        match socket.send_to(&snapshot, player.addr) {
            Ok(n) if !quiet => say.done(format!("{n} bytes")),
            Ok(_) => {}
            // A player that went away: its snapshots fail or vanish; the game goes on.
            Err(e) => say.done(format!("error: {}", describe(&e))),
        }
    }
    world.changed = false;
    Ok(())
}
// ANCHOR_END: server_calls

// ANCHOR: client_side
/// A player's side: its socket, and the newest snapshot it has seen.
struct Client {
    socket: UdpSocket,
    say: Narrator,
    server: SocketAddr,
    /// The tick of the newest snapshot applied: older ones are ignored.
    newest_tick: Option<u64>,
    /// The newest snapshot, as text.
    latest: Option<String>,
}

impl Client {
    /// socket(), and a read timeout so that waiting for a snapshot never hangs.
    fn open(server: SocketAddr, timeout: Duration, say: Narrator) -> Result<Client> {
        let socket = UdpSocket::from(new_socket(server, &say)?);
        socket
            .set_read_timeout(Some(timeout))
            .map_err(|e| say.fail(e))?;
        Ok(Client {
            socket,
            say,
            server,
            newest_tick: None,
            latest: None,
        })
    }

    /// Send one input: one datagram, no answer expected.
    fn send(&self, input: Input) -> Result<()> {
        let bytes = input.to_bytes();
        self.say.next(
            format!("send_to({}, {})", self.server, show_bytes(&bytes)),
            "send this tick's input",
        );
        let n = self
            .socket
            .send_to(&bytes, self.server)
            .map_err(|e| self.say.fail(e))?;
        self.say.done(format!("{n} bytes"));
        Ok(())
    }

    /// Pretend to send, for the demo's broken network: say what happened to the datagram.
    fn lose(&self, input: Input, fate: &str) {
        let bytes = input.to_bytes();
        self.say.next(
            format!("send_to({}, {})", self.server, show_bytes(&bytes)),
            "send this tick's input",
        );
        self.say
            .done(format!("{} bytes — {fate} (simulated)", bytes.len()));
    }

    /// Receive one snapshot; keep it only if it is newer than the newest one seen.
    /// `Ok(false)`: nothing came within the read timeout.
    fn receive(&mut self) -> Result<bool> {
        let mut buf = [0u8; 1500];
        self.say.next("recv_from()", "this tick's snapshot");
        let (n, from) = match self.socket.recv_from(&mut buf) {
            Ok(got) => got,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(false)
            }
            Err(e) => return Err(self.say.fail(e)),
        };
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        self.say
            .done(format!("{n} bytes: {}", show_bytes(&buf[..n])));
        let tick = text
            .strip_prefix("snap ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|t| t.parse::<u64>().ok());
        match tick {
            _ if from != self.server => self.say.note("not from the server: ignored"),
            None => self.say.note("not a snapshot: ignored"),
            Some(t) if self.newest_tick.is_some_and(|newest| t <= newest) => {
                self.say.note(format!("snapshot {t} is old news: ignored"))
            }
            Some(t) => {
                self.newest_tick = Some(t);
                self.latest = Some(text);
            }
        }
        Ok(true)
    }

    /// The `ack=` of the newest snapshot: the newest input the server applied for us.
    fn acked(&self) -> Option<u32> {
        field(self.latest.as_deref()?, "ack=")?.parse().ok()
    }

    /// Where the newest snapshot says we are: `(name, "x,y")`.
    fn position(&self) -> Option<(String, String)> {
        let snap = self.latest.as_deref()?;
        let me = field(snap, "you=")?;
        let at = field(snap, &format!("{me}="))?;
        Some((me.to_string(), at.to_string()))
    }
}

/// The value of `key` (e.g. `ack=`) in a snapshot.
fn field<'a>(snapshot: &'a str, key: &str) -> Option<&'a str> {
    snapshot.split(' ').find_map(|w| w.strip_prefix(key))
}
// ANCHOR_END: client_side

// ANCHOR: demo
/// Two players and a server in one thread, four ticks driven by a counter, and a network
/// that misbehaves on purpose: alice's input 2 is late, bob's input 3 is lost, alice's
/// input 4 arrives twice, and a stranger sends garbage. Each datagram is received right
/// after it is sent, so the output is the same on every run.
fn demo(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let (server, addr) = open_server(opts.addr, &say)?;
    opts.ready(addr);
    // The demo never waits long: everything it receives was sent just before.
    let wait = Duration::from_secs(2);
    server
        .set_read_timeout(Some(wait))
        .map_err(|e| say.fail(e))?;
    let mut world = World::default();
    let mut alice = Client::open(addr, wait, opts.narrator("alice"))?;
    let mut bob = Client::open(addr, wait, opts.narrator("bob"))?;
    let input = |seq, step| Input { seq, step };

    // Tick 1: both inputs arrive.
    alice.send(input(1, Move::Right))?;
    receive(&server, &mut world, &say)?;
    bob.send(input(1, Move::Left))?;
    receive(&server, &mut world, &say)?;
    end_of_tick(&server, &mut world, &say, &mut [&mut alice, &mut bob])?;

    // Tick 2: alice's input is held up on the way.
    alice.lose(
        input(2, Move::Right),
        "delayed: it arrives next tick, after input 3",
    );
    bob.send(input(2, Move::Up))?;
    receive(&server, &mut world, &say)?;
    end_of_tick(&server, &mut world, &say, &mut [&mut alice, &mut bob])?;

    // Tick 3: alice's input 3, then her late input 2; bob's input is lost; garbage.
    alice.send(input(3, Move::Up))?;
    receive(&server, &mut world, &say)?;
    alice.say.note("her delayed input 2 arrives only now:");
    alice.send(input(2, Move::Right))?;
    receive(&server, &mut world, &say)?;
    bob.lose(input(3, Move::Up), "lost on the way");
    let stranger = opts.narrator("other");
    stranger.note("a stranger's socket sends garbage to the server:");
    let garbage = UdpSocket::from(new_socket(addr, &stranger)?);
    stranger.next(format!("send_to({addr}, b\"\\xff\\x00hello?\")"), "garbage");
    garbage
        .send_to(b"\xff\x00hello?", addr)
        .map_err(|e| stranger.fail(e))?;
    stranger.done("8 bytes");
    receive(&server, &mut world, &say)?;
    end_of_tick(&server, &mut world, &say, &mut [&mut alice, &mut bob])?;

    // Tick 4: alice's input arrives twice (networks can duplicate datagrams).
    alice.send(input(4, Move::Right))?;
    receive(&server, &mut world, &say)?;
    alice
        .say
        .note("the network delivers that datagram twice (simulated by sending it again):");
    alice.send(input(4, Move::Right))?;
    receive(&server, &mut world, &say)?;
    bob.send(input(4, Move::Left))?;
    receive(&server, &mut world, &say)?;
    end_of_tick(&server, &mut world, &say, &mut [&mut alice, &mut bob])?;

    for client in [&alice, &bob] {
        if let Some((me, at)) = client.position() {
            client
                .say
                .note(format!("the server says: I am {me}, at {at}"));
        }
    }
    Ok(())
}

/// Tick over: the server sends each player a snapshot, and each player reads it.
fn end_of_tick(
    server: &UdpSocket,
    world: &mut World,
    say: &Narrator,
    clients: &mut [&mut Client],
) -> Result<()> {
    say.note(format!(
        "end of tick {}: a snapshot to each player",
        world.tick + 1
    ));
    broadcast(server, world, say, false)?;
    for client in clients.iter_mut() {
        if !client.receive()? {
            return Err(client.say.protocol_error("no snapshot arrived"));
        }
    }
    Ok(())
}
// ANCHOR_END: demo

// ANCHOR: server
/// The real server: every tick, take the datagrams that arrive until the tick's end, then
/// send the snapshots. Time drives the ticks here; the demo drives them by a counter.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let ticks: u64 = opts.value("--ticks", 0)?;
    let (socket, addr) = open_server(opts.addr, &say)?;
    opts.ready(addr);
    let mut world = World::default();
    let start = Instant::now();
    while ticks == 0 || world.tick < ticks {
        let end = start + TICK * (world.tick as u32 + 1);
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            // The read timeout is what is left of this tick.
            socket
                .set_read_timeout(Some(left))
                .map_err(|e| say.fail(e))?;
            if !receive(&socket, &mut world, &say)? {
                break;
            }
        }
        // Fifty snapshots a second would drown the narration: show the ticks where something
        // changed; the others are sent all the same.
        let quiet = !world.changed;
        broadcast(&socket, &mut world, &say, quiet)?;
    }
    say.note(format!("{} ticks: stopping", world.tick));
    Ok(())
}
// ANCHOR_END: server

// ANCHOR: client
/// Send one input per tick, then wait until the server has applied the last one.
fn client(opts: &Options) -> Result<()> {
    let say = opts.narrator("client");
    let moves: String = opts.value("--moves", "right,right,up,right".to_string())?;
    let drop: u32 = opts.value("--drop", 0)?;
    let steps = moves
        .split(',')
        .map(|w| Move::parse(w.trim()))
        .collect::<Option<Vec<_>>>()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            LessonError::protocol(
                "command line",
                format!("--moves {moves}: not a list of left, right, up, down, stay"),
            )
        })?;
    let mut me = Client::open(opts.addr, TICK, say)?;
    let mut last = None;
    for (i, step) in steps.iter().enumerate() {
        let input = Input {
            seq: i as u32 + 1,
            step: *step,
        };
        if input.seq == drop {
            me.lose(input, "lost on the way");
        } else {
            me.send(input)?;
            last = Some(input);
        }
        me.receive()?;
    }
    let Some(last) = last else {
        return Err(me.say.protocol_error("every input was dropped"));
    };
    // Wait for the snapshot that acknowledges our last input. If it does not come, our
    // input may be lost: send it again (the server ignores it if it has it already).
    for _ in 0..50 {
        if me.acked() >= Some(last.seq) {
            let (name, at) = me.position().unwrap_or_default();
            println!("final: I am {name}, at {at}");
            return Ok(());
        }
        if !me.receive()? {
            me.send(last)?;
        }
    }
    Err(me
        .say
        .protocol_error(format!("the server never acknowledged input {}", last.seq))
        .with_hint("is the server running? (start it with: cargo run -p lesson-17-game -- server)"))
}
// ANCHOR_END: client
