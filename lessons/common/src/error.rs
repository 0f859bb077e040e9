//! Errors that say which call failed, what the operating system answered, and what to try.

use std::fmt;
use std::io;

/// What every lesson function returns.
pub type Result<T> = std::result::Result<T, LessonError>;

/// A failed step of an exchange: the call, the reason, and a hint for the learner.
#[derive(Debug)]
pub struct LessonError {
    /// The call as the narration showed it, e.g. `connect(127.0.0.1:7005)`.
    pub call: String,
    /// The operating system's error, or `None` for a protocol error found by the lesson itself.
    pub source: Option<io::Error>,
    /// Why it failed in words, when there is no `io::Error` (or to say more than it does).
    pub reason: String,
    /// What the learner can do about it.
    pub hint: Option<String>,
}

impl LessonError {
    /// An error the lesson found itself, e.g. the peer sent something unexpected.
    pub fn protocol(call: impl Into<String>, reason: impl Into<String>) -> Self {
        LessonError {
            call: call.into(),
            source: None,
            reason: reason.into(),
            hint: None,
        }
    }

    /// An error from the operating system, with a hint chosen from its kind.
    pub fn io(call: impl Into<String>, err: io::Error, package: &str) -> Self {
        let hint = default_hint(&err, package);
        LessonError {
            call: call.into(),
            reason: describe(&err),
            source: Some(err),
            hint,
        }
    }

    /// Replace the hint with one that fits the lesson better.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The kind of the underlying `io::Error`, if there is one.
    pub fn kind(&self) -> Option<io::ErrorKind> {
        self.source.as_ref().map(|e| e.kind())
    }
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.call, self.reason)?;
        if let Some(hint) = &self.hint {
            write!(f, " — {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LessonError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A short, lower-case description of an I/O error, the same on every operating system.
pub fn describe(err: &io::Error) -> String {
    use io::ErrorKind::*;
    // EMFILE: every socket is a file descriptor, and a process may only have so many.
    if cfg!(unix) && err.raw_os_error() == Some(24) {
        return "too many open files".to_string();
    }
    // An error the program made itself (`io::Error::new(kind, "closed after 3 of 5 bytes")`)
    // already says what happened, better than its kind can.
    if err.raw_os_error().is_none() && err.get_ref().is_some() {
        return err.to_string();
    }
    let text = match err.kind() {
        ConnectionRefused => "connection refused",
        AddrInUse => "address already in use",
        AddrNotAvailable => "address not available on this machine",
        // A receive timeout (SO_RCVTIMEO) is reported as WouldBlock on Unix, TimedOut on Windows.
        TimedOut | WouldBlock => "timed out",
        ConnectionReset => "connection reset by peer",
        ConnectionAborted => "connection aborted",
        BrokenPipe => "broken pipe: the peer has closed its end",
        UnexpectedEof => "the peer closed the connection before the message was complete",
        NotConnected => "the socket is not connected",
        PermissionDenied => "permission denied",
        // A path that does not exist (a Unix socket's, lesson 24).
        NotFound => "no such file or directory",
        InvalidData => return format!("invalid data: {err}"),
        InvalidInput => return format!("invalid input: {err}"),
        _ => return err.to_string(),
    };
    text.to_string()
}

fn default_hint(err: &io::Error, package: &str) -> Option<String> {
    use io::ErrorKind::*;
    if cfg!(unix) && err.raw_os_error() == Some(24) {
        return Some(
            "each socket is a file descriptor; see the limit with `ulimit -n`, and close \
             sockets you no longer need"
                .to_string(),
        );
    }
    let hint = match err.kind() {
        ConnectionRefused => {
            format!("is the server running? (start it with: cargo run -p {package} -- server)")
        }
        AddrInUse => "another socket holds this address: a program still running, or a \
                      connection of one that just ended, waiting in TIME_WAIT for a minute \
                      (chapter 2); wait, or pick another port (--addr 127.0.0.1:0 lets the \
                      kernel choose a free one)"
            .to_string(),
        AddrNotAvailable => {
            "this machine has no such address; try 127.0.0.1 (or 0.0.0.0 for every interface)"
                .to_string()
        }
        PermissionDenied => {
            "ports below 1024 need special rights on most systems; use a port above 1023"
                .to_string()
        }
        TimedOut | WouldBlock => "the peer did not answer in time".to_string(),
        ConnectionReset | BrokenPipe | UnexpectedEof => {
            "the peer went away in the middle of the exchange".to_string()
        }
        _ => return None,
    };
    Some(hint)
}
