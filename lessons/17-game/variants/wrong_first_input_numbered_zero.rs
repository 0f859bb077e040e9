// WRONG: takes "nothing applied yet" for "input 0 applied" (`unwrap_or(0)`): a first input
// numbered 0 is ignored, as if it were a duplicate.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    let newest = player.last_seq.unwrap_or(0);
    if (input.seq.wrapping_sub(newest) as i32) <= 0 {
        return Verdict::Ignored { newest };
    }
    player.last_seq = Some(input.seq);
    let (dx, dy) = input.step.delta();
    player.x += dx;
    player.y += dy;
    Verdict::Applied
}
