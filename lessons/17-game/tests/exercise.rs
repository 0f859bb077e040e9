//! The exercise's checks: your `apply` gets a player and a sequence of inputs as the network
//! might deliver them (in order, late, twice, with gaps, across the wrap of the numbers), and
//! the checks look at the player after each one and at the verdicts. (`cargo exercise lesson-17-game` runs them on
//! src/exercise.rs.)

use lesson_17_game::{apply, Input, Move, Player, Verdict};
use testkit::{fail, yours};

fn player() -> Player {
    Player {
        name: "p1".into(),
        addr: "127.0.0.1:40001".parse().unwrap(),
        x: 0,
        y: 0,
        last_seq: None,
        heard: 7,
    }
}

fn input(seq: u32, step: Move) -> Input {
    Input { seq, step }
}

fn show(p: &Player) -> String {
    format!("at {},{}  last_seq {:?}", p.x, p.y, p.last_seq)
}

/// Deliver `inputs` one after another to a new player at 0,0; after each, the verdict and the
/// player must be as `expected` says: (verdict, x, y, last_seq).
#[track_caller]
fn deliver(what: &str, inputs: &[Input], expected: &[(Verdict, i32, i32, Option<u32>)]) {
    deliver_from((0, 0), what, inputs, expected);
}

/// The same, to a new player that stands at `start` (nothing applied yet).
#[track_caller]
fn deliver_from(
    start: (i32, i32),
    what: &str,
    inputs: &[Input],
    expected: &[(Verdict, i32, i32, Option<u32>)],
) {
    let mut p = player();
    (p.x, p.y) = start;
    let mut expected_log = Vec::new();
    let mut got_log = Vec::new();
    for (i, (inp, want)) in inputs.iter().zip(expected).enumerate() {
        let verdict = yours(|| apply(&mut p, inp));
        let line = format!("input {} {}", inp.seq, inp.step.name());
        let (v, x, y, last) = *want;
        expected_log.push(format!(
            "{line:<15} -> {v:?}, at {x},{y}  last_seq {last:?}"
        ));
        got_log.push(format!("{line:<15} -> {verdict:?}, {}", show(&p)));
        let same = verdict == v && (p.x, p.y, p.last_seq) == (x, y, last);
        if !same {
            got_log[i].push_str("   <- here");
            fail(what, &expected_log.join("\n"), &got_log.join("\n"));
        }
        let untouched = (p.name.as_str(), p.heard, p.addr) == ("p1", 7, player().addr);
        if !untouched {
            fail(
                "apply changed the player's name, address or `heard`: it may change only x, y \
                 and last_seq.",
                "name p1, addr 127.0.0.1:40001, heard 7",
                &format!("name {}, addr {}, heard {}", p.name, p.addr, p.heard),
            );
        }
    }
}

use Move::{Down, Left, Right, Stay, Up};
use Verdict::{Applied, Ignored};

#[test]
fn inputs_in_order_are_all_applied() {
    deliver(
        "Inputs 1, 2, 3, 4 arriving in order: each moves the player.",
        &[
            input(1, Right),
            input(2, Right),
            input(3, Up),
            input(4, Left),
        ],
        &[
            (Applied, 1, 0, Some(1)),
            (Applied, 2, 0, Some(2)),
            (Applied, 2, 1, Some(3)),
            (Applied, 1, 1, Some(4)),
        ],
    );
}

#[test]
fn every_move_goes_its_own_way() {
    deliver(
        "Each move by its delta (up is +y).",
        &[
            input(1, Down),
            input(2, Left),
            input(3, Stay),
            input(4, Up),
            input(5, Right),
        ],
        &[
            (Applied, 0, -1, Some(1)),
            (Applied, -1, -1, Some(2)),
            (Applied, -1, -1, Some(3)),
            (Applied, -1, 0, Some(4)),
            (Applied, 0, 0, Some(5)),
        ],
    );
}

