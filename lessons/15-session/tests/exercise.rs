//! The exercise's checks: your `Session` gets a shared store and the commands of a whole
//! conversation one after another; the checks look at each reply's code (and the store's own
//! replies, whole), at what the store holds (through GET, once logged in), and at `is_over`
//! and `user` after each command. Never at your fields, nor at the wording of your own
//! replies. (`cargo exercise lesson-15-session` runs them on src/exercise.rs.)

use lesson_15_session::{Command, Session, Store};
use testkit::{fail, yours};

/// One line of a conversation: the command; the reply expected, either its code alone
/// (`"530"`) or code and text when the reply is the store's (`"257 \"/docs\""`); and the
/// session after it: `"-"` nobody logged in, `"alice"` alice logged in, `"over"`.
struct Step(&'static str, &'static str, &'static str);

/// The session as the checks see it, in the words of a `Step`.
fn seen(session: &Session) -> String {
    if yours(|| session.is_over()) {
        return "over".to_string();
    }
    match yours(|| session.user().map(str::to_string)) {
        Some(user) => user,
        None => "-".to_string(),
    }
}

fn shown(after: &str) -> String {
    match after {
        "-" => "nobody logged in".to_string(),
        "over" => "over".to_string(),
        user => format!("{user} logged in"),
    }
}

/// Play `steps` on `session`, with `store`; fail at the first difference.
#[track_caller]
fn converse(what: &str, session: &mut Session, store: &mut Store, steps: &[Step]) {
    let mut expected = Vec::new();
    let mut got = Vec::new();
    for Step(line, want, after) in steps {
        let command = Command::parse(line).expect("the checks send only well-formed commands");
        let reply = yours(|| session.handle(store, command));
        let now = seen(session);
        let whole = format!("{} {}", reply.code, reply.text);
        let reply_ok = if want.contains(' ') {
            whole == *want
        } else {
            reply.code.to_string() == *want
        };
        let want = if want.contains(' ') {
            want.to_string()
        } else {
            format!("{want} ...")
        };
        expected.push(format!("{line:<18} -> {want:<24}  then: {}", shown(after)));
        got.push(format!("{line:<18} -> {whole:<24}  then: {}", shown(&now)));
        if !reply_ok || now != *after {
            got.last_mut().unwrap().push_str("   <- here");
            fail(what, &expected.join("\n"), &got.join("\n"));
        }
    }
}

fn fresh(what: &str, steps: &[Step]) {
    let mut session = yours(Session::new);
    converse(what, &mut session, &mut Store::new(), steps);
}

/// A new session, logged in as alice (checked on the way).
fn alice(store: &mut Store) -> Session {
    let mut session = yours(Session::new);
    converse(
        "Logging in as alice.",
        &mut session,
        store,
        &[
            Step("USER alice", "331", "-"),
            Step("PASS secret", "230", "alice"),
        ],
    );
    session
}

#[test]
fn a_login_then_the_file_commands() {
    fresh(
        "USER, the right PASS, then file commands: they run in the login's directory.",
        &[
            Step("USER alice", "331", "-"),
            Step("PASS secret", "230", "alice"),
            Step("PWD", "257 \"/\"", "alice"),
            Step("CWD docs", "250 now in /docs", "alice"),
            Step("PWD", "257 \"/docs\"", "alice"),
            Step("GET readme", "213 read me first", "alice"),
            Step("PUT todo buy milk", "250 stored /docs/todo", "alice"),
            Step("GET todo", "213 buy milk", "alice"),
            Step("CWD /nowhere", "550", "alice"),
            Step("PWD", "257 \"/docs\"", "alice"),
            Step("QUIT", "221", "over"),
        ],
    );
}

#[test]
fn the_file_commands_hand_back_the_stores_reply() {
    let mut store = Store::new();
    let mut session = alice(&mut store);
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
        "RNFR todo",
        "RNTO done",
        "LIST",
        "CWD /nowhere",
        "CWD ..",
        "PWD",
    ];
    let (mut expected, mut got) = (Vec::new(), Vec::new());
    for line in lines {
        let command = Command::parse(line).expect("the checks send only well-formed commands");
        let want = match &command {
            Command::Rnfr(_) => lesson_15_session::Reply::new(350, "(yours)"),
            Command::Rnto(to) => shadow.rename(&shadow_cwd, "todo", to),
            _ => shadow.run(&mut shadow_cwd, command.clone()),
        };
        let reply = yours(|| session.handle(&mut store, command));
        let same = match want.code {
            350 => reply.code == 350,
            _ => reply == want,
        };
        expected.push(format!("{line:<18} -> {} {}", want.code, want.text));
        got.push(format!("{line:<18} -> {} {}", reply.code, reply.text));
        if !same {
            got.last_mut().unwrap().push_str("   <- here");
            fail(
                "Logged in as alice: each file command's reply is the store's, whole (code and \
                 text), as `store.run` (or, for RNTO, `store.rename`) gives it, in the login's \
                 own directory.",
                &expected.join("\n"),
                &got.join("\n"),
            );
        }
    }
}

