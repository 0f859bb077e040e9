// Lesson 15's exercise: the session's transition function. Yours to write.
//
// Check it:       cargo exercise lesson-15-session
// Stuck?          cargo hint lesson-15-session      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-15-session

#[allow(unused_imports)]
use crate::{Command, Reply, Session, State, Store};

// ANCHOR: exercise
/// One command, in the light of what came before on this connection: it may change the
/// session (log in, change directory, count a wrong password) and always gives exactly one
/// reply.
///
/// The contract (what the checks test: the reply's code, the session after it, and the
/// store; the reply's text is yours to word, except what `store.run` returns):
/// - `QUIT`, in any state: 221. The session is left as it is (the connection ends next).
/// - `USER name`, in any state (logged in too: it starts a new login; waiting for a password
///   too: the new name replaces the old): 331, and the session waits for that user's password
///   (`State::NeedPass`). A new login starts in `/`, even for the same user: whoever logs in
///   next does not inherit the last login's directory.
/// - `PASS password` right after `USER`: if `store.password_ok(user, password)`, 230 and
///   `State::LoggedIn`; if not, 530 and `State::LoggedOut` (the client starts again from
///   `USER`).
/// - A connection may give at most 3 wrong passwords, in all (a new `USER` does not start the
///   count again; a right password does not either): the third gets 421 instead of 530, and
///   the session is over (logged out; the connection ends next, as after `QUIT`). The count
///   never goes down: should the connection go on, every wrong password after the third
///   gets 421 too (what a later right password gets is not checked: the lesson closes the
///   connection on 421). `session.wrong_passwords` is where the count is kept; every session
///   has its own.
/// - `PASS` at any other time: 503, and the session is left as it is (it is no password
///   attempt).
/// - Any other command once logged in: whatever `store.run(&mut session.cwd, command)`
///   replies, code and text, unchanged (it changes the directory, lists, stores and reads
///   values; `PWD` too is the store's business).
/// - Any other command before that (logged out, or waiting for the password): 530, and
///   nothing changes, in the session or in the store.
/// - Print nothing: the lesson narrates each line around your function.
pub fn handle(session: &mut Session, store: &mut Store, command: Command) -> Reply {
    let _ = (session, store, command);
    todo!("the session's transition function")
}
// ANCHOR_END: exercise
