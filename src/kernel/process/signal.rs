//! Signals the kernel delivers, with Linux numbers.

/// A signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum Signal {
    /// Hang-up (1).
    SIGHUP,
    /// Interrupt, ^C (2).
    SIGINT,
    /// Quit (3).
    SIGQUIT,
    /// Kill, cannot be caught (9).
    SIGKILL,
    /// User signal 1 (10).
    SIGUSR1,
    /// User signal 2 (12).
    SIGUSR2,
    /// Write to a pipe with no reader (13).
    SIGPIPE,
    /// Alarm (14).
    SIGALRM,
    /// Terminate (15).
    SIGTERM,
    /// Child changed state (17); ignored by default.
    SIGCHLD,
    /// Continue (18).
    SIGCONT,
    /// Stop, cannot be caught (19).
    SIGSTOP,
    /// Terminal stop, ^Z (20).
    SIGTSTP,
    /// File size limit exceeded (25).
    SIGXFSZ,
    /// Window size change (28); ignored by default.
    SIGWINCH,
}

const ALL: [Signal; 15] = [
    Signal::SIGHUP,
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGKILL,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGPIPE,
    Signal::SIGALRM,
    Signal::SIGTERM,
    Signal::SIGCHLD,
    Signal::SIGCONT,
    Signal::SIGSTOP,
    Signal::SIGTSTP,
    Signal::SIGXFSZ,
    Signal::SIGWINCH,
];

impl Signal {
    /// The Linux signal number.
    pub fn number(self) -> i32 {
        match self {
            Signal::SIGHUP => 1,
            Signal::SIGINT => 2,
            Signal::SIGQUIT => 3,
            Signal::SIGKILL => 9,
            Signal::SIGUSR1 => 10,
            Signal::SIGUSR2 => 12,
            Signal::SIGPIPE => 13,
            Signal::SIGALRM => 14,
            Signal::SIGTERM => 15,
            Signal::SIGCHLD => 17,
            Signal::SIGCONT => 18,
            Signal::SIGSTOP => 19,
            Signal::SIGTSTP => 20,
            Signal::SIGXFSZ => 25,
            Signal::SIGWINCH => 28,
        }
    }

    /// The name without `SIG` (`TERM`), as `kill -l` prints it.
    pub fn short_name(self) -> &'static str {
        &self.name()[3..]
    }

    /// The full name (`SIGTERM`).
    pub fn name(self) -> &'static str {
        match self {
            Signal::SIGHUP => "SIGHUP",
            Signal::SIGINT => "SIGINT",
            Signal::SIGQUIT => "SIGQUIT",
            Signal::SIGKILL => "SIGKILL",
            Signal::SIGUSR1 => "SIGUSR1",
            Signal::SIGUSR2 => "SIGUSR2",
            Signal::SIGPIPE => "SIGPIPE",
            Signal::SIGALRM => "SIGALRM",
            Signal::SIGTERM => "SIGTERM",
            Signal::SIGCHLD => "SIGCHLD",
            Signal::SIGCONT => "SIGCONT",
            Signal::SIGSTOP => "SIGSTOP",
            Signal::SIGTSTP => "SIGTSTP",
            Signal::SIGXFSZ => "SIGXFSZ",
            Signal::SIGWINCH => "SIGWINCH",
        }
    }

    /// The signal with this number.
    pub fn from_number(n: i32) -> Option<Signal> {
        ALL.iter().copied().find(|s| s.number() == n)
    }

    /// The signal with this name (`TERM`, `SIGTERM`, `term`) or number (`15`).
    pub fn parse(s: &str) -> Option<Signal> {
        if let Ok(n) = s.parse::<i32>() {
            return Self::from_number(n);
        }
        let up = s.to_ascii_uppercase();
        let name = up.strip_prefix("SIG").unwrap_or(&up);
        ALL.iter().copied().find(|sig| sig.short_name() == name)
    }

    /// Whether the default action leaves the process running.
    pub fn ignored_by_default(self) -> bool {
        matches!(self, Signal::SIGCHLD | Signal::SIGWINCH | Signal::SIGCONT)
    }

    /// Whether a handler may catch it.
    pub fn catchable(self) -> bool {
        !matches!(self, Signal::SIGKILL | Signal::SIGSTOP)
    }

    pub(crate) fn bit(self) -> u64 {
        1u64 << self.number()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(Signal::parse("TERM"), Some(Signal::SIGTERM));
        assert_eq!(Signal::parse("sigkill"), Some(Signal::SIGKILL));
        assert_eq!(Signal::parse("13"), Some(Signal::SIGPIPE));
        assert_eq!(Signal::parse("BOGUS"), None);
        assert_eq!(Signal::SIGINT.short_name(), "INT");
    }
}
