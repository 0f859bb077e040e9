//! Lesson 15's commands, replies and store, and its exercise: the `Session` type, what one
//! connection remembers, with `handle`, which answers one command. It prints nothing and
//! touches no socket: the lesson reads each line, narrates, and sends the `Reply` it returns;
//! the tests check the replies, the store, and the session's `is_over` and `user`.

use std::collections::BTreeMap;

// The type you write: src/exercise.rs is yours (`cargo exercise lesson-15-session` checks
// it), src/solution.rs is ours. Maintainers build a variant in its place (CONTRIBUTING.md).
#[cfg(not(feature = "variant"))]
#[allow(clippy::new_without_default)]
#[cfg_attr(feature = "exercise", path = "exercise.rs")]
#[cfg_attr(not(feature = "exercise"), path = "solution.rs")]
mod exercise;
#[cfg(feature = "variant")]
#[allow(clippy::new_without_default)]
mod exercise {
    include!(env!(
        "LESSON_VARIANT",
        "set LESSON_VARIANT to the variant's path (cargo xtask verify-exercises does)"
    ));
}
pub use exercise::Session;

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

// ANCHOR: command
/// One command, read from one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    User(String),
    Pass(String),
    Pwd,
    Cwd(String),
    List,
    Put(String, String),
    Get(String),
    /// Rename, first half: the key to rename (RFC 959's RNFR).
    Rnfr(String),
    /// Rename, second half: its new key (RNTO).
    Rnto(String),
    Quit,
}

/// One numbered reply: `230 alice logged in`. The number is for programs (2xx: done,
/// 3xx: say more, 4xx: try later, 5xx: refused), the text for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub text: String,
}

impl Reply {
    pub fn new(code: u16, text: impl Into<String>) -> Reply {
        Reply {
            code,
            text: text.into(),
        }
    }

    /// The bytes on the wire: the number, a space, the text, CRLF.
    pub fn to_bytes(&self) -> Vec<u8> {
        format!("{} {}\r\n", self.code, self.text).into_bytes()
    }
}

impl Command {
    /// Read a command from a line (without its line end). The verb's case does not matter.
    /// Whatever cannot be a command gets its reply here: 500 unknown, 501 bad arguments.
    pub fn parse(line: &str) -> std::result::Result<Command, Reply> {
        let (verb, arg) = match line.split_once(' ') {
            Some((verb, arg)) => (verb, arg.trim()),
            None => (line, ""),
        };
        let needs = |what: &str| Reply::new(501, format!("syntax: {verb} needs {what}"));
        let one_word = |arg: &str, what: &str| {
            if arg.is_empty() || arg.contains(' ') {
                Err(needs(what))
            } else {
                Ok(arg.to_string())
            }
        };
        match verb.to_ascii_uppercase().as_str() {
            "USER" => one_word(arg, "a name").map(Command::User),
            "PASS" => one_word(arg, "a password").map(Command::Pass),
            "PWD" => Ok(Command::Pwd),
            "CWD" => one_word(arg, "a directory").map(Command::Cwd),
            "LIST" => Ok(Command::List),
            "PUT" => match arg.split_once(' ') {
                Some((key, value)) if is_key(key) => {
                    Ok(Command::Put(key.to_string(), value.trim().to_string()))
                }
                _ => Err(needs("a key (no /) and a value")),
            },
            "GET" if is_key(arg) => Ok(Command::Get(arg.to_string())),
            "GET" => Err(needs("a key (no /)")),
            "RNFR" if is_key(arg) => Ok(Command::Rnfr(arg.to_string())),
            "RNTO" if is_key(arg) => Ok(Command::Rnto(arg.to_string())),
            "RNFR" | "RNTO" => Err(needs("a key (no /)")),
            "QUIT" => Ok(Command::Quit),
            _ => Err(Reply::new(
                500,
                format!("unknown command {:?}", verb.escape_debug().to_string()),
            )),
        }
    }
}

fn is_key(word: &str) -> bool {
    !word.is_empty() && !word.contains(['/', ' '])
}
// ANCHOR_END: command

