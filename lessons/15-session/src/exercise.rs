//! Lesson 15 exercise: the session's transition function.
//!
//! Check your work with:   cargo exercise lesson-15-session
//! Run your version with:  cargo run -p lesson-15-session --features exercise

#[allow(unused_imports)] // You will need these.
use crate::{Command, Reply, Session, State, Store};

// ANCHOR: exercise
/// The session's transition function: one command, in the light of what came before.
/// It may change the session (log in, change directory) and always gives one reply.
///
/// TODO: match on the session's state and the command:
///   - QUIT, in any state: 221 bye
///   - USER name, in any state: remember the name (State::NeedPass), 331 password required for <name>
///   - PASS right after USER: if `store.password_ok(user, &password)`, State::LoggedIn and
///     230 <user> logged in; otherwise back to State::LoggedOut and 530 login incorrect
///   - PASS at any other time: 503 bad sequence of commands: USER first
///   - any other command when logged in: `store.run(&mut session.cwd, command)`
///   - any other command when not logged in: 530 not logged in
pub fn handle(session: &mut Session, store: &mut Store, command: Command) -> Reply {
    let _ = (session, store, command);
    todo!("the session's transition function")
}
// ANCHOR_END: exercise
