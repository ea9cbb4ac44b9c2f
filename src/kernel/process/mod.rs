//! Processes: the per-VM process table, descriptor tables, pipes, signals and output sinks.
//!
//! A process here is an entry in the table plus a tokio task running its program (a native
//! command or the shell). Nothing runs on the Node thread. Signals with a default action of
//! "terminate" end the task: its future is dropped (closing its descriptors, so pipe peers see
//! EOF or `EPIPE`) and its status is `128 + signal`.

pub mod fd;
pub mod output;
pub mod pipe;
pub mod pty;
pub mod signal;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::{watch, Notify};

pub use fd::{FdTable, FileObj, OpenFile, OpenFlags};
pub use output::{Budget, Credit, EventSink, OutputSink, ProcEvent, Stream};
pub use signal::Signal;

use crate::kernel::errno::Errno;
use crate::kernel::vfs::memfs::now_ns;

/// A process id.
pub type Pid = u32;

/// Where a process is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Running (or waiting on I/O).
    Running,
    /// Stopped by a signal.
    Stopped,
    /// Ended with this exit code.
    Exited(i32),
}

#[derive(Debug, Default)]
struct SigState {
    pending: u64,
    caught: u64,
    ignored: u64,
}

#[derive(Debug)]
struct Life {
    status: Status,
    exit_ms: Option<f64>,
    reaped: bool,
}

/// What to create a process with.
#[derive(Clone, Debug)]
pub struct NewProcess {
    /// Parent (0: started by the host).
    pub ppid: Pid,
    /// Process group; `None` starts a new group led by the process.
    pub pgid: Option<Pid>,
    /// Session; `None` starts a new session led by the process.
    pub sid: Option<Pid>,
    /// Program arguments, `argv[0]` first.
    pub argv: Vec<String>,
    /// Working directory.
    pub cwd: String,
    /// Which runtime runs it (`"native"`, `"shell"`, `"node"`).
    pub driver: &'static str,
    /// Started through the host API (kept in the table after it exits, for `listProcesses`).
    pub api: bool,
}

/// One process.
#[derive(Debug)]
pub struct Process {
    /// Process id.
    pub pid: Pid,
    /// Parent's pid (0: the host).
    pub ppid: Pid,
    /// Process group.
    pub pgid: Pid,
    /// Session.
    pub sid: Pid,
    /// Arguments.
    pub argv: Vec<String>,
    /// Runtime.
    pub driver: &'static str,
    /// Started through the host API.
    pub api: bool,
    /// Start time, ms since the epoch.
    pub start_ms: f64,
    cwd: Mutex<String>,
    life: Mutex<Life>,
    exit: watch::Sender<Option<i32>>,
    sig: Mutex<SigState>,
    sig_notify: Notify,
}

impl Process {
    /// The working directory.
    pub fn cwd(&self) -> String {
        self.cwd.lock().clone()
    }

    /// Change the working directory (the caller checked it exists).
    pub fn set_cwd(&self, cwd: String) {
        *self.cwd.lock() = cwd;
    }

    /// Current status.
    pub fn status(&self) -> Status {
        self.life.lock().status
    }

    /// Exit time, ms since the epoch.
    pub fn exit_ms(&self) -> Option<f64> {
        self.life.lock().exit_ms
    }

    /// The exit code, once it exited.
    pub fn exit_code(&self) -> Option<i32> {
        *self.exit.borrow()
    }

    /// Wait for the exit code.
    pub async fn wait(&self) -> i32 {
        let mut rx = self.exit.subscribe();
        loop {
            if let Some(code) = *rx.borrow_and_update() {
                return code;
            }
            if rx.changed().await.is_err() {
                return self.exit_code().unwrap_or(128 + Signal::SIGKILL.number());
            }
        }
    }

    /// Deliver `sig`: caught signals are queued for the program's handler, ignored ones
    /// dropped, the rest end the process.
    pub fn signal(&self, sig: Signal) {
        {
            let mut s = self.sig.lock();
            if sig.catchable() && s.ignored & sig.bit() != 0 {
                return;
            }
            if sig.ignored_by_default() && s.caught & sig.bit() == 0 {
                return;
            }
            s.pending |= sig.bit();
        }
        self.sig_notify.notify_waiters();
    }

    /// Install (`true`) or remove a handler for `sig`.
    pub fn catch(&self, sig: Signal, on: bool) {
        if !sig.catchable() {
            return;
        }
        let mut s = self.sig.lock();
        if on {
            s.caught |= sig.bit();
            s.ignored &= !sig.bit();
        } else {
            s.caught &= !sig.bit();
            if sig.ignored_by_default() {
                // Back to a default of "ignore": a pending one is dropped.
                s.pending &= !sig.bit();
            }
        }
    }

    /// Ignore (`true`) `sig` or restore its default.
    pub fn ignore(&self, sig: Signal, on: bool) {
        if !sig.catchable() {
            return;
        }
        let mut s = self.sig.lock();
        if on {
            s.ignored |= sig.bit();
            s.caught &= !sig.bit();
            s.pending &= !sig.bit();
        } else {
            s.ignored &= !sig.bit();
        }
    }