#[test]
fn a_late_input_is_ignored_and_changes_nothing() {
    deliver(
        "Input 2 arrives after 3 (overtaken on the way): it is late, and must change nothing.",
        &[input(1, Right), input(3, Up), input(2, Left)],
        &[
            (Applied, 1, 0, Some(1)),
            (Applied, 1, 1, Some(3)),
            (Ignored { newest: 3 }, 1, 1, Some(3)),
        ],
    );
}

#[test]
fn a_duplicate_is_ignored() {
    deliver(
        "Input 2 arrives twice: the second copy must not move the player again.",
        &[input(1, Right), input(2, Up), input(2, Up)],
        &[
            (Applied, 1, 0, Some(1)),
            (Applied, 1, 1, Some(2)),
            (Ignored { newest: 2 }, 1, 1, Some(2)),
        ],
    );
}

#[test]
fn an_ignored_input_leaves_the_newest_number_alone() {
    deliver(
        "Input 5, then a late 2, then 3, 4, 5 again: all of those are older than 5, or 5 itself.",
        &[
            input(5, Right),
            input(2, Up),
            input(3, Up),
            input(4, Up),
            input(5, Right),
        ],
        &[
            (Applied, 1, 0, Some(5)),
            (Ignored { newest: 5 }, 1, 0, Some(5)),
            (Ignored { newest: 5 }, 1, 0, Some(5)),
            (Ignored { newest: 5 }, 1, 0, Some(5)),
            (Ignored { newest: 5 }, 1, 0, Some(5)),
        ],
    );
}

#[test]
fn a_gap_is_applied() {
    deliver(
        "Input 4 was lost: 5 comes after 3, and is applied.",
        &[input(3, Right), input(5, Up), input(6, Up)],
        &[
            (Applied, 1, 0, Some(3)),
            (Applied, 1, 1, Some(5)),
            (Applied, 1, 2, Some(6)),
        ],
    );
}

#[test]
fn the_first_input_is_applied_whatever_its_number() {
    deliver(
        "A first input numbered 0 (nothing applied yet: any number is newer), then 0 again.",
        &[input(0, Up), input(0, Up), input(1, Right)],
        &[
            (Applied, 0, 1, Some(0)),
            (Ignored { newest: 0 }, 0, 1, Some(0)),
            (Applied, 1, 1, Some(1)),
        ],
    );
    deliver(
        "A first input numbered 4294967295 (a client may start anywhere, even at the top).",
        &[input(u32::MAX, Left), input(u32::MAX - 1, Left)],
        &[
            (Applied, -1, 0, Some(u32::MAX)),
            (Ignored { newest: u32::MAX }, -1, 0, Some(u32::MAX)),
        ],
    );
}

#[test]
fn numbers_wrap_around() {
    deliver(
        "Inputs crossing the wrap (4294967294, 4294967295, 0, 1): after 4294967295 comes 0, \
         which is newer; then a late 4294967295 and a duplicate 0 change nothing.",
        &[
            input(4_294_967_294, Right),
            input(4_294_967_295, Right),
            input(0, Up),
            input(1, Up),
            input(4_294_967_295, Left),
            input(0, Left),
            input(3, Right),
        ],
        &[
            (Applied, 1, 0, Some(4_294_967_294)),
            (Applied, 2, 0, Some(4_294_967_295)),
            (Applied, 2, 1, Some(0)),
            (Applied, 2, 2, Some(1)),
            (Ignored { newest: 1 }, 2, 2, Some(1)),
            (Ignored { newest: 1 }, 2, 2, Some(1)),
            (Applied, 3, 2, Some(3)),
        ],
    );
}

#[test]
fn a_late_input_is_ignored_across_the_wrap() {
    deliver(
        "Input 2 (the numbers have wrapped), then a late 4294967290 from before the wrap (8 \
         behind, not 4294967288 ahead), then 4.",
        &[input(2, Up), input(4_294_967_290, Down), input(4, Up)],
        &[
            (Applied, 0, 1, Some(2)),
            (Ignored { newest: 2 }, 0, 1, Some(2)),
            (Applied, 0, 2, Some(4)),
        ],
    );
}

