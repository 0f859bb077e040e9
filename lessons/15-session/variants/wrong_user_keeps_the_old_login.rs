// WRONG: USER while logged in answers 331 but keeps the old login: the session goes on as
// alice, with no password asked, while the client believes it is becoming bob.

use crate::{Command, Reply, Session, State, Store};

pub fn handle(session: &mut Session, store: &mut Store, command: Command) -> Reply {
    match (&session.state, command) {
        // QUIT works in every state.
        (_, Command::Quit) => Reply::new(221, "bye"),
        // USER starts a login, whatever came before.
        (State::LoggedIn { .. }, Command::User(user)) => {
            Reply::new(331, format!("password required for {user}"))
        }
        (_, Command::User(user)) => {
            let text = format!("password required for {user}");
            session.state = State::NeedPass { user };
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
                session.wrong_passwords += 1;
                if session.wrong_passwords >= 3 {
                    return Reply::new(421, "too many wrong passwords");
                }
                Reply::new(530, "login incorrect")
            }
        }
        (_, Command::Pass(_)) => Reply::new(503, "bad sequence of commands: USER first"),
        // Everything else needs a login, and runs in the session's current directory.
        (State::LoggedIn { .. }, command) => store.run(&mut session.cwd, command),
        (_, _) => Reply::new(530, "not logged in"),
    }
}