#[test]
fn nothing_runs_before_a_login() {
    let mut session = yours(Session::new);
    let mut store = Store::new();
    converse(
        "File commands before any login: 530 each, and nothing changes.",
        &mut session,
        &mut store,
        &[
            Step("GET readme", "530", "-"),
            Step("CWD docs", "530", "-"),
            Step("PUT secret 42", "530", "-"),
            Step("LIST", "530", "-"),
            Step("PWD", "530", "-"),
            Step("RNFR readme", "530", "-"),
            Step("RNTO stolen", "530", "-"),
        ],
    );
    converse(
        "Then a login shows that nothing changed: still in /, no `secret` stored, readme not \
         renamed.",
        &mut session,
        &mut store,
        &[
            Step("USER alice", "331", "-"),
            Step("PASS secret", "230", "alice"),
            Step("PWD", "257 \"/\"", "alice"),
            Step("GET secret", "550", "alice"),
            Step("CWD docs", "250", "alice"),
            Step("GET secret", "550", "alice"),
            Step("GET readme", "213 read me first", "alice"),
            Step("GET stolen", "550", "alice"),
        ],
    );
}

#[test]
fn nothing_runs_while_the_password_is_awaited() {
    fresh(
        "USER alice, then file commands before PASS: refused (530), the password is still \
         awaited (nobody logged in yet), and nothing was stored.",
        &[
            Step("USER alice", "331", "-"),
            Step("GET readme", "530", "-"),
            Step("PUT early 1", "530", "-"),
            Step("CWD docs", "530", "-"),
            Step("RNFR readme", "530", "-"),
            Step("PASS secret", "230", "alice"),
            Step("GET early", "550", "alice"),
            Step("PWD", "257 \"/\"", "alice"),
        ],
    );
}

#[test]
fn a_wrong_password_logs_out() {
    fresh(
        "A wrong password: 530, and back to the start (the next PASS is out of order).",
        &[
            Step("USER alice", "331", "-"),
            Step("PASS guess", "530", "-"),
            Step("PASS secret", "503", "-"),
            Step("GET readme", "530", "-"),
        ],
    );
    fresh(
        "A user with no account: whatever the password, 530.",
        &[
            Step("USER eve", "331", "-"),
            Step("PASS secret", "530", "-"),
        ],
    );
}

#[test]
fn a_pass_out_of_order_is_refused_and_changes_nothing() {
    fresh(
        "PASS with no USER just before it: 503, and the session is left as it was.",
        &[
            Step("PASS secret", "503", "-"),
            Step("USER alice", "331", "-"),
            Step("PASS secret", "230", "alice"),
            Step("CWD docs", "250", "alice"),
            Step("PASS secret", "503", "alice"),
            Step("PWD", "257 \"/docs\"", "alice"),
        ],
    );
}

