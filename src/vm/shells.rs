//! Interactive shells: a process on a terminal whose master side the host drives.
//!
//! `openShell` starts the command (default `sh`) with a new [`Pty`]'s slave as its standard
//! input, output and error, in a new session whose process group is the terminal's
//! foreground group. The host types with `writeShell` (through the line discipline, so ^C
//! signals the foreground group), reads the screen's bytes as events, and `resizeShell`
//! raises `SIGWINCH`. Output waits in the terminal until the host listens: none is lost.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::watch;

use super::process::{ApiProcesses, StartOptions};
use crate::error::{ApiCode, Error, Result};
use crate::kernel::process::pty::Pty;
use crate::kernel::process::{Budget, Credit, OpenFile, Pid, ProcEvent, Signal};
use crate::kernel::Kernel;

/// How to open a shell.
#[derive(Clone, Debug, Default)]
pub struct ShellOptions {
    /// Program (default `sh`).
    pub command: Option<String>,
    /// Its arguments.
    pub args: Vec<String>,
    /// Variables added to the environment.
    pub env: Option<BTreeMap<String, String>>,
    /// Working directory.
    pub cwd: Option<String>,
    /// Columns (default 80).
    pub cols: Option<u16>,
    /// Rows (default 24).
    pub rows: Option<u16>,
}

/// One open shell.
struct Term {
    pty: Arc<Pty>,
    pid: Pid,
    sid: Pid,
    /// Whether the host listens (output is read from the terminal only then).
    listening: watch::Sender<bool>,
}

/// A VM's interactive shells.
#[derive(Default)]
pub struct Shells {
    next: AtomicU32,
    open: Mutex<HashMap<u32, Arc<Term>>>,
}

fn unknown(id: u32) -> Error {
    Error::api(ApiCode::UnknownShell, format!("no such shell: shell-{id}"))
}

impl Shells {
    fn get(&self, id: u32) -> Result<Arc<Term>> {
        self.open
            .lock()
            .get(&id)
            .cloned()
            .ok_or_else(|| unknown(id))
    }

    /// Start a shell on a new terminal; returns its id. Must run inside the sidecar runtime.
    pub fn open(
        &self,
        kernel: &Arc<Kernel>,
        procs: &ApiProcesses,
        opts: ShellOptions,
    ) -> Result<u32> {
        let cols = opts.cols.unwrap_or(80).max(1);
        let rows = opts.rows.unwrap_or(24).max(1);
        let pty = Pty::new(cols, rows, kernel.limits().max_pipe_bytes as usize);
        let tty = OpenFile::tty(pty.open_slave());
        let mut env: BTreeMap<String, String> =
            [("TERM".to_owned(), "xterm-256color".to_owned())].into();
        if let Some(c) = opts.cols {
            env.insert("COLUMNS".to_owned(), c.to_string());
        }
        if let Some(r) = opts.rows {
            env.insert("LINES".to_owned(), r.to_string());
        }
        env.extend(opts.env.unwrap_or_default());
        let command = opts.command.unwrap_or_else(|| "sh".to_owned());
        let start = StartOptions {
            env: Some(env),
            cwd: opts.cwd,
            stdio: Some(tty),
            ..StartOptions::default()
        };
        let p = procs.spawn(kernel, &command, &opts.args, start, false)?;
        pty.set_foreground(p.proc.pgid);
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let (listening, mut rx) = watch::channel(false);
        let term = Arc::new(Term {
            pty: pty.clone(),
            pid: p.proc.pid,
            sid: p.proc.sid,
            listening,
        });
        self.open.lock().insert(id, term);
        // The pump: terminal output becomes events while the host listens. It ends when every
        // descriptor of the terminal is closed (the shell and its children are gone).
        // At most `maxPipeBytes` of it are on their way to JS at once: a program printing
        // faster than the host takes it waits, as it would on a terminal nobody reads.
        let k = Arc::downgrade(kernel);
        let budget = Budget::new(kernel.limits().max_pipe_bytes as usize);
        tokio::spawn(async move {
            loop {
                if rx.wait_for(|on| *on).await.is_err() {
                    return;
                }
                budget.room().await;
                let Some(data) = pty.read_output().await else {
                    // Every program on the terminal is gone: an empty chunk says so.
                    if let Some(kernel) = k.upgrade() {
                        kernel.emit(ProcEvent::Shell {
                            id,
                            data: bytes::Bytes::new(),
                            credit: Credit::default(),
                        });
                    }
                    return;
                };
                let credit = budget.charge(data.len());
                match k.upgrade() {
                    Some(kernel) => kernel.emit(ProcEvent::Shell { id, data, credit }),
                    None => return,
                }
            }
        });
        // When the shell exits, its session gets SIGHUP, as when a session leader on a
        // terminal exits: background jobs it left do not hold the terminal open.
        let (leader, sid, kw) = (p.proc.clone(), p.proc.sid, Arc::downgrade(kernel));
        tokio::spawn(async move {
            leader.wait().await;
            if let Some(kernel) = kw.upgrade() {
                kernel.procs().kill_session(sid, Signal::SIGHUP);
            }
        });
        Ok(id)
    }

    /// The shell's process id.
    pub fn pid(&self, id: u32) -> Result<Pid> {
        Ok(self.get(id)?.pid)
    }

    /// Type `data` at the shell's terminal.
    pub fn write(&self, kernel: &Kernel, id: u32, data: &[u8]) -> Result<()> {
        let t = self.get(id)?;
        let raised = t.pty.input(data).map_err(|e| {
            Error::errno_msg(
                e,
                format!(
                    "shell-{id}: more than {} bytes of input are waiting to be read",
                    crate::kernel::process::pty::MAX_INPUT
                ),
            )
        })?;
        for (sig, group) in raised {
            let _ = kernel.procs().kill(-i64::from(group), sig);
        }
        Ok(())
    }

    /// Start (`true`) or pause delivery of the shell's output.
    pub fn listen(&self, id: u32, on: bool) -> Result<()> {
        self.get(id)?.listening.send_replace(on);
        Ok(())
    }

    /// Set the terminal's size; the foreground group gets `SIGWINCH`.
    pub fn resize(&self, kernel: &Kernel, id: u32, cols: u16, rows: u16) -> Result<()> {
        let t = self.get(id)?;
        if let Some(group) = t.pty.resize(cols.max(1), rows.max(1)) {
            let _ = kernel.procs().kill(-i64::from(group), Signal::SIGWINCH);
        }
        Ok(())
    }

    /// Close the terminal: its session gets `SIGHUP` (then `SIGKILL`), as when a terminal
    /// window closes.
    pub fn close(&self, kernel: &Kernel, id: u32) -> Result<()> {
        let t = self.open.lock().remove(&id).ok_or_else(|| unknown(id))?;
        kernel.procs().kill_session(t.sid, Signal::SIGHUP);
        kernel.procs().kill_session(t.sid, Signal::SIGKILL);
        t.pty.hang_up();
        t.listening.send_replace(false);
        Ok(())
    }
}
