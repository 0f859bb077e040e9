// WRONG: measures the distance with `abs_diff` and, when it is half way round or more, takes
// the smaller number for the newer (it wrapped): the tie at exactly 2^31 falls into that
// branch, so 0 after 2147483648 (half way: no answer, so not newer) is applied. The tie is
// only rejected when the input's number is the larger one.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    if let Some(newest) = player.last_seq {
        let distance = input.seq.abs_diff(newest);
        let newer = if distance < 1 << 31 {
            input.seq > newest
        } else {
            input.seq < newest
        };
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
