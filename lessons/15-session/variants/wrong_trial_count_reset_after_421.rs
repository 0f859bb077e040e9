// WRONG: the 421 starts the count again from 0 ("the session is over anyway"): the count
// goes down, and the same connection gets three more guesses if it is not closed.

use crate::{Command, Reply, Session, State, Store};

// Wrong passwords a connection may give; the last one ends the session.
const MAX_WRONG_PASSWORDS: u32 = 3;

// The session's transition function: one command, in the light of what came before.
// It may change the session (log in, change directory) and always gives one reply.
pub fn handle(session: &mut Session, store: &mut Store, command: Command) -> Reply {
    match (&session.state, command) {
        // QUIT works in every state.
        (_, Command::Quit) => Reply::new(221, "bye"),
        // USER starts a login, whatever came before.
        (_, Command::User(user)) => {
            let text = format!("password required for {user}");
            session.state = State::NeedPass { user };
            // A new login starts at the top, not where the last user was.
            session.cwd = "/".to_string();
            Reply::new(331, text)
        }
        // PASS only makes sense right after USER: the server remembers who asked.
        (State::NeedPass { user }, Command::Pass(password)) => {
            if store.password_ok(user, &password) {
                let text = format!("{user} logged in");
                session.state = State::LoggedIn { user: user.clone() };
                Reply::new(230, text)
            } else {
                session.state = State::LoggedOut;
                // Counted per connection, and never forgotten: USER again does not reset it.
                session.wrong_passwords += 1;
                if session.wrong_passwords >= MAX_WRONG_PASSWORDS {
                    session.wrong_passwords = 0;
                    Reply::new(421, "too many wrong passwords, closing")
                } else {
                    Reply::new(530, "login incorrect")
                }
            }
        }
        (_, Command::Pass(_)) => Reply::new(503, "bad sequence of commands: USER first"),
        // Everything else needs a login, and runs in the session's current directory.
        (State::LoggedIn { .. }, command) => store.run(&mut session.cwd, command),
        (_, _) => Reply::new(530, "not logged in"),
    }
}
