//! Lesson 17: a game over UDP.
//!
//! An online game sends small datagrams many times a second and cares about the *latest*
//! state, not every state. Clients send their inputs, each with a sequence number; the server
//! keeps the world, applies an input only if it is newer than the last one it applied for that
//! player, and at every tick sends each known client a snapshot of the whole world. A lost
//! input costs one step; a late one is simply ignored; a lost snapshot is replaced by the next.
//!
//! The protocol (text, so that `nc -u` can play):
//!   client → server: `hello, may I play?`   (any datagram of 15 bytes or more starting `hello`)
//!   server → client: `cookie <8 hex digits>` (15 bytes: never more than the hello it answers)
//!   client → server: `join <cookie>`         (proves the client receives at its address)
//!   client → server: `input <seq> <move>`   move = left | right | up | down | stay
//!   server → client: `snap <tick> ack=<seq> you=<name> p1=<x>,<y> p2=<x>,<y> ...`
//!   server → client: `full`                  (to a join when 32 players are in the game)
//! where `ack` is the newest input the server applied for that client. A player the server
//! has not heard from for --expire ticks (default 250, 5 s) is dropped.

use std::hash::{BuildHasher, DefaultHasher, Hash, Hasher};
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use common::narrate::family;
use common::trace::Kind;
use common::{show_bytes, Flag, Lesson, LessonError, Narrator, Options, Result};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use lesson_17_game::{apply, Input, Move, Player, Request, Verdict};

