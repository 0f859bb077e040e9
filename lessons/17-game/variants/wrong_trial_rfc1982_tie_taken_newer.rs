// WRONG: RFC 1982's two-branch comparison, with `>=` where the RFC says `>` in the wrapped
// branch (i1 < i2 and i2 - i1 > 2^31): an input exactly half way round whose number is the
// smaller one (0 after 2147483648) is taken for newer, though the comparison has no answer.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    if let Some(newest) = player.last_seq {
        let (i1, i2) = (input.seq, newest);
        let newer = (i1 < i2 && i2 - i1 >= 1 << 31) || (i1 > i2 && i1 - i2 < 1 << 31);
        if !newer {
            return Verdict::Ignored { newest };
        }
    }
    let (dx, dy) = input.step.delta();
    player.x += dx;
    player.y += dy;
    player.last_seq = Some(input.seq);
    Verdict::Applied
}
