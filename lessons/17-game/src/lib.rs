//! Lesson 17's protocol types, and its exercise: `apply`, the rule "newest input wins". The
//! exercise prints nothing: the server narrates what it did with each input, from the
//! [`Verdict`] it returns, and the tests check the player and the verdict.

use std::net::SocketAddr;

// The function you write: src/exercise.rs is yours (`cargo exercise lesson-17-game` checks
// it), src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
#[cfg(not(feature = "variant"))]
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(not(feature = "exercise"), path = "solution.rs")]
mod exercise;
#[cfg(feature = "variant")]
mod exercise {
    include!(env!(
        "LESSON_VARIANT",
        "set LESSON_VARIANT to the variant's path (cargo xtask verify-exercises does)"
    ));
}
pub use exercise::apply;

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

/// What a datagram asks the server for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// `hello...`: "send me a cookie" (from anyone, maybe from a forged address).
    Hello,
    /// `join <cookie>`: "here is the cookie you sent to my address: let me play".
    Join(u32),
    /// `input <seq> <move>`: a player's step.
    Input(Input),
}

impl Request {
    /// `None` for anything that is not one of the three (a newline from nc is fine).
    pub fn parse(datagram: &[u8]) -> Option<Request> {
        if datagram.starts_with(b"hello") {
            return Some(Request::Hello);
        }
        let text = std::str::from_utf8(datagram).ok()?;
        if let Some(cookie) = text.strip_prefix("join ") {
            return u32::from_str_radix(cookie.trim_end(), 16)
                .ok()
                .map(Request::Join);
        }
        Input::parse(datagram).map(Request::Input)
    }
}

/// What the server knows about one player: where it is, and the newest input it applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Player {
    pub name: String,
    pub addr: SocketAddr,
    pub x: i32,
    pub y: i32,
    /// The sequence number of the newest input applied, `None` before the first.
    pub last_seq: Option<u32>,
    /// The tick when the server last heard from this player.
    pub heard: u64,
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