#[test]
fn the_middle_of_the_numbers_is_not_a_wrap() {
    deliver(
        "2147483648 after 2147483647: one step ahead, like any other (it is only the middle of \
         the u32 numbers), then 2147483647 again is late.",
        &[
            input(2_147_483_647, Right),
            input(2_147_483_648, Right),
            input(2_147_483_647, Left),
        ],
        &[
            (Applied, 1, 0, Some(2_147_483_647)),
            (Applied, 2, 0, Some(2_147_483_648)),
            (
                Ignored {
                    newest: 2_147_483_648,
                },
                2,
                0,
                Some(2_147_483_648),
            ),
        ],
    );
}

#[test]
fn ahead_by_less_than_half_is_newer_half_way_is_not() {
    deliver(
        "From 0: 2147483647 (2^31 - 1 ahead) is newer; from there, 2147483647 + 2^31 = \
         4294967295 is exactly half way round: not newer; 0 is then 2^31 + 1 ahead (behind).",
        &[
            input(0, Up),
            input(2_147_483_647, Up),
            input(4_294_967_295, Up),
            input(0, Down),
        ],
        &[
            (Applied, 0, 1, Some(0)),
            (Applied, 0, 2, Some(2_147_483_647)),
            (
                Ignored {
                    newest: 2_147_483_647,
                },
                0,
                2,
                Some(2_147_483_647),
            ),
            (
                Ignored {
                    newest: 2_147_483_647,
                },
                0,
                2,
                Some(2_147_483_647),
            ),
        ],
    );
}

#[test]
fn half_way_is_not_newer_from_either_side() {
    deliver(
        "Half way round, with the input's number the smaller one: from 2147483648, 0 is 2^31 \
         ahead (and 2^31 behind): not newer. 4294967295 is 2^31 - 1 ahead: newer. From there, \
         2147483647 is half way again: not newer; 2147483646 is 2^31 - 1 ahead (across the \
         wrap): newer.",
        &[
            input(2_147_483_648, Up),
            input(0, Down),
            input(4_294_967_295, Right),
            input(2_147_483_647, Left),
            input(2_147_483_646, Up),
        ],
        &[
            (Applied, 0, 1, Some(2_147_483_648)),
            (
                Ignored {
                    newest: 2_147_483_648,
                },
                0,
                1,
                Some(2_147_483_648),
            ),
            (Applied, 1, 1, Some(4_294_967_295)),
            (
                Ignored {
                    newest: 4_294_967_295,
                },
                1,
                1,
                Some(4_294_967_295),
            ),
            (Applied, 1, 2, Some(2_147_483_646)),
        ],
    );
}

#[test]
fn the_first_input_moves_the_player_from_where_it_stands() {
    deliver_from(
        (7, -3),
        "A player standing at 7,-3 with nothing applied yet: the first input moves it by its \
         step from there (7,-3 up is 7,-2), like every other input.",
        &[input(1, Up), input(2, Left)],
        &[(Applied, 7, -2, Some(1)), (Applied, 6, -2, Some(2))],
    );
}

#[test]
fn the_step_is_not_clamped_to_the_board() {
    // 1000 is the board's edge (BOARD in src/main.rs): the server clamps after apply.
    deliver_from(
        (1000, -1000),
        "A player at the board's corner 1000,-1000: apply moves it by its step all the same \
         (keeping players on the board is the server's job, done after apply returns).",
        &[input(1, Right), input(2, Down)],
        &[
            (Applied, 1001, -1000, Some(1)),
            (Applied, 1001, -1001, Some(2)),
        ],
    );
}

#[test]
fn apply_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your apply runs.
    testkit::prints_nothing(
        "apply",
        &[
            "inputs_in_order_are_all_applied",
            "a_late_input_is_ignored_and_changes_nothing",
            "numbers_wrap_around",
        ],
    );
}