    /// The first pending signal whose default action ends the process, if any.
    pub fn pending_fatal(&self) -> Option<Signal> {
        let s = self.sig.lock();
        let fatal = s.pending & !s.caught;
        (1..64)
            .filter(|n| fatal & (1u64 << n) != 0)
            .find_map(Signal::from_number)
    }

    /// Forget a pending `sig` (it was dealt with elsewhere).
    pub fn discard(&self, sig: Signal) {
        self.sig.lock().pending &= !sig.bit();
    }

    /// Take the pending signals a handler was installed for.
    pub fn take_caught(&self) -> Vec<Signal> {
        let mut s = self.sig.lock();
        let caught = s.pending & s.caught;
        s.pending &= !caught;
        (1..64)
            .filter(|n| caught & (1u64 << n) != 0)
            .filter_map(Signal::from_number)
            .collect()
    }

    /// Resolves when a signal arrives that ends the process.
    pub async fn fatal_signal(&self) -> Signal {
        loop {
            let notified = self.sig_notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(s) = self.pending_fatal() {
                return s;
            }
            notified.await;
        }
    }

    /// Resolves when `sig` is pending (delivered, not yet handled).
    pub async fn until_pending(&self, sig: Signal) {
        loop {
            let notified = self.sig_notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.sig.lock().pending & sig.bit() != 0 {
                return;
            }
            notified.await;
        }
    }

    /// Resolves when any signal is pending (for interruptible waits such as `sleep`).
    pub async fn any_signal(&self) {
        loop {
            let notified = self.sig_notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.sig.lock().pending != 0 {
                return;
            }
            notified.await;
        }
    }
}

/// A VM's process table.
#[derive(Debug)]
pub struct ProcessTable {
    procs: Mutex<BTreeMap<Pid, Arc<Process>>>,
    next_pid: AtomicU32,
    max_live: usize,
    /// Exited API processes kept for `listProcesses`, oldest first.
    kept: Mutex<std::collections::VecDeque<Pid>>,
}

/// Exited API processes kept in the table.
const KEEP_EXITED: usize = 1024;

impl ProcessTable {
    /// A table allowing `max_live` processes at once.
    pub fn new(max_live: usize) -> ProcessTable {
        ProcessTable {
            procs: Mutex::new(BTreeMap::new()),
            next_pid: AtomicU32::new(1),
            max_live,
            kept: Mutex::new(std::collections::VecDeque::new()),
        }
    }

    /// Create a process entry (`EAGAIN` when `max_live` processes are running).
    pub fn create(&self, spec: NewProcess) -> Result<Arc<Process>, Errno> {
        let mut procs = self.procs.lock();
        // A parent that a signal is ending cannot fork (so `kill -PGID` never misses a child
        // created while it runs).
        if procs
            .get(&spec.ppid)
            .is_some_and(|p| p.pending_fatal().is_some())
        {
            return Err(Errno::EINTR);
        }
        let live = procs.values().filter(|p| p.exit_code().is_none()).count();
        if live >= self.max_live {
            return Err(Errno::EAGAIN);
        }
        // Ignored signals stay ignored across fork and exec (POSIX); handlers do not.
        let ignored = procs
            .get(&spec.ppid)
            .map_or(0, |parent| parent.sig.lock().ignored);
        let pid = self.next_pid.fetch_add(1, Ordering::Relaxed);
        let (exit, _) = watch::channel(None);
        let p = Arc::new(Process {
            pid,
            ppid: spec.ppid,
            pgid: spec.pgid.unwrap_or(pid),
            sid: spec.sid.unwrap_or(pid),
            argv: spec.argv,
            driver: spec.driver,
            api: spec.api,
            start_ms: now_ns() as f64 / 1e6,
            cwd: Mutex::new(spec.cwd),
            life: Mutex::new(Life {
                status: Status::Running,
                exit_ms: None,
                reaped: false,
            }),
            exit,
            sig: Mutex::new(SigState {
                ignored,
                ..SigState::default()
            }),
            sig_notify: Notify::new(),
        });
        procs.insert(pid, p.clone());
        Ok(p)
    }

    /// Record that `p` ended with `code`, wake its waiters, and drop entries no one will reap.
    pub fn exited(&self, p: &Arc<Process>, code: i32) {
        {
            let mut life = p.life.lock();
            if matches!(life.status, Status::Exited(_)) {
                return;
            }
            life.status = Status::Exited(code);
            life.exit_ms = Some(now_ns() as f64 / 1e6);
        }
        p.exit.send_replace(Some(code));
        let mut procs = self.procs.lock();
        if p.api {
            let mut kept = self.kept.lock();
            kept.push_back(p.pid);
            while kept.len() > KEEP_EXITED {
                if let Some(old) = kept.pop_front() {
                    procs.remove(&old);
                }
            }
        } else {
            let parent_alive = procs
                .get(&p.ppid)
                .is_some_and(|pp| pp.exit_code().is_none());
            if !parent_alive || p.life.lock().reaped {
                procs.remove(&p.pid);
            }
        }
        // Children of an exited process are no longer anyone's to reap.
        let orphans: Vec<Pid> = procs
            .values()
            .filter(|c| c.ppid == p.pid && c.exit_code().is_some() && !c.api)
            .map(|c| c.pid)
            .collect();
        for pid in orphans {
            procs.remove(&pid);
        }
    }

