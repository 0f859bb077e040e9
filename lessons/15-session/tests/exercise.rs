//! The exercise's checks: your `handle` gets one session and a shared store, and the commands
//! of a whole conversation one after another; the checks look at each reply's code (and the
//! store's own replies), at the session after each command, and at what the store holds. Never
//! at the wording of your own replies. (`cargo exercise lesson-15-session` runs them on
//! src/exercise.rs.)

use lesson_15_session::{handle, Command, Session, State, Store};
use testkit::{fail, yours};

/// One line of a conversation: the command, the reply code expected, and what the session
/// must be after it (`"logged out"`, `"waiting for alice's password"`, `"alice logged in, in
/// /docs"`: the session's own Display).
struct Step(&'static str, u16, &'static str);

/// Play `steps` on a new session (or `session`), with `store`; fail at the first difference.
#[track_caller]
fn converse(what: &str, session: &mut Session, store: &mut Store, steps: &[Step]) {
    let mut expected = Vec::new();
    let mut got = Vec::new();
    for Step(line, code, after) in steps {
        let command = Command::parse(line).expect("the checks send only well-formed commands");
        let reply = yours(|| handle(session, store, command));
        expected.push(format!("{line:<18} -> {code} ...   then: {after}"));
        got.push(format!(
            "{line:<18} -> {} {}   then: {session}",
            reply.code, reply.text
        ));
        if reply.code != *code || session.to_string() != *after {
            got.last_mut().unwrap().push_str("   <- here");
            fail(what, &expected.join("\n"), &got.join("\n"));
        }
    }
}

fn fresh(what: &str, steps: &[Step]) {
    converse(what, &mut Session::new(), &mut Store::new(), steps);
}

const OUT: &str = "logged out";

#[test]
fn a_login_then_the_file_commands() {
    fresh(
        "USER, the right PASS, then file commands: they run in the session's directory.",
        &[
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS secret", 230, "alice logged in, in /"),
            Step("PWD", 257, "alice logged in, in /"),
            Step("CWD docs", 250, "alice logged in, in /docs"),
            Step("GET readme", 213, "alice logged in, in /docs"),
            Step("PUT todo buy milk", 250, "alice logged in, in /docs"),
            Step("LIST", 226, "alice logged in, in /docs"),
            Step("CWD /nowhere", 550, "alice logged in, in /docs"),
            Step("QUIT", 221, "alice logged in, in /docs"),
        ],
    );
}

#[test]
fn the_file_commands_hand_back_the_stores_reply() {
    let mut session = Session::new();
    let mut store = Store::new();
    converse(
        "Logging in as bob.",
        &mut session,
        &mut store,
        &[
            Step("USER bob", 331, "waiting for bob's password"),
            Step("PASS builder", 230, "bob logged in, in /"),
        ],
    );
    // Logged in, every file command's reply is the store's, code and text: the same commands
    // on a store of our own, in a directory of our own, say what it must be.
    let (mut shadow, mut shadow_cwd) = (Store::new(), "/".to_string());
    let lines = [
        "PWD",
        "LIST",
        "CWD docs",
        "PWD",
        "LIST",
        "GET readme",
        "GET nothing",
        "PUT todo buy milk",
        "GET todo",
        "CWD /nowhere",
        "CWD ..",
        "PWD",
    ];
    let (mut expected, mut got) = (Vec::new(), Vec::new());
    for line in lines {
        let command = Command::parse(line).expect("the checks send only well-formed commands");
        let want = shadow.run(&mut shadow_cwd, command.clone());
        let reply = yours(|| handle(&mut session, &mut store, command));
        expected.push(format!("{line:<18} -> {} {}", want.code, want.text));
        got.push(format!("{line:<18} -> {} {}", reply.code, reply.text));
        if reply != want {
            got.last_mut().unwrap().push_str("   <- here");
            fail(
                "Logged in as bob: each file command's reply is the store's, whole (code and \
                 text), as `store.run(&mut session.cwd, command)` gives it.",
                &expected.join("\n"),
                &got.join("\n"),
            );
        }
    }
}

