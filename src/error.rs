//! The crate's one error type: a kind with a stable `code()`, and the context JS users need
//! (the path or id involved, the operation that failed).
//!
//! Kernel failures carry POSIX names (`ENOENT`, `EACCES`), API failures `ERR_AGENT_OS_*`.
//! Messages follow Node's `fs` format: `ENOENT: no such file or directory, open '/nope'`.

use std::fmt;

use crate::kernel::errno::Errno;

/// Failures of the public API that are not POSIX errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiCode {
    /// The VM (or sidecar) was disposed; nothing more can be done with it.
    Disposed,
    /// `AgentOs.create()` was given an option it does not know, or a value of the wrong shape.
    InvalidOptions,
    /// A feature that exists in the reference API but is not available in this build.
    Unsupported,
    /// A bug in agentOS itself (for example a panic caught at the API boundary).
    Internal,
    /// `createSession` was given an agent type no installed software provides.
    UnknownAgent,
    /// A session id (or handle) that names no open session.
    UnknownSession,
    /// The session ended (its agent exited, or it was closed) before or while a request ran.
    SessionClosed,
    /// `respondPermission` named a permission request that is not pending.
    UnknownPermission,
    /// `scheduleCron` was given a schedule that is neither a cron expression nor a date.
    InvalidCron,
    /// A cron job's `exec` action ran but its command exited with a non-zero code.
    CronActionFailed,
    /// A shell id that names no open interactive shell.
    UnknownShell,
}

impl ApiCode {
    /// The stable code string JS sees as `err.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiCode::Disposed => "ERR_AGENT_OS_DISPOSED",
            ApiCode::InvalidOptions => "ERR_AGENT_OS_INVALID_OPTIONS",
            ApiCode::Unsupported => "ERR_AGENT_OS_UNSUPPORTED",
            ApiCode::Internal => "ERR_AGENT_OS_INTERNAL",
            ApiCode::UnknownAgent => "ERR_AGENT_OS_UNKNOWN_AGENT",
            ApiCode::UnknownSession => "ERR_AGENT_OS_UNKNOWN_SESSION",
            ApiCode::SessionClosed => "ERR_AGENT_OS_SESSION_CLOSED",
            ApiCode::UnknownPermission => "ERR_AGENT_OS_UNKNOWN_PERMISSION",
            ApiCode::InvalidCron => "ERR_AGENT_OS_INVALID_CRON",
            ApiCode::CronActionFailed => "ERR_AGENT_OS_CRON_ACTION_FAILED",
            ApiCode::UnknownShell => "ERR_AGENT_OS_UNKNOWN_SHELL",
        }
    }
}

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A POSIX error from the kernel.
    Errno(Errno),
    /// A failure of the API itself.
    Api(ApiCode),
}

/// An error with a stable code, a message naming what it was about, and optional context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    syscall: Option<&'static str>,
    path: Option<String>,
    dest: Option<String>,
}

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A POSIX error from operation `syscall` on `path`, worded like Node's fs errors.
    pub fn errno(errno: Errno, syscall: &'static str, path: impl Into<String>) -> Self {
        let path = path.into();
        Error {
            kind: ErrorKind::Errno(errno),
            message: format!("{errno}, {syscall} '{path}'"),
            syscall: Some(syscall),
            path: Some(path),
            dest: None,
        }
    }

    /// A POSIX error from a two-path operation (`rename`, `link`, `symlink`).
    pub fn errno2(
        errno: Errno,
        syscall: &'static str,
        path: impl Into<String>,
        dest: impl Into<String>,
    ) -> Self {
        let (path, dest) = (path.into(), dest.into());
        Error {
            kind: ErrorKind::Errno(errno),
            message: format!("{errno}, {syscall} '{path}' -> '{dest}'"),
            syscall: Some(syscall),
            path: Some(path),
            dest: Some(dest),
        }
    }

    /// A POSIX error that is not about a path (an unknown pid, a full table).
    pub fn errno_msg(errno: Errno, message: impl fmt::Display) -> Self {
        Error {
            kind: ErrorKind::Errno(errno),
            message: format!("{}: {message}", errno.name()),
            syscall: None,
            path: None,
            dest: None,
        }
    }

    /// A network error worded as Node words it (`connect ECONNREFUSED 127.0.0.1:3000`): the
    /// message is kept as given.
    pub fn net(errno: Errno, syscall: &'static str, message: impl Into<String>) -> Self {
        Error {
            kind: ErrorKind::Errno(errno),
            message: message.into(),
            syscall: Some(syscall),
            path: None,
            dest: None,
        }
    }

    /// An API error; its message is prefixed with the code, as kernel errors' are.
    pub fn api(code: ApiCode, message: impl fmt::Display) -> Self {
        Error {
            kind: ErrorKind::Api(code),
            message: format!("{}: {message}", code.as_str()),
            syscall: None,
            path: None,
            dest: None,
        }
    }

    /// The error's kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The POSIX error number, if this is a kernel error.
    pub fn errno_value(&self) -> Option<Errno> {
        match self.kind {
            ErrorKind::Errno(e) => Some(e),
            ErrorKind::Api(_) => None,
        }
    }

    /// The same error with `detail` appended to its message.
    pub fn with_detail(mut self, detail: &str) -> Self {
        self.message.push_str(detail);
        self
    }

    /// The API code, if this is an API error.
    pub fn api_code(&self) -> Option<ApiCode> {
        match self.kind {
            ErrorKind::Api(c) => Some(c),
            ErrorKind::Errno(_) => None,
        }
    }

    /// The stable code: `"ENOENT"`, `"ERR_AGENT_OS_DISPOSED"`, ...
    pub fn code(&self) -> &'static str {
        match self.kind {
            ErrorKind::Errno(e) => e.name(),
            ErrorKind::Api(c) => c.as_str(),
        }
    }

    /// The full message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The operation that failed (`open`, `mkdir`, ...), for kernel errors.
    pub fn syscall(&self) -> Option<&'static str> {
        self.syscall
    }

    /// The path the error is about.
    pub fn path(&self) -> Option<&str> {
        self.path.as_deref()
    }

    /// The second path of a two-path operation.
    pub fn dest(&self) -> Option<&str> {
        self.dest.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_errors_read_like_node() {
        let e = Error::errno(Errno::ENOENT, "open", "/nope");
        assert_eq!(e.code(), "ENOENT");
        assert_eq!(
            e.message(),
            "ENOENT: no such file or directory, open '/nope'"
        );
        assert_eq!(e.path(), Some("/nope"));
        let e = Error::errno2(Errno::EXDEV, "rename", "/a", "/mnt/b");
        assert_eq!(
            e.to_string(),
            "EXDEV: cross-device link not permitted, rename '/a' -> '/mnt/b'"
        );
    }

    #[test]
    fn api_errors_have_stable_codes() {
        let e = Error::api(ApiCode::Disposed, "VM 3 was disposed");
        assert_eq!(e.code(), "ERR_AGENT_OS_DISPOSED");
        assert_eq!(e.errno_value(), None);
    }
}
