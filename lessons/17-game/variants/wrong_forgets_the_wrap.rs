// WRONG: compares the numbers as plain integers (`<=`): right until the numbers wrap; then
// 0 after 4294967295 is taken for a late input, and the player stops moving for good.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    if let Some(newest) = player.last_seq {
        if input.seq <= newest {
            return Verdict::Ignored { newest };
        }
    }
    player.last_seq = Some(input.seq);
    let (dx, dy) = input.step.delta();
    player.x += dx;
    player.y += dy;
    Verdict::Applied
}
