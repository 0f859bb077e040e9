// WRONG: the login steps are right, but the other commands ignore the state: GET works before
// login, as if every line stood on its own (a stateless server with a login decoration).

use crate::{Command, Reply, Session, State, Store};

pub fn handle(session: &mut Session, store: &mut Store, command: Command) -> Reply {
    match command {
        Command::Quit => Reply::new(221, "bye"),
        Command::User(user) => {
            let text = format!("password required for {user}");
            session.state = State::NeedPass { user };
            session.cwd = "/".to_string();
            Reply::new(331, text)
        }
        Command::Pass(password) => match &session.state {
            State::NeedPass { user } if store.password_ok(user, &password) => {
                let text = format!("{user} logged in");
                session.state = State::LoggedIn { user: user.clone() };
                Reply::new(230, text)
            }
            State::NeedPass { .. } => {
                session.state = State::LoggedOut;
                session.wrong_passwords += 1;
                if session.wrong_passwords >= 3 {
                    return Reply::new(421, "too many wrong passwords");
                }
                Reply::new(530, "login incorrect")
            }
            _ => Reply::new(503, "bad sequence of commands: USER first"),
        },
        command => store.run(&mut session.cwd, command),
    }
}
