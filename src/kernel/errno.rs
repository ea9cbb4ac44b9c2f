//! POSIX error numbers as the kernel reports them.
//!
//! Names, numbers and descriptions are Linux's (x86_64), so guest programs and the host API see
//! the same `code` strings Node's `fs` module produces (`ENOENT`, `EISDIR`, ...).

use std::fmt;

macro_rules! errnos {
    ($($name:ident = $num:literal, $desc:literal;)*) => {
        /// A POSIX error number.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(clippy::upper_case_acronyms)]
        pub enum Errno {
            $(#[doc = $desc] $name,)*
        }

        impl Errno {
            /// The symbolic name, e.g. `"ENOENT"`; this is the `code` JS sees.
            pub fn name(self) -> &'static str {
                match self { $(Errno::$name => stringify!($name),)* }
            }

            /// The error named `name` (`"ENOENT"`), if the kernel knows it.
            pub fn from_name(name: &str) -> Option<Errno> {
                match name { $(stringify!($name) => Some(Errno::$name),)* _ => None }
            }

            /// The Linux error number (positive).
            pub fn number(self) -> i32 {
                match self { $(Errno::$name => $num,)* }
            }

            /// The `strerror` text, lower-cased the way Node prints it.
            pub fn description(self) -> &'static str {
                match self { $(Errno::$name => $desc,)* }
            }
        }
    };
}

errnos! {
    EPERM = 1, "operation not permitted";
    ENOENT = 2, "no such file or directory";
    ESRCH = 3, "no such process";
    EINTR = 4, "interrupted system call";
    EIO = 5, "i/o error";
    EBADF = 9, "bad file descriptor";
    ECHILD = 10, "no child processes";
    EAGAIN = 11, "resource temporarily unavailable";
    ENOMEM = 12, "not enough memory";
    EACCES = 13, "permission denied";
    EBUSY = 16, "resource busy or locked";
    EEXIST = 17, "file already exists";
    EXDEV = 18, "cross-device link not permitted";
    ENOTDIR = 20, "not a directory";
    EISDIR = 21, "illegal operation on a directory";
    EINVAL = 22, "invalid argument";
    EMFILE = 24, "too many open files";
    ENOTTY = 25, "inappropriate ioctl for device";
    EFBIG = 27, "file too large";
    ENOSPC = 28, "no space left on device";
    ESPIPE = 29, "invalid seek";
    EROFS = 30, "read-only file system";
    EMLINK = 31, "too many links";
    EPIPE = 32, "broken pipe";
    ENAMETOOLONG = 36, "name too long";
    ENOSYS = 38, "function not implemented";
    ENOTEMPTY = 39, "directory not empty";
    ELOOP = 40, "too many symbolic links encountered";
    EPROTO = 71, "protocol error";
    ENOTSOCK = 88, "socket operation on non-socket";
    ENOTSUP = 95, "operation not supported";
    EADDRINUSE = 98, "address already in use";
    EADDRNOTAVAIL = 99, "address not available";
    ENETUNREACH = 101, "network is unreachable";
    ECONNABORTED = 103, "software caused connection abort";
    ECONNRESET = 104, "connection reset by peer";
    ENOTCONN = 107, "socket is not connected";
    ETIMEDOUT = 110, "connection timed out";
    ECONNREFUSED = 111, "connection refused";
    EHOSTUNREACH = 113, "host is unreachable";
}

impl Errno {
    /// The C library's `strerror` text, as GNU tools and bash print it
    /// (`No such file or directory`).
    pub fn strerror(self) -> &'static str {
        match self {
            Errno::EPERM => "Operation not permitted",
            Errno::ENOTTY => "Inappropriate ioctl for device",
            Errno::ENOENT => "No such file or directory",
            Errno::ESRCH => "No such process",
            Errno::EINTR => "Interrupted system call",
            Errno::EIO => "Input/output error",
            Errno::EBADF => "Bad file descriptor",
            Errno::ECHILD => "No child processes",
            Errno::EAGAIN => "Resource temporarily unavailable",
            Errno::ENOMEM => "Cannot allocate memory",
            Errno::EACCES => "Permission denied",
            Errno::EBUSY => "Device or resource busy",
            Errno::EEXIST => "File exists",
            Errno::EXDEV => "Invalid cross-device link",
            Errno::ENOTDIR => "Not a directory",
            Errno::EISDIR => "Is a directory",
            Errno::EINVAL => "Invalid argument",
            Errno::EMFILE => "Too many open files",
            Errno::EFBIG => "File too large",
            Errno::ENOSPC => "No space left on device",
            Errno::ESPIPE => "Illegal seek",
            Errno::EROFS => "Read-only file system",
            Errno::EMLINK => "Too many links",
            Errno::EPIPE => "Broken pipe",
            Errno::ENAMETOOLONG => "File name too long",
            Errno::ENOSYS => "Function not implemented",
            Errno::ENOTEMPTY => "Directory not empty",
            Errno::ELOOP => "Too many levels of symbolic links",
            Errno::EPROTO => "Protocol error",
            Errno::ENOTSOCK => "Socket operation on non-socket",
            Errno::ENOTSUP => "Operation not supported",
            Errno::EADDRINUSE => "Address already in use",
            Errno::EADDRNOTAVAIL => "Cannot assign requested address",
            Errno::ENETUNREACH => "Network is unreachable",
            Errno::ECONNABORTED => "Software caused connection abort",
            Errno::ECONNRESET => "Connection reset by peer",
            Errno::ENOTCONN => "Transport endpoint is not connected",
            Errno::ETIMEDOUT => "Connection timed out",
            Errno::ECONNREFUSED => "Connection refused",
            Errno::EHOSTUNREACH => "No route to host",
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name(), self.description())
    }
}

impl std::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_numbers_and_text_match_linux() {
        assert_eq!(Errno::ENOENT.name(), "ENOENT");
        assert_eq!(Errno::ENOENT.number(), 2);
        assert_eq!(Errno::ENOTEMPTY.number(), 39);
        assert_eq!(
            Errno::EISDIR.to_string(),
            "EISDIR: illegal operation on a directory"
        );
    }
}
