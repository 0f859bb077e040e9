// WRONG: ignores late inputs and duplicates, but its verdict names the ignored input's number,
// not the newest applied: the server's log (and any ack built on it) says the wrong thing.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    match player.last_seq {
        Some(newest) if (input.seq.wrapping_sub(newest) as i32) <= 0 => Verdict::Ignored { newest: input.seq },
        _ => {
            player.last_seq = Some(input.seq);
            let (dx, dy) = input.step.delta();
            player.x += dx;
            player.y += dy;
            Verdict::Applied
        }
    }
}
