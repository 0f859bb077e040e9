//! A plausible wrong answer to lesson 17's exercise, kept to prove the tests catch it: it
//! applies every input and remembers its number, as if datagrams always arrived once and in
//! order — which they do on loopback, and not on a real network.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    player.last_seq = Some(input.seq);
    let (dx, dy) = input.step.delta();
    player.x += dx;
    player.y += dy;
    Verdict::Applied
}
