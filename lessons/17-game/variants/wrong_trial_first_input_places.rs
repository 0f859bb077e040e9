// WRONG: takes the first input (nothing applied yet) for a spawn and *sets* the position to
// the step's delta instead of adding it: right for a player that stands at 0,0, but a player
// anywhere else jumps to the origin's neighbour.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    let (dx, dy) = input.step.delta();
    match player.last_seq {
        None => (player.x, player.y) = (dx, dy),
        Some(newest) => {
            let ahead = input.seq.wrapping_sub(newest);
            if ahead == 0 || ahead >= 1 << 31 {
                return Verdict::Ignored { newest };
            }
            player.x += dx;
            player.y += dy;
        }
    }
    player.last_seq = Some(input.seq);
    Verdict::Applied
}
