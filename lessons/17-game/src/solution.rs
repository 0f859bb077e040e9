// Reference solution for lesson 17's exercise. (Yours goes in exercise.rs.)

use crate::{Input, Player, Verdict};

// ANCHOR: solution
/// Apply `input` to `player` if it is newer than the last input applied; otherwise leave the
/// player alone. Datagrams can arrive late (overtaken by newer ones) or twice, and an old
/// input applied after a newer one would move the player by a step that is no longer wanted.
pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    if let Some(newest) = player.last_seq {
        // How far ahead of the newest the input is, counting forward round the circle of u32
        // numbers (RFC 1982): the subtraction wraps as the numbers do, so 0 is 1 ahead of
        // u32::MAX. Less than half way round is ahead; the other half is behind.
        let ahead = input.seq.wrapping_sub(newest);
        // 0: a duplicate. Half way or more: late (or so far off that no one can tell).
        if ahead == 0 || ahead >= 1 << 31 {
            return Verdict::Ignored { newest };
        }
    }
    // A gap (an input lost on the way) is fine: its step is simply never made.
    player.last_seq = Some(input.seq);
    let (dx, dy) = input.step.delta();
    player.x += dx;
    player.y += dy;
    Verdict::Applied
}
// ANCHOR_END: solution
