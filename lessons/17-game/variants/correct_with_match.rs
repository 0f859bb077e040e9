// CORRECT, written differently: "is it newer?" asked first (`is_none_or`), then one `match`;
// the move applied through a tuple.

use crate::{Input, Player, Verdict};

pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    let newer = player.last_seq.is_none_or(|newest| input.seq > newest);
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
