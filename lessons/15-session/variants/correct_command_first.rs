// CORRECT, written differently: the command first, then the state; other reply texts; the
// limit checked as "attempts left".

use crate::{Command, Reply, Session, State, Store};

pub fn handle(session: &mut Session, store: &mut Store, command: Command) -> Reply {
    match command {
        Command::Quit => Reply::new(221, "goodbye"),
        Command::User(name) => {
            session.state = State::NeedPass { user: name };
            session.cwd = String::from("/");
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
            if ok {
                return Reply::new(230, "welcome");
            }
            session.wrong_passwords += 1;
            let left = 3u32.saturating_sub(session.wrong_passwords);
            match left {
                0 => Reply::new(421, "no attempts left, bye"),
                _ => Reply::new(530, format!("wrong user or password ({left} left)")),
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
