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
/// - Sequence numbers are `u32` and wrap around: after 4294967295 comes 0. A client may start
///   anywhere, so a long game does cross the wrap.
/// - Newer, when there is a newest number (`player.last_seq`), means ahead of it by 1 to
///   2147483647 (2^31 - 1) steps counting forward, wrap included (RFC 1982, serial number
///   arithmetic): 0 is newer than 4294967295, 4294967295 is older than 0, 5 after 3 is newer
///   (a gap: input 4 was lost), 3 after 5 is late. Ahead by 0 (the same number again) is a
///   duplicate; ahead by exactly 2^31 (half way round: the comparison has no answer) counts
///   as not newer, whichever of the two numbers is the larger (0 after 2147483648, and
///   2147483648 after 0, are both not newer).
/// - `player.last_seq == None`: nothing applied yet, so the first input is newer, whatever its
///   number (0 and 4294967295 included).
/// - Applied: the player moves by `input.step.delta()` from where it stands (dx added to `x`,
///   dy to `y`; the first input too, wherever the player is), `player.last_seq` becomes
///   `Some(input.seq)`, and the verdict is `Verdict::Applied`. No clamping: keeping players
///   on the board is the server's business (it clamps after `apply`), so a player at x = 1000
///   moving right is at 1001 when `apply` returns.
/// - Not newer: the player is left exactly as it was, its `last_seq` included, and the verdict
///   is `Verdict::Ignored { newest }`, where `newest` is the number of the newest input applied
///   (not the ignored one's).
/// - Nothing else about the player changes (name, address, `heard`); never panics, whatever the
///   two numbers; print nothing.
pub fn apply(player: &mut Player, input: &Input) -> Verdict {
    let _ = (player, input);
    todo!("apply the input only if it is newer than the last one applied")
}
// ANCHOR_END: exercise