#[test]
fn user_starts_a_new_login_at_any_time() {
    fresh(
        "Logged in as alice, USER bob: the old login is over, bob's password is awaited.",
        &[
            Step("USER alice", "331", "-"),
            Step("PASS secret", "230", "alice"),
            Step("USER bob", "331", "-"),
            Step("GET readme", "530", "-"),
            Step("PASS secret", "530", "-"),
            Step("USER bob", "331", "-"),
            Step("PASS builder", "230", "bob"),
        ],
    );
    fresh(
        "USER eve, then USER alice before any PASS: alice's password is awaited now, not eve's.",
        &[
            Step("USER eve", "331", "-"),
            Step("USER alice", "331", "-"),
            Step("PASS secret", "230", "alice"),
        ],
    );
}

#[test]
fn quit_ends_the_session_and_nothing_is_served_after() {
    fresh("QUIT before any login.", &[Step("QUIT", "221", "over")]);
    fresh(
        "QUIT while the password is awaited: over; a PASS after it is not served.",
        &[
            Step("USER alice", "331", "-"),
            Step("QUIT", "221", "over"),
            Step("PASS secret", "421", "over"),
        ],
    );
    let mut store = Store::new();
    let mut session = alice(&mut store);
    converse(
        "Logged in, QUIT: over. Whatever comes after gets 421 and changes nothing.",
        &mut session,
        &mut store,
        &[
            Step("QUIT", "221", "over"),
            Step("PUT late 1", "421", "over"),
            Step("USER alice", "421", "over"),
            Step("PASS secret", "421", "over"),
            Step("QUIT", "421", "over"),
        ],
    );
    converse(
        "A new session on the same store finds nothing the over session was sent.",
        &mut alice(&mut store),
        &mut store,
        &[Step("GET late", "550", "alice")],
    );
}

#[test]
fn each_session_has_its_own_directory_and_login() {
    // One store, two sessions: what one stores, the other reads; where one is, is its own.
    let mut store = Store::new();
    let mut first = alice(&mut store);
    converse(
        "Session 1 (alice) goes to /pub and stores a value.",
        &mut first,
        &mut store,
        &[
            Step("CWD pub", "250", "alice"),
            Step("PUT news hello", "250", "alice"),
        ],
    );
    let mut second = yours(Session::new);
    converse(
        "Then session 2: nobody logged in, and once bob is, he is in / (alice's login and \
         directory are her session's alone); he finds her value in /pub.",
        &mut second,
        &mut store,
        &[
            Step("GET news", "530", "-"),
            Step("USER bob", "331", "-"),
            Step("PASS builder", "230", "bob"),
            Step("PWD", "257 \"/\"", "bob"),
            Step("GET news", "550", "bob"),
            Step("CWD pub", "250", "bob"),
            Step("GET news", "213 hello", "bob"),
        ],
    );
    converse(
        "Session 1 after session 2 talked: still alice, still in /pub.",
        &mut first,
        &mut store,
        &[Step("PWD", "257 \"/pub\"", "alice")],
    );
}

