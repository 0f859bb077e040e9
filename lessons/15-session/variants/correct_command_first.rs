// CORRECT, written differently: the command first, then the state; other reply texts.

use crate::{Command, Reply, Session, State, Store};

pub fn handle(session: &mut Session, store: &mut Store, command: Command) -> Reply {
    match command {
        Command::Quit => Reply::new(221, "goodbye"),
        Command::User(name) => {
            session.state = State::NeedPass { user: name };
            Reply::new(331, "send PASS")
        }
        Command::Pass(password) => {
            let State::NeedPass { user } = &session.state else {
                return Reply::new(503, "PASS must follow USER");
            };
            let ok = store.password_ok(user, &password);
            session.state = match ok {
                true => State::LoggedIn { user: user.clone() },
                false => State::LoggedOut,
            };
            match ok {
                true => Reply::new(230, "welcome"),
                false => Reply::new(530, "wrong user or password"),
            }
        }
        other => {
            if matches!(session.state, State::LoggedIn { .. }) {
                store.run(&mut session.cwd, other)
            } else {
                Reply::new(530, "please log in with USER and PASS")
            }
        }
    }
}
