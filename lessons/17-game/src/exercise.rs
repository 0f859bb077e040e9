//! Lesson 17 exercise: the newest input wins.
//!
//! Check your work with:   cargo exercise lesson-17-game
//! Run your version with:  cargo run -p lesson-17-game --features exercise

#[allow(unused_imports)] // You will need these.
use crate::{Input, Player, Verdict};

// ANCHOR: exercise
/// Apply `input` to `player` if it is newer than the last input applied.
///
/// TODO:
///   - `player.last_seq` is the sequence number of the newest input applied so far (`None`
///     before the first). If `input.seq` is not greater than it, change nothing and return
///     `Verdict::Ignored { newest }` with that number: the input is late, or a duplicate;
///   - otherwise remember `input.seq` in `player.last_seq`, move the player by
///     `input.step.delta()` (add dx to `player.x`, dy to `player.y`), and return
///     `Verdict::Applied`.
pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    let _ = (player, input);
    todo!("apply the input only if it is newer than the last one applied")
}
// ANCHOR_END: exercise
