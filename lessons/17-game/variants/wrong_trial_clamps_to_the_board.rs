// WRONG: clamps the position to the board (-1000..=1000) inside apply: the contract says the
// player moves by the step's delta and leaves the board's edge to the server, which clamps
// after apply; a player at the edge then does not move by its step.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    if let Some(newest) = player.last_seq {
        let ahead = input.seq.wrapping_sub(newest);
        if ahead == 0 || ahead >= 1 << 31 {
            return Verdict::Ignored { newest };
        }
    }
    let (dx, dy) = input.step.delta();
    player.x = (player.x + dx).clamp(-1000, 1000);
    player.y = (player.y + dy).clamp(-1000, 1000);
    player.last_seq = Some(input.seq);
    Verdict::Applied
}
