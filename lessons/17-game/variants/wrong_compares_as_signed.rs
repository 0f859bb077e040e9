// WRONG: casts both numbers to i32 and compares those: 0 after 4294967295 works (0 > -1),
// but the wrap is moved, not removed: 2147483648 after 2147483647 becomes i32::MIN after
// i32::MAX, and is taken for a late input.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    if let Some(newest) = player.last_seq {
        if (input.seq as i32) <= (newest as i32) {
            return Verdict::Ignored { newest };
        }
    }
    player.last_seq = Some(input.seq);
    let (dx, dy) = input.step.delta();
    player.x += dx;
    player.y += dy;
    Verdict::Applied
}
