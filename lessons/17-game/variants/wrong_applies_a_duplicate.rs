// WRONG: compares with `<` instead of `<=`: a late input is ignored, but one that arrives
// twice (the same number again) moves the player twice.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    if let Some(newest) = player.last_seq {
        if (input.seq.wrapping_sub(newest) as i32) < 0 {
            return Verdict::Ignored { newest };
        }
    }
    player.last_seq = Some(input.seq);
    let (dx, dy) = input.step.delta();
    player.x += dx;
    player.y += dy;
    Verdict::Applied
}
