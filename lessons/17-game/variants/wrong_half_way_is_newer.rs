// WRONG: takes "ahead by up to half way round" with the boundary included (`> 1 << 31`):
// an input exactly 2^31 ahead is applied, though from there the newest is just as much
// 2^31 ahead of it: no answer, so not newer.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    if let Some(newest) = player.last_seq {
        let ahead = input.seq.wrapping_sub(newest);
        if ahead == 0 || ahead > 1 << 31 {
            return Verdict::Ignored { newest };
        }
    }
    player.last_seq = Some(input.seq);
    let (dx, dy) = input.step.delta();
    player.x += dx;
    player.y += dy;
    Verdict::Applied
}
