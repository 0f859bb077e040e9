// CORRECT: a flat struct instead of an enum: the user, a flag for "logged in", the directory,
// and the last command's accepted RNFR, which every call first takes away. Each USER resets
// what belongs to a login by hand.

use crate::{Command, Reply, Store};

pub struct Session {
    user: Option<String>,
    logged_in: bool,
    cwd: String,
    last_rnfr: Option<String>,
    guesses: u8,
    over: bool,
}

impl Session {
    pub fn new() -> Session {
        Session {
            user: None,
            logged_in: false,
            cwd: String::from("/"),
            last_rnfr: None,
            guesses: 0,
            over: false,
        }
    }

    pub fn is_over(&self) -> bool {
        self.over
    }

    pub fn user(&self) -> Option<&str> {
        if self.logged_in && !self.over {
            self.user.as_deref()
        } else {
            None
        }
    }

    pub fn handle(&mut self, store: &mut Store, command: Command) -> Reply {
        let from = self.last_rnfr.take();
        if self.over {
            return Reply::new(421, "closing");
        }
        if command == Command::Quit {
            self.over = true;
            return Reply::new(221, "goodbye");
        }
        if let Command::User(name) = command {
            self.user = Some(name);
            self.logged_in = false;
            self.cwd = String::from("/");
            return Reply::new(331, "send PASS");
        }
        if let Command::Pass(password) = command {
            let Some(name) = self.user.as_deref().filter(|_| !self.logged_in) else {
                return Reply::new(503, "USER first");
            };
            if store.password_ok(name, &password) {
                self.logged_in = true;
                return Reply::new(230, "welcome");
            }
            self.user = None;
            self.guesses += 1;
            if self.guesses == 3 {
                self.over = true;
                return Reply::new(421, "goodbye");
            }
            return Reply::new(530, "wrong password");
        }
        if !self.logged_in {
            return Reply::new(530, "log in first");
        }
        match command {
            Command::Rnfr(key) if store.exists(&self.cwd, &key) => {
                self.last_rnfr = Some(key);
                Reply::new(350, "and the new name?")
            }
            Command::Rnfr(_) => Reply::new(550, "nothing there"),
            Command::Rnto(to) => match from {
                Some(from) => store.rename(&self.cwd, &from, &to),
                None => Reply::new(503, "RNFR first"),
            },
            other => store.run(&mut self.cwd, other),
        }
    }
}
