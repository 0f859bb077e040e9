// WRONG: computes how far ahead the input is with a plain `-`: fine while the input is
// ahead, but a late input (3 after 5) makes the subtraction overflow, which panics in a
// debug build (and in release wraps silently, by luck the right answer).

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    if let Some(newest) = player.last_seq {
        let ahead = input.seq - newest;
        if ahead == 0 || ahead >= 1 << 31 {
            return Verdict::Ignored { newest };
        }
    }
    player.last_seq = Some(input.seq);
    let (dx, dy) = input.step.delta();
    player.x += dx;
    player.y += dy;
    Verdict::Applied
}
