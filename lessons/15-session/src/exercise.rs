// Lesson 15's exercise: the session, what the server remembers about one connection. Yours
// to design and write.
//
// Check it:       cargo exercise lesson-15-session
// Stuck?          cargo hint lesson-15-session      (one hint at a time)
// Run the lesson: cargo run-exercise lesson-15-session

#[allow(unused_imports)]
use crate::{Command, Reply, Store};

// ANCHOR: exercise
/// What the server remembers about one connection, from accept to close. Its fields are
/// yours to choose: the lesson and the checks see only `new`, `handle`, `is_over` and `user`.
pub struct Session {}

impl Session {
    /// A new connection: nobody logged in, nothing asked yet.
    pub fn new() -> Session {
        todo!("a new session")
    }

    /// True once the session is over: after QUIT, or after the wrong password that ends it
    /// (the lesson closes the connection then). False before.
    pub fn is_over(&self) -> bool {
        todo!("is the session over?")
    }

    /// Who is logged in: `Some("alice")` after a right password, until the next USER;
    /// `None` before any login, and while a password is awaited.
    pub fn user(&self) -> Option<&str> {
        todo!("who is logged in?")
    }

    /// One command, in the light of what came before on this connection: exactly one reply.
    ///
    /// The protocol (what the checks test: each reply's code, what the store holds, `is_over`
    /// and `user` after each command; the wording of your own replies is yours, but a reply
    /// the store gives is passed on whole, code and text):
    /// - `QUIT`: 221, and the session is over.
    /// - Once the session is over, every command gets 421 and changes nothing.
    /// - `USER name`, at any time (logged in too, or while a password is awaited: the new
    ///   name replaces the old): 331, and that user's password is awaited. Whatever the
    ///   session held for an earlier login is gone: a login, even the same user's again,
    ///   starts in `/` with nothing pending.
    /// - `PASS password` right after a 331: if `store.password_ok(user, password)`, 230 and
    ///   that user is logged in, in `/`. If not, 530 and nobody is logged in (the client
    ///   starts again from `USER`).
    /// - A connection gets 3 wrong passwords in all, whatever USER or right password came
    ///   between them: the third gets 421 instead of 530, and the session is over. Each
    ///   session has its own count.
    /// - `PASS` at any other time: 503; it is no attempt, and changes nothing else (like any
    ///   command, it ends a pending rename: see `RNTO`).
    /// - Every other command before a login (nobody logged in, or a password awaited): 530,
    ///   and nothing changes, in the session or in the store.
    /// - Logged in, `PWD`, `CWD`, `LIST`, `PUT` and `GET`: whatever
    ///   `store.run(&mut cwd, command)` replies, where `cwd` is this login's directory (the
    ///   store changes it on a good `CWD`).
    /// - Logged in, `RNFR key` (rename from): 350 if `store.exists(cwd, key)`, and the rename
    ///   waits for its `RNTO`; 550 if not.
    /// - Logged in, `RNTO key` (rename to): if the command just before it on this connection
    ///   was an RNFR answered 350, whatever `store.rename(cwd, from, key)` replies. Otherwise
    ///   503, and nothing is renamed. Any command between the two (USER, PASS, PWD, a
    ///   refused command, …) cancels the rename; a second RNFR replaces it (with its own key
    ///   if answered 350, with nothing if 550); an RNTO uses it up.
    /// - Print nothing: the lesson narrates each line around your function.
    pub fn handle(&mut self, store: &mut Store, command: Command) -> Reply {
        let _ = (store, command);
        todo!("one command")
    }
}
// ANCHOR_END: exercise
