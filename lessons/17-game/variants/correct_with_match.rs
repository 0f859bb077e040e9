// CORRECT, written differently: "is it newer?" asked first (`is_none_or`), the distance taken
// as a signed number (a wrapped difference read as i32 is positive exactly when less than half
// way round ahead), then one `match`; the move applied through a tuple.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    let newer = player
        .last_seq
        .is_none_or(|newest| (input.seq.wrapping_sub(newest) as i32) > 0);
    match (newer, player.last_seq) {
        (false, Some(newest)) => Verdict::Ignored { newest },
        _ => {
            let (dx, dy) = input.step.delta();
            (player.x, player.y) = (player.x + dx, player.y + dy);
            player.last_seq = Some(input.seq);
            Verdict::Applied
        }
    }
}
