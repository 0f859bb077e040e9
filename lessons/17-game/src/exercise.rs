// Lesson 17's exercise: newest wins. Yours to write.
//
// Check it:       cargo exercise lesson-17-game
// Stuck?          cargo hint lesson-17-game      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-17-game

#[allow(unused_imports)]
use crate::{Input, Player, Verdict};

// ANCHOR: exercise
/// Apply `input` to `player` only if it is newer than every input applied to it before, and
/// say what you did.
///
/// The contract (what the checks test):
/// - Newer means a larger `seq` than `player.last_seq` (`None`: nothing applied yet, so the
///   first input is applied, whatever its number, 0 included).
/// - Applied: the player moves by `input.step.delta()` (dx to `x`, dy to `y`),
///   `player.last_seq` becomes `Some(input.seq)`, and the verdict is `Verdict::Applied`.
///   A gap (5 after 3: input 4 was lost) is applied all the same.
/// - Not newer (late, or the same number again): the player is left exactly as it was, its
///   `last_seq` included, and the verdict is `Verdict::Ignored { newest }`, where `newest` is
///   the number of the newest input applied (not the ignored one's).
/// - Nothing else about the player changes (name, address, `heard`); print nothing.
pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    let _ = (player, input);
    todo!("apply the input only if it is newer than the last one applied")
}
// ANCHOR_END: exercise