#[test]
fn wrong_passwords_are_limited_per_connection() {
    fresh(
        "Three wrong passwords on one connection: the third gets 421 and ends the session. A \
         stray PASS (503) is no attempt; a new USER does not start the count again.",
        &[
            Step("USER alice", "331", "-"),
            Step("PASS guess1", "530", "-"),
            Step("PASS guess2", "503", "-"),
            Step("USER alice", "331", "-"),
            Step("PASS guess3", "530", "-"),
            Step("USER bob", "331", "-"),
            Step("PASS guess4", "421", "over"),
        ],
    );
    fresh(
        "After the third wrong password the session is over: even the right one gets 421.",
        &[
            Step("USER alice", "331", "-"),
            Step("PASS guess", "530", "-"),
            Step("USER alice", "331", "-"),
            Step("PASS guess", "530", "-"),
            Step("USER alice", "331", "-"),
            Step("PASS guess", "421", "over"),
            Step("USER alice", "421", "over"),
            Step("PASS secret", "421", "over"),
        ],
    );
    fresh(
        "A right password in between does not start the count again either.",
        &[
            Step("USER alice", "331", "-"),
            Step("PASS guess", "530", "-"),
            Step("USER alice", "331", "-"),
            Step("PASS secret", "230", "alice"),
            Step("USER bob", "331", "-"),
            Step("PASS guess", "530", "-"),
            Step("USER bob", "331", "-"),
            Step("PASS guess", "421", "over"),
        ],
    );
    // The count is the connection's own: two sessions, two wrong passwords each, then right.
    let mut store = Store::new();
    for who in ["Session 1", "Then session 2 (its own count, from 0)"] {
        converse(
            &format!("{who}: two wrong passwords, then the right one: 230."),
            &mut yours(Session::new),
            &mut store,
            &[
                Step("USER alice", "331", "-"),
                Step("PASS guess", "530", "-"),
                Step("USER alice", "331", "-"),
                Step("PASS guess", "530", "-"),
                Step("USER alice", "331", "-"),
                Step("PASS secret", "230", "alice"),
            ],
        );
    }
}

#[test]
fn whoever_logs_in_next_starts_at_the_top() {
    fresh(
        "alice goes to /docs, then USER bob: bob's login starts in /, not in alice's directory.",
        &[
            Step("USER alice", "331", "-"),
            Step("PASS secret", "230", "alice"),
            Step("CWD docs", "250", "alice"),
            Step("USER bob", "331", "-"),
            Step("PASS builder", "230", "bob"),
            Step("PWD", "257 \"/\"", "bob"),
            Step("GET readme", "550", "bob"),
        ],
    );
    fresh(
        "alice goes to /docs, then USER alice again: a new login, even for the same user, starts \
         in /.",
        &[
            Step("USER alice", "331", "-"),
            Step("PASS secret", "230", "alice"),
            Step("CWD docs", "250", "alice"),
            Step("USER alice", "331", "-"),
            Step("PASS secret", "230", "alice"),
            Step("PWD", "257 \"/\"", "alice"),
        ],
    );
}

#[test]
fn a_rename_is_rnfr_then_rnto() {
    let mut store = Store::new();
    let mut session = alice(&mut store);
    converse(
        "In /docs, RNFR readme (350), RNTO manual: the store's reply, and the value moved. A \
         second RNTO has no RNFR just before it: 503.",
        &mut session,
        &mut store,
        &[
            Step("CWD docs", "250", "alice"),
            Step("RNFR readme", "350", "alice"),
            Step(
                "RNTO manual",
                "250 renamed /docs/readme to /docs/manual",
                "alice",
            ),
            Step("GET manual", "213 read me first", "alice"),
            Step("GET readme", "550", "alice"),
            Step("RNTO again", "503", "alice"),
            Step("GET again", "550", "alice"),
            Step("GET manual", "213 read me first", "alice"),
        ],
    );
    fresh(
        "RNTO with no RNFR at all, logged in: 503, nothing renamed.",
        &[
            Step("USER alice", "331", "-"),
            Step("PASS secret", "230", "alice"),
            Step("RNTO manual", "503", "alice"),
            Step("CWD docs", "250", "alice"),
            Step("RNTO manual", "503", "alice"),
            Step("GET readme", "213 read me first", "alice"),
        ],
    );
}

#[test]
fn a_refused_rnfr_leaves_nothing_pending() {
    let mut store = Store::new();
    let mut session = alice(&mut store);
    converse(
        "RNFR of a key that holds nothing: 550, and the RNTO after it is out of order (503).",
        &mut session,
        &mut store,
        &[
            Step("RNFR nothing", "550", "alice"),
            Step("RNTO something", "503", "alice"),
            Step("GET something", "550", "alice"),
        ],
    );
    converse(
        "RNFR readme (350), then RNFR nothing (550): the second replaces the first with \
         nothing, so RNTO is out of order.",
        &mut session,
        &mut store,
        &[
            Step("CWD docs", "250", "alice"),
            Step("RNFR readme", "350", "alice"),
            Step("RNFR nothing", "550", "alice"),
            Step("RNTO manual", "503", "alice"),
            Step("GET readme", "213 read me first", "alice"),
            Step("GET manual", "550", "alice"),
        ],
    );
}