#[test]
fn nothing_runs_before_a_login() {
    let mut session = Session::new();
    let mut store = Store::new();
    converse(
        "File commands before any login: 530 each, and nothing changes.",
        &mut session,
        &mut store,
        &[
            Step("GET readme", 530, OUT),
            Step("CWD docs", 530, OUT),
            Step("PUT secret 42", 530, OUT),
            Step("LIST", 530, OUT),
            Step("PWD", 530, OUT),
        ],
    );
    // Logged out, the session's Display hides the directory: look at the whole session.
    if session != Session::new() {
        fail(
            "File commands before any login change nothing in the session (CWD docs did not \
             move it).",
            &format!("{:?}", Session::new()),
            &format!("{session:?}"),
        );
    }
    converse(
        "Then a login shows what the store holds: no `secret` was stored, in / or in /docs.",
        &mut session,
        &mut store,
        &[
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS secret", 230, "alice logged in, in /"),
            Step("GET secret", 550, "alice logged in, in /"),
            Step("CWD docs", 250, "alice logged in, in /docs"),
            Step("GET secret", 550, "alice logged in, in /docs"),
        ],
    );
}

#[test]
fn nothing_runs_while_the_password_is_awaited() {
    fresh(
        "USER alice, then file commands before PASS: refused (530), the session still waits, \
         and nothing was stored.",
        &[
            Step("USER alice", 331, "waiting for alice's password"),
            Step("GET readme", 530, "waiting for alice's password"),
            Step("PUT early 1", 530, "waiting for alice's password"),
            Step("CWD docs", 530, "waiting for alice's password"),
            Step("PASS secret", 230, "alice logged in, in /"),
            Step("GET early", 550, "alice logged in, in /"),
        ],
    );
}

#[test]
fn a_wrong_password_logs_out() {
    fresh(
        "A wrong password: 530, and back to logged out (the next PASS is out of order).",
        &[
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS guess", 530, OUT),
            Step("PASS secret", 503, OUT),
            Step("GET readme", 530, OUT),
        ],
    );
    fresh(
        "A user with no account: whatever the password, 530.",
        &[
            Step("USER eve", 331, "waiting for eve's password"),
            Step("PASS secret", 530, OUT),
        ],
    );
}

#[test]
fn a_pass_out_of_order_is_refused_and_changes_nothing() {
    fresh(
        "PASS with no USER before it: 503, and the session is left as it was.",
        &[
            Step("PASS secret", 503, OUT),
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS secret", 230, "alice logged in, in /"),
            Step("CWD docs", 250, "alice logged in, in /docs"),
            Step("PASS secret", 503, "alice logged in, in /docs"),
            Step("PWD", 257, "alice logged in, in /docs"),
        ],
    );
}

#[test]
fn user_starts_a_new_login_even_when_logged_in() {
    fresh(
        "Logged in as alice, USER bob: the old login is over, bob's password is awaited.",
        &[
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS secret", 230, "alice logged in, in /"),
            Step("USER bob", 331, "waiting for bob's password"),
            Step("GET readme", 530, "waiting for bob's password"),
            Step("PASS builder", 230, "bob logged in, in /"),
        ],
    );
}

#[test]
fn user_starts_a_new_login_while_a_password_is_awaited() {
    fresh(
        "USER eve, then USER alice before any PASS: alice's password is awaited now, not eve's.",
        &[
            Step("USER eve", 331, "waiting for eve's password"),
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS secret", 230, "alice logged in, in /"),
        ],
    );
}

#[test]
fn quit_works_in_every_state() {
    fresh("QUIT before any login.", &[Step("QUIT", 221, OUT)]);
    fresh(
        "QUIT while the password is awaited.",
        &[
            Step("USER alice", 331, "waiting for alice's password"),
            Step("QUIT", 221, "waiting for alice's password"),
        ],
    );
}