    /// The parent collected `pid`'s status: forget it (unless the host tracks it).
    pub fn reap(&self, pid: Pid) {
        let mut procs = self.procs.lock();
        if let Some(p) = procs.get(&pid) {
            if p.api {
                return;
            }
            if p.exit_code().is_some() {
                procs.remove(&pid);
            } else {
                p.life.lock().reaped = true;
            }
        }
    }

    /// The process with this pid.
    pub fn get(&self, pid: Pid) -> Option<Arc<Process>> {
        self.procs.lock().get(&pid).cloned()
    }

    /// Every process in the table, by pid.
    pub fn list(&self) -> Vec<Arc<Process>> {
        self.procs.lock().values().cloned().collect()
    }

    /// Processes running now.
    pub fn live_count(&self) -> usize {
        self.procs
            .lock()
            .values()
            .filter(|p| p.exit_code().is_none())
            .count()
    }

    /// `kill(2)`: `pid > 0` one process, `pid < 0` the group `-pid`. `ESRCH` if none matched.
    pub fn kill(&self, pid: i64, sig: Signal) -> Result<(), Errno> {
        let targets: Vec<Arc<Process>> = {
            let procs = self.procs.lock();
            if pid > 0 {
                procs.get(&(pid as Pid)).cloned().into_iter().collect()
            } else if pid < 0 {
                let g = (-pid) as Pid;
                procs.values().filter(|p| p.pgid == g).cloned().collect()
            } else {
                return Err(Errno::EINVAL);
            }
        };
        let live: Vec<_> = targets
            .into_iter()
            .filter(|p| p.exit_code().is_none())
            .collect();
        if live.is_empty() {
            return Err(Errno::ESRCH);
        }
        for p in live {
            p.signal(sig);
        }
        Ok(())
    }

    /// Signal every live process of session `sid`.
    pub fn kill_session(&self, sid: Pid, sig: Signal) {
        let targets: Vec<Arc<Process>> = self
            .procs
            .lock()
            .values()
            .filter(|p| p.sid == sid && p.exit_code().is_none())
            .cloned()
            .collect();
        for p in targets {
            p.signal(sig);
        }
    }

    /// Signal every live process (VM shutdown).
    pub fn kill_all(&self, sig: Signal) {
        for p in self.list() {
            if p.exit_code().is_none() {
                p.signal(sig);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(ppid: Pid) -> NewProcess {
        NewProcess {
            ppid,
            pgid: None,
            sid: None,
            argv: vec!["x".into()],
            cwd: "/".into(),
            driver: "native",
            api: false,
        }
    }

    #[tokio::test]
    async fn lifecycle_wait_and_reap() {
        let t = ProcessTable::new(4);
        let parent = t.create(spec(0)).unwrap();
        let child = t
            .create(NewProcess {
                pgid: Some(parent.pgid),
                ..spec(parent.pid)
            })
            .unwrap();
        assert_eq!(
            (child.ppid, child.pgid, child.sid),
            (parent.pid, parent.pid, child.pid)
        );
        let c2 = child.clone();
        let waiter = tokio::spawn(async move { c2.wait().await });
        t.exited(&child, 3);
        assert_eq!(waiter.await.unwrap(), 3);
        assert!(t.get(child.pid).is_some(), "a zombie stays until reaped");
        t.reap(child.pid);
        assert!(t.get(child.pid).is_none());
    }

    #[test]
    fn limits_and_kill() {
        let t = ProcessTable::new(2);
        let a = t.create(spec(0)).unwrap();
        let _b = t.create(spec(0)).unwrap();
        assert_eq!(t.create(spec(0)).unwrap_err(), Errno::EAGAIN);
        t.exited(&a, 0);
        t.create(spec(0)).unwrap();
        assert_eq!(t.kill(999, Signal::SIGTERM).unwrap_err(), Errno::ESRCH);
    }

    #[test]
    fn caught_and_ignored_signals() {
        let t = ProcessTable::new(2);
        let p = t.create(spec(0)).unwrap();
        p.catch(Signal::SIGTERM, true);
        p.signal(Signal::SIGTERM);
        assert_eq!(p.pending_fatal(), None);
        assert_eq!(p.take_caught(), vec![Signal::SIGTERM]);
        p.ignore(Signal::SIGINT, true);
        p.signal(Signal::SIGINT);
        p.signal(Signal::SIGCHLD);
        assert_eq!(p.pending_fatal(), None);
        p.signal(Signal::SIGKILL);
        assert_eq!(p.pending_fatal(), Some(Signal::SIGKILL));
    }
}