static LESSON: Lesson = Lesson {
    package: "lesson-17-game",
    title: "a game over UDP: inputs with sequence numbers, a snapshot every tick",
    port: 7017,
    about: "To play, a client proves it receives at its address: b\"hello, may I play?\" (15 bytes or\n\
            more, starting with hello) -> b\"cookie <8 hex digits>\", then b\"join <cookie>\". The server\n\
            never answers an unproven address with more bytes than it sent, and takes 32 players at\n\
            most (b\"full\" to the 33rd). Then one datagram per input: b\"input <seq> <move>\" (move:\n\
            left, right, up, down, stay), applied only if <seq> is newer than the last one applied for\n\
            that player. Every tick (20 ms) each player gets one datagram of at most 1200 bytes:\n\
            b\"snap <tick> ack=<newest applied seq> you=<name> p1=<x>,<y> p2=<x>,<y> ...\".\n\
            A player not heard from for --expire ticks is dropped. Anything else is ignored with a\n\
            log line. The server runs until --ticks N ticks have passed (default: for ever).\n\
            The client joins, sends its --moves, one per tick, then waits until the server has\n\
            applied its last input and prints where it stands.\n\
            The demo with --strangers shows what the server does with peers that misbehave.\n\
            Try it with: nc -u 127.0.0.1 7017   then type: hello, may I play?   and: join <cookie>",
    flags: &[
        Flag {
            name: "--ticks",
            value: Some("N"),
            help: "server: stop after N ticks (default 0: run for ever)",
        },
        Flag {
            name: "--expire",
            value: Some("TICKS"),
            help: "server: drop a player not heard from for this many ticks (default 250: 5 s)",
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
        Flag {
            name: "--first",
            value: Some("SEQ"),
            help: "client: number the inputs from SEQ, round past 4294967295 to 0 (default 1)",
        },
        Flag {
            name: "--strangers",
            value: None,
            help: "demo: peers that misbehave (a forged hello, a short one, a wrong cookie, silence)",
        },
    ],
};

// ANCHOR: limits
/// One tick of the real server: 50 snapshots a second, as many games do.
const TICK: Duration = Duration::from_millis(20);
/// The longest datagram a client sends; anything longer is not ours.
const MAX_DATAGRAM: usize = 128;
/// The most players at once. With 32 players on the board, the longest snapshot possible is
/// 551 bytes (a test checks), well under `MAX_SNAPSHOT`.
pub const MAX_PLAYERS: usize = 32;
/// The longest snapshot the server may send, and so the longest a client accepts. 1200 bytes
/// fit in one packet on any path (IPv6 guarantees 1280 bytes, RFC 8200 §5, minus 48 bytes of
/// IPv6 and UDP headers): a snapshot is never fragmented (RFC 8085 §3.2).
pub const MAX_SNAPSHOT: usize = 1200;
/// The board: positions stay within -BOARD..=BOARD on each axis.
pub const BOARD: i32 = 1000;
/// A player not heard from for this many ticks (5 s) is dropped, and gets no more snapshots.
const EXPIRE_TICKS: u64 = 250;
/// The hello the lesson's client sends: 18 bytes, more than the 15-byte cookie it asks for.
const HELLO: &[u8] = b"hello, may I play?";
// ANCHOR_END: limits

fn main() -> ExitCode {
    common::cli::main(&LESSON, demo, server, client)
}

// ANCHOR: world
/// The server's whole state: the players, the tick counter, and the secret its cookies are
/// made with.
struct World {
    players: Vec<Player>,
    tick: u64,
    /// Drop a player not heard from for this many ticks.
    expire: u64,
    /// A random number only the server knows: without it, nobody can compute a cookie.
    secret: u64,
    /// Did anything change since the last snapshot? (The real server narrates only then.)
    changed: bool,
}

impl World {
    fn new(expire: u64, secret: u64) -> World {
        World {
            players: Vec::new(),
            tick: 0,
            expire,
            secret,
            changed: false,
        }
    }

    /// The cookie for `addr`: a keyed hash of the address, so the server stores nothing for
    /// an address that has only said hello (like TCP's SYN cookies). Only a client that
    /// receives at `addr` learns it.
    fn cookie(&self, addr: SocketAddr) -> u32 {
        let mut hasher = DefaultHasher::new();
        (self.secret, addr).hash(&mut hasher);
        hasher.finish() as u32
    }

    /// Handle one datagram from `from`; say what became of it, and return the answer to send
    /// at once, if any. Never fails: a bad datagram is one stranger's problem, not a reason to
    /// stop the game for everyone.
    fn handle(&mut self, datagram: &[u8], from: SocketAddr, say: &Narrator) -> Option<Vec<u8>> {
        let Some(request) = Request::parse(datagram) else {
            say.note(format!(
                "ignored {} bytes from {from}: not hello, join or input",
                datagram.len()
            ));
            return None;
        };
        let index = self.players.iter().position(|p| p.addr == from);
        if let Some(i) = index {
            // Any request from a player's address counts as a sign of life.
            self.players[i].heard = self.tick;
        }
        match (request, index) {
            (Request::Hello, _) => self.hello(datagram.len(), from, say),
            (Request::Join(cookie), None) => self.join(cookie, from, say),
            (Request::Join(_), Some(_)) => None, // a repeated join: already playing
            (Request::Input(_), None) => {
                say.note(format!(
                    "ignored an input from {from}: not a player (join first)"
                ));
                None
            }
            (Request::Input(input), Some(i)) => {
                self.play(i, &input, say);
                None
            }
        }
    }

    /// A hello of `len` bytes: the cookie for that address, if the answer is not larger.
    fn hello(&self, len: usize, from: SocketAddr, say: &Narrator) -> Option<Vec<u8>> {
        let answer = format!("cookie {:08x}", self.cookie(from)).into_bytes();
        // The source address may be forged: then this answer goes to someone who never
        // asked. Never send such an address more bytes than it sent (RFC 8085 §6), or
        // anyone could use this server to flood a third party.
        if answer.len() > len {
            say.note(format!(
                "ignored a {len}-byte hello from {from}: a {}-byte answer would be larger",
                answer.len()
            ));
            return None;
        }
        say.note(format!("hello from {from}: a cookie for that address"));
        Some(answer)
    }

    /// A join from an address that is not playing yet: a new player, if the cookie is the
    /// one sent to that address and there is room (else `full`).
    fn join(&mut self, cookie: u32, from: SocketAddr, say: &Narrator) -> Option<Vec<u8>> {
        if cookie != self.cookie(from) {
            say.note(format!("ignored a join from {from}: wrong cookie"));
            return None;
        }
        if self.players.len() >= MAX_PLAYERS {
            say.note(format!(
                "{from} may not join: {MAX_PLAYERS} players already"
            ));
            return Some(b"full".to_vec());
        }
        // Names are seat numbers: the first one free, so they never grow past p32.
        let seat = (1..).find(|n| self.players.iter().all(|p| p.name != format!("p{n}")));
        let name = format!("p{}", seat.unwrap_or(0));
        say.note(format!("new player {name} at {from}"));
        self.players.push(Player {
            name,
            addr: from,
            x: 0,
            y: 0,
            last_seq: None,
            heard: self.tick,
        });
        self.changed = true;
        None
    }

    /// Apply a player's input (or not: newest wins), and keep the player on the board.
    fn play(&mut self, index: usize, input: &Input, say: &Narrator) {
        let player = &mut self.players[index];
        match apply(player, input) {
            Verdict::Applied => {
                player.x = player.x.clamp(-BOARD, BOARD);
                player.y = player.y.clamp(-BOARD, BOARD);
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

    /// Drop the players not heard from for `expire` ticks: they get no more snapshots.
    fn expire(&mut self, say: &Narrator) {
        let (tick, expire) = (self.tick, self.expire);
        self.players.retain(|p| {
            let silent = tick - p.heard;
            if silent >= expire {
                say.note(format!(
                    "{} at {} expired: silent for {silent} ticks",
                    p.name, p.addr
                ));
            }
            silent < expire
        });
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
    let bind = || {
        socket.bind(&SockAddr::from(addr))?;
        let local = socket.local_addr()?.as_socket();
        local.ok_or_else(|| io::Error::other("not an IP address"))
    };
    let why = "the address players send to";
    let bound = say.call_then(format!("bind({addr})"), why, bind, |b| {
        format!("ok, bound to {b}")
    })?;
    Ok((UdpSocket::from(socket), bound))
}

fn new_socket(addr: SocketAddr, say: &Narrator) -> Result<Socket> {
    let call = format!("socket({}, SOCK_DGRAM)", family(&addr));
    say.call(call, "make a datagram socket", || {
        Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))
    })
}

/// `setsockopt(SO_RCVTIMEO)`: how long a receive waits. Not narrated (the demo sets it once
/// per socket, the real server at every wait); a failure still names the call.
fn set_read_timeout(socket: &UdpSocket, timeout: Duration) -> Result<()> {
    socket
        .set_read_timeout(Some(timeout))
        .map_err(|e| LessonError::io("setsockopt(SO_RCVTIMEO)", e, LESSON.package))
}

/// `send_to()`: one datagram, and its bytes in the trace. A failure is narrated and returned;
/// the server shrugs it off (a player that went away), a client stops.
fn send_datagram(
    socket: &UdpSocket,
    datagram: &[u8],
    to: SocketAddr,
    why: &str,
    say: &Narrator,
) -> Result<()> {
    let call = format!("send_to({to}, {})", show_bytes(datagram));
    let n = say.call(call, why, || socket.send_to(datagram, to))?;
    say.moved(Kind::Send, "send_to", &datagram[..n]);
    Ok(())
}

/// `recv_from`, asked again when a signal interrupts it. A receive with a timeout
/// (SO_RCVTIMEO) is not restarted after a signal: when the process is stopped and continued
/// (Ctrl-Z then `fg`, or `kill -STOP` then `kill -CONT`), Linux ends it with EINTR even
/// though no handler ran (signal(7)). Nothing was received: just ask again.
fn recv_from(socket: &UdpSocket, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
    loop {
        match socket.recv_from(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}

/// What one recv_from() on the server brought.
enum Got {
    Datagram(Vec<u8>, SocketAddr),
    /// Windows only: an earlier snapshot to a player who left came back "port unreachable",
    /// and the next receive reports it. Not the server's problem.
    Bounced,
}

impl Got {
    /// What the result line shows: `13 bytes from 127.0.0.1:40002: b"join c0de0001"`.
    fn shown(&self) -> String {
        match self {
            Got::Datagram(datagram, from) => {
                let n = datagram.len();
                format!("{n} bytes from {from}: {}", show_bytes(datagram))
            }
            Got::Bounced => "error: an earlier snapshot was not delivered: ignored".to_string(),
        }
    }
}

/// Receive one datagram (one is waiting), let the world handle it, and send its answer, if
/// any. A failed answer is narrated, and the game goes on.
fn receive(socket: &UdpSocket, world: &mut World, say: &Narrator) -> Result<()> {
    let mut buf = [0u8; MAX_DATAGRAM + 1];
    let recv = || match recv_from(socket, &mut buf) {
        Ok((n, from)) => Ok(Got::Datagram(buf[..n].to_vec(), from)),
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Ok(Got::Bounced),
        Err(e) => Err(e),
    };
    let why = "the next datagram from any player";
    let Got::Datagram(datagram, from) = say.call_then("recv_from()", why, recv, Got::shown)? else {
        return Ok(());
    };
    say.moved(Kind::Recv, "recv_from", &datagram);
    // A datagram that fills the buffer was longer than any client sends, and the receive cut
    // it: what is left must not be read as a request.
    if datagram.len() > MAX_DATAGRAM {
        say.note(format!(
            "ignored a datagram from {from}: longer than {MAX_DATAGRAM} bytes, cut by the receive"
        ));
        return Ok(());
    }
    if let Some(answer) = world.handle(&datagram, from, say) {
        let _ = send_datagram(socket, &answer, from, "the answer", say);
    }
    Ok(())
}

/// The end of a tick: drop the silent players, then one snapshot to every player left.
/// Nobody acknowledges a snapshot; if one is lost, the next tick's replaces it.
fn broadcast(socket: &UdpSocket, world: &mut World, say: &Narrator, quiet: bool) {
    world.tick += 1;
    world.expire(say);
    for player in &world.players {
        let snapshot = world.snapshot_for(player);
        // MAX_PLAYERS and BOARD make this impossible; if it ever happened, a client would
        // get a cut snapshot. Better to send nothing and say so.
        if snapshot.len() > MAX_SNAPSHOT {
            say.note(format!(
                "snapshot of {} bytes not sent: over {MAX_SNAPSHOT}",
                snapshot.len()
            ));
            continue;
        }
        if quiet {
            // A tick where nothing changed: sent all the same, recorded in the trace only.
            if let Ok(n) = socket.send_to(&snapshot, player.addr) {
                say.moved(Kind::Send, "send_to", &snapshot[..n]);
            }
            continue;
        }
        // A player that went away: its snapshots fail or vanish; the game goes on.
        let _ = send_datagram(socket, &snapshot, player.addr, "this tick's snapshot", say);
    }
    world.changed = false;
}
// ANCHOR_END: server_calls

// ANCHOR: client_side
/// A player's side: its socket, and the newest snapshot it has seen.
struct Client {
    socket: UdpSocket,
    say: Narrator,
    server: SocketAddr,
    /// The cookie the server sent to our address, once it has.
    cookie: Option<u32>,
    /// The tick of the newest snapshot applied: older ones are ignored.
    newest_tick: Option<u64>,
    /// The newest snapshot, as text.
    latest: Option<String>,
}

impl Client {
    /// socket(), and a read timeout so that waiting for a snapshot never hangs.
    fn open(server: SocketAddr, timeout: Duration, say: Narrator) -> Result<Client> {
        let socket = UdpSocket::from(new_socket(server, &say)?);
        set_read_timeout(&socket, timeout)?;
        Ok(Client {
            socket,
            say,
            server,
            cookie: None,
            newest_tick: None,
            latest: None,
        })
    }

    /// Ask for a cookie. The hello is longer than the answer: the server answers nothing
    /// larger than what it got.
    fn hello(&self) -> Result<()> {
        send_datagram(
            &self.socket,
            HELLO,
            self.server,
            "ask for a cookie",
            &self.say,
        )
    }

    /// Send back the cookie we received: the server now knows we receive at this address.
    fn join(&self) -> Result<()> {
        let cookie = self.cookie.unwrap_or_default();
        let join = format!("join {cookie:08x}");
        let why = "prove we received it";
        send_datagram(&self.socket, join.as_bytes(), self.server, why, &self.say)
    }

    /// Send one input: one datagram, no answer expected.
    fn send(&self, input: Input) -> Result<()> {
        let why = "send this tick's input";
        send_datagram(&self.socket, &input.to_bytes(), self.server, why, &self.say)
    }

    /// Pretend to send, for a broken network: say what happened to the datagram. No call:
    /// it never leaves (and the trace records no bytes).
    fn lose(&self, input: Input, fate: &str) {
        let bytes = input.to_bytes();
        let call = format!("send_to({}, {})", self.server, show_bytes(&bytes));
        let lost = |n: &usize| format!("{n} bytes — {fate} (simulated)");
        let why = "send this tick's input";
        let _ = self.say.call_then(call, why, || Ok(bytes.len()), lost);
    }

    /// Receive one datagram from the server and take it (below). `Ok(false)`: nothing came
    /// within the read timeout.
    fn receive(&mut self) -> Result<bool> {
        // One byte more than the longest snapshot: a datagram that fills the buffer was
        // longer, and the kernel has cut it (recv(2): the rest is discarded).
        let mut buf = [0u8; MAX_SNAPSHOT + 1];
        let recv = || match recv_from(&self.socket, &mut buf) {
            Ok((n, from)) => Ok(Some((buf[..n].to_vec(), from))),
            Err(e) if is_timeout(&e) => Ok(None),
            Err(e) => Err(e),
        };
        let shown = |got: &Option<(Vec<u8>, SocketAddr)>| match got {
            Some((datagram, _)) => format!("{} bytes: {}", datagram.len(), show_bytes(datagram)),
            None => "nothing within the read timeout".to_string(),
        };
        let why = "this tick's snapshot";
        let Some((datagram, from)) = self.say.call_then("recv_from()", why, recv, shown)? else {
            return Ok(false);
        };
        self.say.moved(Kind::Recv, "recv_from", &datagram);
        self.take(&datagram, from)?;
        Ok(true)
    }

    /// A datagram from the server: a cookie, or a snapshot, kept only if it is newer than the
    /// newest one seen.
    fn take(&mut self, datagram: &[u8], from: SocketAddr) -> Result<()> {
        let text = String::from_utf8_lossy(datagram).into_owned();
        let tick = text
            .strip_prefix("snap ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|t| t.parse::<u64>().ok());
        match tick {
            _ if from != self.server => self.say.note("not from the server: ignored"),
            _ if datagram.len() > MAX_SNAPSHOT => self.say.note(format!(
                "longer than {MAX_SNAPSHOT} bytes, so cut to the buffer: ignored"
            )),
            _ if text == "full" => {
                return Err(self
                    .say
                    .protocol_error(format!("the server is full ({MAX_PLAYERS} players)")))
            }
            None => match text.strip_prefix("cookie ") {
                Some(hex) => self.cookie = u32::from_str_radix(hex, 16).ok(),
                None => self.say.note("not a snapshot: ignored"),
            },
            Some(t) if self.newest_tick.is_some_and(|newest| t <= newest) => {
                self.say.note(format!("snapshot {t} is old news: ignored"))
            }
            Some(t) => {
                self.newest_tick = Some(t);
                self.latest = Some(text);
            }
        }
        Ok(())
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

/// A receive timeout, as the systems report it (SO_RCVTIMEO: WouldBlock on Unix, TimedOut
/// on Windows).
fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
// ANCHOR_END: client_side

// ANCHOR: demo
/// Two players and a server in one thread, four ticks driven by a counter, and a network
/// that misbehaves on purpose: alice's input 2 is late, bob's input 3 is lost, alice's
/// input 4 arrives twice, and a stranger sends garbage. Each datagram is received right
/// after it is sent, so the output is the same on every run (but for the cookies, which
/// depend on the ports and on the server's secret).
fn demo(opts: &Options) -> Result<()> {
    if opts.has("--strangers") {
        return strangers(opts);
    }
    let (mut host, addr) = Host::open(opts, EXPIRE_TICKS)?;
    let mut alice = Client::open(addr, DEMO_WAIT, opts.narrator("alice"))?;
    let mut bob = Client::open(addr, DEMO_WAIT, opts.narrator("bob"))?;
    let input = |seq, step| Input { seq, step };

    // Tick 1: both join, and both inputs arrive.
    host.join(&mut alice)?;
    host.join(&mut bob)?;
    host.play(&alice, input(1, Move::Right))?;
    host.play(&bob, input(1, Move::Left))?;
    host.end_of_tick(&mut [&mut alice, &mut bob])?;

    // Tick 2: alice's input is held up on the way.
    alice.lose(
        input(2, Move::Right),
        "delayed: it arrives next tick, after input 3",
    );
    host.play(&bob, input(2, Move::Up))?;
    host.end_of_tick(&mut [&mut alice, &mut bob])?;

    // Tick 3: alice's input 3, then her late input 2; bob's input is lost; garbage.
    host.play(&alice, input(3, Move::Up))?;
    alice.say.note("her delayed input 2 arrives only now:");
    host.play(&alice, input(2, Move::Right))?;
    bob.lose(input(3, Move::Up), "lost on the way");
    let stranger = opts.narrator("other");
    stranger.note("a stranger's socket sends garbage to the server:");
    let garbage = UdpSocket::from(new_socket(addr, &stranger)?);
    send_datagram(&garbage, b"\xff\x00hello?", addr, "garbage", &stranger)?;
    host.deliver()?;
    host.end_of_tick(&mut [&mut alice, &mut bob])?;

    // Tick 4: alice's input arrives twice (networks can duplicate datagrams).
    host.play(&alice, input(4, Move::Right))?;
    let twice = "the network delivers that datagram twice (simulated by sending it again):";
    alice.say.note(twice);
    host.play(&alice, input(4, Move::Right))?;
    host.play(&bob, input(4, Move::Left))?;
    host.end_of_tick(&mut [&mut alice, &mut bob])?;

    for client in [&alice, &bob] {
        if let Some((me, at)) = client.position() {
            let says = format!("the server says: I am {me}, at {at}");
            client.say.note(says);
        }
    }
    Ok(())
}

/// The demo never waits long: everything it receives was sent just before.
const DEMO_WAIT: Duration = Duration::from_secs(2);

/// The demo's server: its socket, its world, and its narrator, driven one datagram at a time.
struct Host {
    socket: UdpSocket,
    world: World,
    say: Narrator,
}

impl Host {
    /// socket() and bind(), the readiness line, and a world whose players expire after
    /// `expire` silent ticks.
    fn open(opts: &Options, expire: u64) -> Result<(Host, SocketAddr)> {
        let say = opts.narrator("server");
        let (socket, addr) = open_server(opts.addr, &say)?;
        opts.ready(addr);
        set_read_timeout(&socket, DEMO_WAIT)?;
        let world = World::new(expire, random_secret());
        Ok((Host { socket, world, say }, addr))
    }

    /// The datagram just sent arrives: the server receives it and handles it.
    fn deliver(&mut self) -> Result<()> {
        receive(&self.socket, &mut self.world, &self.say)
    }

    /// A player sends an input, and the server receives it.
    fn play(&mut self, client: &Client, input: Input) -> Result<()> {
        client.send(input)?;
        self.deliver()
    }

    /// A join, one call at a time: hello, the cookie comes back, join with it.
    fn join(&mut self, client: &mut Client) -> Result<()> {
        client.hello()?;
        self.deliver()?;
        client.receive()?;
        client.join()?;
        self.deliver()
    }

    /// Tick over: the server sends each player a snapshot, and each player reads it.
    fn end_of_tick(&mut self, clients: &mut [&mut Client]) -> Result<()> {
        let tick = self.world.tick + 1;
        let note = format!("end of tick {tick}: a snapshot to each player");
        self.say.note(note);
        broadcast(&self.socket, &mut self.world, &self.say, false);
        for client in clients.iter_mut() {
            if !client.receive()? {
                return Err(client.say.protocol_error("no snapshot arrived"));
            }
        }
        Ok(())
    }
}
// ANCHOR_END: demo

// ANCHOR: strangers
/// Peers that misbehave, one at a time, against a server whose players expire after 3
/// silent ticks: a hello with a forged source address, a hello too short to answer, a wrong
/// cookie, an input from a stranger, and a player who goes silent.
fn strangers(opts: &Options) -> Result<()> {
    let (mut host, addr) = Host::open(opts, 3)?;
    host.say
        .note("here a player expires after 3 silent ticks (the real server: 250, 5 s)");
    let mut alice = Client::open(addr, DEMO_WAIT, opts.narrator("alice"))?;
    host.join(&mut alice)?;
    let right = Input {
        seq: 1,
        step: Move::Right,
    };
    host.play(&alice, right)?;

    // The forger writes a false source address: the server's answer goes to a victim who never
    // asked. (Forging needs a raw socket; here the victim's socket sends the forger's bytes.)
    let forger = opts.narrator("forger");
    let mut victim = Client::open(addr, Duration::from_millis(100), opts.narrator("victim"))?;
    forger.note("sends a hello from the victim's address (forged; simulated):");
    victim.hello()?;
    host.deliver()?;

    // Its own datagrams: too short to answer, a guessed cookie, an input without joining.
    let own = UdpSocket::from(new_socket(addr, &forger)?);
    for datagram in [&b"hello"[..], b"join 0badc0de", b"input 1 up"] {
        send_datagram(&own, datagram, addr, "try it", &forger)?;
        host.deliver()?;
    }

    // Three ticks in which alice says nothing: in the third she expires.
    for _ in 0..3 {
        host.say
            .note(format!("end of tick {}", host.world.tick + 1));
        broadcast(&host.socket, &mut host.world, &host.say, false);
    }
    // The victim got one cookie, 15 bytes for the 18 of the forged hello, and nothing more.
    victim.receive()?;
    victim.receive()?;
    // alice got the snapshots of ticks 1 and 2 only.
    for _ in 0..3 {
        alice.receive()?;
    }
    Ok(())
}
// ANCHOR_END: strangers

/// A random secret for the cookies, new in every run (std's RandomState is seeded randomly).
fn random_secret() -> u64 {
    std::hash::RandomState::new().hash_one(Instant::now())
}

// ANCHOR: server
/// The real server: every tick, take the datagrams that arrive until the tick's end, then
/// send the snapshots. Time drives the ticks here; the demo drives them by a counter.
fn server(opts: &Options) -> Result<()> {
    let say = opts.narrator("server");
    let ticks: u64 = opts.value("--ticks", 0)?;
    let expire: u64 = opts.value("--expire", EXPIRE_TICKS)?;
    let (socket, addr) = open_server(opts.addr, &say)?;
    opts.ready(addr);
    let mut world = World::new(expire.max(1), random_secret());
    let mut end = Instant::now() + TICK;
    while ticks == 0 || world.tick < ticks {
        while waiting_before(&socket, end)? {
            receive(&socket, &mut world, &say)?;
        }
        // Fifty snapshots a second would drown the narration: show the ticks where something
        // changed; the others are sent all the same.
        let quiet = !world.changed;
        broadcast(&socket, &mut world, &say, quiet);
        // The next tick ends 20 ms after this one. A server that was stopped (Ctrl-Z) does
        // not replay the ticks it missed in a burst: it starts again from now.
        end += TICK;
        if end < Instant::now() {
            end = Instant::now() + TICK;
        }
    }
    say.note(format!("{} ticks: stopping", world.tick));
    Ok(())
}

/// Wait until a datagram is waiting (`true`) or the tick ends at `end` (`false`): a peek
/// (`recvfrom(MSG_PEEK)`), which takes nothing, with the read timeout set to what is left of
/// the tick. Not narrated: most ticks end in silence, fifty times a second. An error other
/// than the timeout is left for the recv_from() that follows to report.
fn waiting_before(socket: &UdpSocket, end: Instant) -> Result<bool> {
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        set_read_timeout(socket, left)?;
        match socket.peek_from(&mut [0u8; 1]) {
            // Stopped and continued (see recv_from): ask again, for what is left.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if is_timeout(&e) => return Ok(false),
            _ => return Ok(true),
        }
    }
}
// ANCHOR_END: server

// ANCHOR: client
/// Join, send one input per tick, then wait until the server has applied the last one.
fn client(opts: &Options) -> Result<()> {
    let moves: String = opts.value("--moves", "right,right,up,right".to_string())?;
    // No --drop: every input is sent (0 is a sequence number too, once they wrap).
    let drop: Option<u32> = match opts.has("--drop") {
        true => Some(opts.value("--drop", 0)?),
        false => None,
    };
    let first: u32 = opts.value("--first", 1)?;
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
    let mut me = Client::open(opts.addr, TICK, opts.narrator("client"))?;
    join_game(&mut me)?;
    let mut last = None;
    for (i, step) in steps.iter().enumerate() {
        let input = Input {
            seq: first.wrapping_add(i as u32),
            step: *step,
        };
        if Some(input.seq) == drop {
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
    wait_for_ack(&mut me, last)
}

/// A hello until a cookie comes, then a join until the first snapshot comes.
fn join_game(me: &mut Client) -> Result<()> {
    for _ in 0..50 {
        if me.cookie.is_some() {
            break;
        }
        me.hello()?;
        me.receive()?;
    }
    for _ in 0..50 {
        if me.cookie.is_none() || me.newest_tick.is_some() {
            break;
        }
        me.join()?;
        me.receive()?;
    }
    if me.newest_tick.is_none() {
        let error = me.say.protocol_error("the server never let us join");
        return Err(error.with_hint(NO_SERVER));
    }
    Ok(())
}

/// Wait for the snapshot that acknowledges our last input. If it does not come, our input
/// may be lost: send it again (the server ignores it if it has it already).
fn wait_for_ack(me: &mut Client, last: Input) -> Result<()> {
    for _ in 0..50 {
        if me.acked().is_some_and(|ack| covers(ack, last.seq)) {
            let (name, at) = me.position().unwrap_or_default();
            println!("final: I am {name}, at {at}");
            return Ok(());
        }
        if !me.receive()? {
            me.send(last)?;
        }
    }
    let never = format!("the server never acknowledged input {}", last.seq);
    Err(me.say.protocol_error(never).with_hint(NO_SERVER))
}

const NO_SERVER: &str =
    "is the server running? (start it with: cargo run -p lesson-17-game -- server)";
// ANCHOR_END: client

/// Does an `ack=` of `ack` mean the server has applied input `seq`? Yes if it is that input
/// or a newer one, newer as the server counts it: round the circle of u32 numbers (RFC 1982),
/// so that 0 comes after 4294967295 and an old ack of 4294967295 does not cover input 0.
fn covers(ack: u32, seq: u32) -> bool {
    ack.wrapping_sub(seq) < 1 << 31
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The longest snapshot there can be: 32 players at the board's far corner, the largest
    /// tick and sequence number. It must fit in MAX_SNAPSHOT (the docs say 551 bytes).
    #[test]
    fn the_longest_snapshot_fits() {
        let mut world = World::new(EXPIRE_TICKS, 0);
        world.tick = u64::MAX;
        for n in 1..=MAX_PLAYERS {
            world.players.push(Player {
                name: format!("p{n}"),
                addr: SocketAddr::from(([127, 0, 0, 1], 1)),
                x: -BOARD,
                y: -BOARD,
                last_seq: Some(u32::MAX),
                heard: 0,
            });
        }
        let longest = world.snapshot_for(&world.players[MAX_PLAYERS - 1]);
        assert_eq!(longest.len(), 551);
        assert!(longest.len() <= MAX_SNAPSHOT);
    }
}