#[test]
fn each_session_has_its_own_directory_and_login() {
    // One store, two sessions: what one stores, the other reads; where one is, is its own.
    let mut store = Store::new();
    let (mut alice, mut bob) = (Session::new(), Session::new());
    converse(
        "Session 1 logs in as alice, goes to /pub, stores a value.",
        &mut alice,
        &mut store,
        &[
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS secret", 230, "alice logged in, in /"),
            Step("CWD pub", 250, "alice logged in, in /pub"),
            Step("PUT news hello", 250, "alice logged in, in /pub"),
        ],
    );
    converse(
        "Then session 2: logged out, in / (alice's login and directory are hers alone); once \
         logged in it finds her value in /pub.",
        &mut bob,
        &mut store,
        &[
            Step("GET news", 530, OUT),
            Step("USER bob", 331, "waiting for bob's password"),
            Step("PASS builder", 230, "bob logged in, in /"),
            Step("GET news", 550, "bob logged in, in /"),
            Step("CWD pub", 250, "bob logged in, in /pub"),
            Step("GET news", 213, "bob logged in, in /pub"),
        ],
    );
    if alice.state
        != (State::LoggedIn {
            user: "alice".into(),
        })
        || alice.cwd != "/pub"
    {
        fail(
            "Session 1 changed while session 2 talked.",
            "alice logged in, in /pub",
            &alice.to_string(),
        );
    }
}

#[test]
fn wrong_passwords_are_limited_per_connection() {
    fresh(
        "Three wrong passwords on one connection: the third gets 421 and ends the session. A \
         stray PASS (503) is no attempt; a new USER does not start the count again.",
        &[
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS guess1", 530, OUT),
            Step("PASS guess2", 503, OUT),
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS guess3", 530, OUT),
            Step("USER bob", 331, "waiting for bob's password"),
            Step("PASS guess4", 421, OUT),
        ],
    );
    fresh(
        "The count never goes down: should the connection go on after the 421, every wrong \
         password after the third gets 421 too.",
        &[
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS guess", 530, OUT),
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS guess", 530, OUT),
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS guess", 421, OUT),
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS guess", 421, OUT),
            Step("USER bob", 331, "waiting for bob's password"),
            Step("PASS guess", 421, OUT),
        ],
    );
    fresh(
        "A right password in between does not start the count again either.",
        &[
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS guess", 530, OUT),
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS secret", 230, "alice logged in, in /"),
            Step("USER bob", 331, "waiting for bob's password"),
            Step("PASS guess", 530, OUT),
            Step("USER bob", 331, "waiting for bob's password"),
            Step("PASS guess", 421, OUT),
        ],
    );
    // The count is the connection's own: two sessions, two wrong passwords each, then right.
    let mut store = Store::new();
    for who in ["Session 1", "Then session 2 (its own count, from 0)"] {
        converse(
            &format!("{who}: two wrong passwords, then the right one: 230."),
            &mut Session::new(),
            &mut store,
            &[
                Step("USER alice", 331, "waiting for alice's password"),
                Step("PASS guess", 530, OUT),
                Step("USER alice", 331, "waiting for alice's password"),
                Step("PASS guess", 530, OUT),
                Step("USER alice", 331, "waiting for alice's password"),
                Step("PASS secret", 230, "alice logged in, in /"),
            ],
        );
    }
}

#[test]
fn whoever_logs_in_next_starts_at_the_top() {
    fresh(
        "alice goes to /docs, then USER bob: bob's login starts in /, not in alice's directory.",
        &[
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS secret", 230, "alice logged in, in /"),
            Step("CWD docs", 250, "alice logged in, in /docs"),
            Step("USER bob", 331, "waiting for bob's password"),
            Step("PASS builder", 230, "bob logged in, in /"),
            Step("GET readme", 550, "bob logged in, in /"),
        ],
    );
    fresh(
        "alice goes to /docs, then USER alice again: a new login, even for the same user, starts \
         in /.",
        &[
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS secret", 230, "alice logged in, in /"),
            Step("CWD docs", 250, "alice logged in, in /docs"),
            Step("USER alice", 331, "waiting for alice's password"),
            Step("PASS secret", 230, "alice logged in, in /"),
            Step("GET readme", 550, "alice logged in, in /"),
        ],
    );
}

#[test]
fn handle_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your handle runs.
    testkit::prints_nothing(
        "handle",
        &[
            "a_login_then_the_file_commands",
            "a_wrong_password_logs_out",
            "nothing_runs_before_a_login",
        ],
    );
}