#[test]
fn a_second_rnfr_replaces_the_first() {
    let mut store = Store::new();
    let mut session = alice(&mut store);
    converse(
        "RNFR a, then RNFR b (both 350), then RNTO c: it is b that becomes c.",
        &mut session,
        &mut store,
        &[
            Step("PUT a one", "250", "alice"),
            Step("PUT b two", "250", "alice"),
            Step("RNFR a", "350", "alice"),
            Step("RNFR b", "350", "alice"),
            Step("RNTO c", "250 renamed /b to /c", "alice"),
            Step("GET c", "213 two", "alice"),
            Step("GET a", "213 one", "alice"),
        ],
    );
}

#[test]
fn any_command_between_cancels_the_rename() {
    let between: [(&str, &str); 8] = [
        ("PWD", "257"),
        ("LIST", "226"),
        ("GET readme", "213"),
        ("PUT other 1", "250"),
        ("CWD docs", "550"),
        ("CWD .", "550"),
        ("PASS secret", "503"),
        ("GET nothing", "550"),
    ];
    for (line, code) in between {
        let mut store = Store::new();
        let mut session = alice(&mut store);
        converse(
            &format!(
                "RNFR readme (350), then {line}: the RNTO that follows is not right after the \
                 RNFR any more: 503, and nothing is renamed."
            ),
            &mut session,
            &mut store,
            &[
                Step("CWD docs", "250", "alice"),
                Step("RNFR readme", "350", "alice"),
                Step(line, code, "alice"),
                Step("RNTO manual", "503", "alice"),
                Step("GET manual", "550", "alice"),
                Step("GET readme", "213 read me first", "alice"),
            ],
        );
    }
    let mut store = Store::new();
    let mut session = alice(&mut store);
    converse(
        "RNFR readme (350), then a new login (USER, PASS): the rename was the old login's; \
         RNTO now is 503.",
        &mut session,
        &mut store,
        &[
            Step("CWD docs", "250", "alice"),
            Step("RNFR readme", "350", "alice"),
            Step("USER alice", "331", "-"),
            Step("PASS secret", "230", "alice"),
            Step("CWD docs", "250", "alice"),
            Step("RNTO manual", "503", "alice"),
            Step("GET readme", "213 read me first", "alice"),
        ],
    );
}

#[test]
fn a_pending_rename_is_its_sessions_own() {
    let mut store = Store::new();
    let mut first = alice(&mut store);
    let mut second = alice(&mut store);
    converse(
        "Session 1: CWD docs, RNFR readme (350).",
        &mut first,
        &mut store,
        &[
            Step("CWD docs", "250", "alice"),
            Step("RNFR readme", "350", "alice"),
        ],
    );
    converse(
        "Then session 2, in /docs too: its RNTO has no RNFR of its own before it: 503.",
        &mut second,
        &mut store,
        &[
            Step("CWD docs", "250", "alice"),
            Step("RNTO stolen", "503", "alice"),
            Step("GET stolen", "550", "alice"),
        ],
    );
    converse(
        "Then session 1's RNTO, right after its own RNFR on its connection: renamed.",
        &mut first,
        &mut store,
        &[
            Step("RNTO manual", "250", "alice"),
            Step("GET manual", "213 read me first", "alice"),
        ],
    );
}

#[test]
fn session_prints_nothing() {
    // The contract's "print nothing": these checks run again with their output seen, and
    // nothing may come out while your session runs.
    testkit::prints_nothing(
        "Session::handle",
        &[
            "a_login_then_the_file_commands",
            "a_wrong_password_logs_out",
            "a_rename_is_rnfr_then_rnto",
        ],
    );
}