// ANCHOR: store
/// What the server keeps for everybody, across sessions and reconnects: the accounts, and
/// a small tree of directories with values in them (in memory; no real files).
pub struct Store {
    accounts: Vec<(&'static str, &'static str)>,
    dirs: Vec<&'static str>,
    /// Full path (`/docs/readme`) → value.
    values: BTreeMap<String, String>,
}

impl Store {
    pub fn new() -> Store {
        let mut values = BTreeMap::new();
        values.insert("/docs/readme".to_string(), "read me first".to_string());
        Store {
            accounts: vec![("alice", "secret"), ("bob", "builder")],
            dirs: vec!["/", "/docs", "/pub"],
            values,
        }
    }

    pub fn password_ok(&self, user: &str, password: &str) -> bool {
        self.accounts.contains(&(user, password))
    }

    /// Whether the key `key` holds a value, seen from the directory `cwd`.
    pub fn exists(&self, cwd: &str, key: &str) -> bool {
        self.values.contains_key(&resolve(cwd, key))
    }

    /// Give the value at `from` the key `to` (an old value at `to` is replaced), both seen from
    /// `cwd`: 250, or 550 if `from` holds nothing.
    pub fn rename(&mut self, cwd: &str, from: &str, to: &str) -> Reply {
        let (from, to) = (resolve(cwd, from), resolve(cwd, to));
        match self.values.remove(&from) {
            Some(value) => {
                self.values.insert(to.clone(), value);
                Reply::new(250, format!("renamed {from} to {to}"))
            }
            None => Reply::new(550, format!("no such key: {from}")),
        }
    }

    /// The commands that need a login and no memory of the one before, run in the directory
    /// `cwd` (which CWD changes).
    pub fn run(&mut self, cwd: &mut String, command: Command) -> Reply {
        match command {
            Command::Pwd => Reply::new(257, format!("\"{cwd}\"")),
            Command::Cwd(dir) => {
                let target = resolve(cwd, &dir);
                if self.dirs.contains(&target.as_str()) {
                    *cwd = target;
                    Reply::new(250, format!("now in {cwd}"))
                } else {
                    Reply::new(550, format!("no such directory: {target}"))
                }
            }
            Command::List => {
                let dirs = self.dirs.iter().filter(|d| parent(d) == Some(cwd.as_str()));
                let dirs = dirs.map(|d| format!("{}/", name(d)));
                let keys = self
                    .values
                    .keys()
                    .filter(|k| parent(k) == Some(cwd.as_str()));
                let names: Vec<String> = dirs.chain(keys.map(|k| name(k).to_string())).collect();
                if names.is_empty() {
                    Reply::new(226, "(empty)")
                } else {
                    Reply::new(226, names.join(" "))
                }
            }
            Command::Put(key, value) => {
                let path = resolve(cwd, &key);
                self.values.insert(path.clone(), value);
                Reply::new(250, format!("stored {path}"))
            }
            Command::Get(key) => match self.values.get(&resolve(cwd, &key)) {
                Some(value) => Reply::new(213, value.clone()),
                None => Reply::new(550, format!("no such key: {key}")),
            },
            // USER, PASS, QUIT, RNFR and RNTO are the session's business, not the store's.
            _ => Reply::new(503, "bad sequence of commands"),
        }
    }
}

/// `dir` seen from `cwd`: `/pub`, `docs`, `..` and `/` all work.
fn resolve(cwd: &str, dir: &str) -> String {
    match dir {
        "/" => "/".to_string(),
        ".." => parent(cwd).unwrap_or("/").to_string(),
        _ if dir.starts_with('/') => dir.trim_end_matches('/').to_string(),
        _ if cwd == "/" => format!("/{}", dir.trim_end_matches('/')),
        _ => format!("{cwd}/{}", dir.trim_end_matches('/')),
    }
}

/// `/docs/readme` → `/docs`, `/docs` → `/`, `/` → none.
fn parent(path: &str) -> Option<&str> {
    match path.rfind('/') {
        _ if path == "/" => None,
        Some(0) => Some("/"),
        Some(at) => Some(&path[..at]),
        None => None,
    }
}

fn name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
// ANCHOR_END: store
