// WRONG: RNFR remembers its key whether it exists or not: RNFR nothing (550) then RNTO gets
// the store's 550 instead of 503, and a refused second RNFR does not cancel the first's key.

use crate::{Command, Reply, Store};

/// Wrong passwords a connection may give; the last one ends the session.
const MAX_WRONG_PASSWORDS: u32 = 3;

/// Where a connection is in its login. Each state carries what it needs and nothing more:
/// there is no directory without a login, no password without a user, and no rename pending
/// without a login to do it in.
enum Login {
    Out,
    /// USER came; its PASS is awaited.
    NeedPass {
        user: String,
    },
    /// Logged in. The directory and a pending rename belong to this login: the next USER
    /// drops them with it.
    In {
        user: String,
        cwd: String,
        /// The key an RNFR accepted (350), for the RNTO that must come next.
        renaming: Option<String>,
    },
    /// QUIT, or one wrong password too many: nothing more is served.
    Over,
}

/// What the server remembers about one connection, for as long as it lasts.
pub struct Session {
    login: Login,
    /// Counted per connection, across logins: a new USER does not start it again.
    wrong_passwords: u32,
}

impl Session {
    pub fn new() -> Session {
        Session {
            login: Login::Out,
            wrong_passwords: 0,
        }
    }

    pub fn is_over(&self) -> bool {
        matches!(self.login, Login::Over)
    }

    pub fn user(&self) -> Option<&str> {
        match &self.login {
            Login::In { user, .. } => Some(user),
            _ => None,
        }
    }

    /// One command, in the light of what came before; always one reply.
    pub fn handle(&mut self, store: &mut Store, command: Command) -> Reply {
        // A pending rename lives exactly one command: whatever comes now takes it away, and
        // only a good RNFR puts one back.
        let pending = match &mut self.login {
            Login::In { renaming, .. } => renaming.take(),
            _ => None,
        };
        match (&mut self.login, command) {
            (Login::Over, _) => Reply::new(421, "session over, closing"),
            (_, Command::Quit) => {
                self.login = Login::Over;
                Reply::new(221, "bye")
            }
            // USER starts a login, whatever came before: the old one's directory goes with it.
            (_, Command::User(user)) => {
                let text = format!("password required for {user}");
                self.login = Login::NeedPass { user };
                Reply::new(331, text)
            }
            (Login::NeedPass { user }, Command::Pass(password)) => {
                if store.password_ok(user, &password) {
                    let text = format!("{user} logged in");
                    let user = std::mem::take(user);
                    let cwd = "/".to_string();
                    self.login = Login::In {
                        user,
                        cwd,
                        renaming: None,
                    };
                    return Reply::new(230, text);
                }
                self.wrong_passwords += 1;
                if self.wrong_passwords >= MAX_WRONG_PASSWORDS {
                    self.login = Login::Over;
                    Reply::new(421, "too many wrong passwords, closing")
                } else {
                    self.login = Login::Out;
                    Reply::new(530, "login incorrect")
                }
            }
            (_, Command::Pass(_)) => Reply::new(503, "bad sequence of commands: USER first"),
            (Login::In { cwd, renaming, .. }, Command::Rnfr(key)) => {
                let exists = store.exists(cwd, &key);
                *renaming = Some(key.clone());
                if exists {
                    Reply::new(350, "ready for RNTO")
                } else {
                    Reply::new(550, format!("no such key: {key}"))
                }
            }
            (Login::In { cwd, .. }, Command::Rnto(to)) => match pending {
                Some(from) => store.rename(cwd, &from, &to),
                None => Reply::new(503, "bad sequence of commands: RNFR first"),
            },
            (Login::In { cwd, .. }, command) => store.run(cwd, command),
            (_, _) => Reply::new(530, "not logged in"),
        }
    }
}
