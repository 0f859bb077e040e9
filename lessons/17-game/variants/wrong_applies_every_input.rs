// WRONG: applies every input and remembers its number, as if datagrams always arrived once
// and in order (they do on loopback, not on a real network): a late input moves the player
// back in time, a duplicate moves it twice.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    player.last_seq = Some(input.seq);
    let (dx, dy) = input.step.delta();
    player.x += dx;
    player.y += dy;
    Verdict::Applied
}
