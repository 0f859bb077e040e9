// WRONG: remembers the number of every input received, applied or not: a late input (2 after
// 5) is ignored, but last_seq goes back to 2, so the next duplicate (3, 4, 5 again) is applied.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    let before = player.last_seq;
    player.last_seq = Some(input.seq);
    if let Some(newest) = before {
        if (input.seq.wrapping_sub(newest) as i32) <= 0 {
            return Verdict::Ignored { newest };
        }
    }
    let (dx, dy) = input.step.delta();
    player.x += dx;
    player.y += dy;
    Verdict::Applied
}
