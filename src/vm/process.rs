//! Processes as the host API sees them: `exec`, `spawn`, stdin, output, signals and listings.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::mpsc;

use crate::commands::{self, Ctx, Env};
use crate::error::{Error, Result};
use crate::kernel::errno::Errno;
use crate::kernel::process::pipe::pipe;
use crate::kernel::process::{
    FdTable, NewProcess, OpenFile, OutputSink, Pid, Process, Signal, Stream,
};
use crate::kernel::vfs::rootfs::HOME;
use crate::kernel::Kernel;

/// The environment every process started through the API begins with (before `env` options).
pub fn base_env() -> Env {
    [
        ("HOME", HOME),
        ("USER", "user"),
        ("LOGNAME", "user"),
        ("SHELL", "/bin/bash"),
        (
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ),
        ("LANG", "C.UTF-8"),
        ("HOSTNAME", "agentos"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// How to start a process through the API.
#[derive(Clone, Debug, Default)]
pub struct StartOptions {
    /// Variables added to (and overriding) the base environment.
    pub env: Option<Env>,
    /// Working directory (default `/home/user`); must be an existing directory.
    pub cwd: Option<String>,
    /// Bytes to feed on standard input, then end of file (`exec`'s `stdin`).
    pub stdin: Option<Bytes>,
    /// Deliver stdout chunks as events from the start.
    pub live_stdout: bool,
    /// Deliver stderr chunks as events from the start.
    pub live_stderr: bool,
    /// Standard output goes here instead of the kept, host-visible stream (an ACP client reads
    /// the agent's stdout from a pipe).
    pub stdout_to: Option<Arc<OpenFile>>,
    /// Standard error goes here instead of the kept, host-visible stream.
    pub stderr_to: Option<Arc<OpenFile>>,
    /// Standard input, output and error are all this (a terminal) instead.
    pub stdio: Option<Arc<OpenFile>>,
}

/// What `exec` returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecOutput {
    /// Exit code (128 + n after signal n).
    pub code: i32,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
}

/// A process started through the API.
pub struct ApiProcess {
    /// The kernel process.
    pub proc: Arc<Process>,
    /// The command as given.
    pub command: String,
    /// Its arguments as given.
    pub args: Vec<String>,
    stdout: Arc<OutputSink>,
    stderr: Arc<OutputSink>,
    stdin: Mutex<Option<mpsc::UnboundedSender<Bytes>>>,
    /// Why the program could not start (a bad working directory), for `exec` to report.
    start_error: Mutex<Option<Error>>,
}

/// API processes of one VM.
#[derive(Default)]
pub struct ApiProcesses {
    procs: Mutex<HashMap<Pid, Arc<ApiProcess>>>,
}

fn esrch(pid: Pid) -> Error {
    Error::errno_msg(Errno::ESRCH, format!("no such process: {pid}"))
}

impl ApiProcesses {
    /// The API process `pid` (`ESRCH` if the API never started it).
    pub fn get(&self, pid: Pid) -> Result<Arc<ApiProcess>> {
        self.procs
            .lock()
            .get(&pid)
            .cloned()
            .ok_or_else(|| esrch(pid))
    }

    /// Every API process still remembered, by pid.
    pub fn list(&self) -> Vec<Arc<ApiProcess>> {
        let mut v: Vec<_> = self.procs.lock().values().cloned().collect();
        v.sort_by_key(|p| p.proc.pid);
        v
    }

    /// Start `argv` (found on `PATH` inside the process, as `fork` + `exec` would) with
    /// stdin as a pipe the API writes to.
    pub fn spawn(
        &self,
        kernel: &Arc<Kernel>,
        command: &str,
        args: &[String],
        opts: StartOptions,
        collect: bool,
    ) -> Result<Arc<ApiProcess>> {
        let mut env = base_env();
        if let Some(extra) = opts.env {
            env.extend(extra);
        }
        let cwd = opts.cwd.unwrap_or_else(|| HOME.to_owned());
        let mut argv = Vec::with_capacity(args.len() + 1);
        argv.push(command.to_owned());
        argv.extend(args.iter().cloned());
        let proc = kernel
            .procs()
            .create(NewProcess { ppid: 0, pgid: None, sid: None, argv: argv.clone(), cwd: cwd.clone(), driver: if matches!(command.rsplit('/').next(), Some("sh" | "bash")) { "shell" } else { "native" }, api: true })
            .map_err(|e| Error::errno_msg(e, format!("cannot start `{command}`: the VM's process limit (limits.maxProcesses = {}) is reached", kernel.limits().max_processes)))?;
        let limit = kernel.limits().max_output_bytes as usize;
        let events = kernel.events();
        let stdout = Arc::new(OutputSink::new(
            proc.pid,
            Stream::Stdout,
            limit,
            collect,
            opts.live_stdout,
            events.clone(),
            kernel.limits().max_pipe_bytes as usize,
        ));
        let stderr = Arc::new(OutputSink::new(
            proc.pid,
            Stream::Stderr,
            limit,
            collect,
            opts.live_stderr,
            events,
            kernel.limits().max_pipe_bytes as usize,
        ));
        let (r, w) = pipe(kernel.limits().max_pipe_bytes as usize);
        let (tx, mut rx) = mpsc::unbounded_channel::<Bytes>();
        if let Some(data) = opts.stdin {
            let _ = tx.send(data);
        }
        // Forward API writes to the pipe in order; dropping the sender is end of file.
        tokio::spawn(async move {
            while let Some(chunk) = rx.recv().await {
                if w.write(chunk).await.is_err() {
                    break;
                }
            }
        });
        let mut fds = FdTable::new(kernel.limits().max_open_files as usize);
        if let Some(tty) = opts.stdio {
            for fd in 0..3 {
                let _ = fds.set(fd, tty.clone());
            }
        } else {
            let _ = fds.set(0, OpenFile::pipe_reader(r));
            let _ = fds.set(
                1,
                opts.stdout_to
                    .unwrap_or_else(|| OpenFile::sink(stdout.clone())),
            );
            let _ = fds.set(
                2,
                opts.stderr_to
                    .unwrap_or_else(|| OpenFile::sink(stderr.clone())),
            );
        }
        let api = Arc::new(ApiProcess {
            proc: proc.clone(),
            command: command.to_owned(),
            args: args.to_vec(),
            stdout,
            stderr,
            stdin: Mutex::new(Some(tx)),
            start_error: Mutex::new(None),
        });
        {
            let mut procs = self.procs.lock();
            // Forget API processes the kernel table no longer keeps.
            if procs.len() > 2048 {
                procs.retain(|pid, _| kernel.procs().get(*pid).is_some());
            }
            procs.insert(proc.pid, api.clone());
        }
        let ctx = Ctx {
            kernel: kernel.clone(),
            proc,
            argv,
            env,
            fds,
        };
        let me = api.clone();
        commands::run_as(ctx, move |ctx| {
            Box::pin(async move {
                let mut ctx = ctx;
                if let Some(policy) = ctx.kernel.policy() {
                    ctx.env = policy.filter_env(std::mem::take(&mut ctx.env)).await;
                }
                let name = ctx.argv[0].clone();
                let cwd = ctx.cwd();
                let cwd_ok = match ctx.kernel.vfs().stat(ctx.cred(), &cwd, true).await {
                    Ok(st) if st.file_type == crate::kernel::vfs::FileType::Dir => Ok(()),
                    Ok(_) => Err(Errno::ENOTDIR),
                    Err(e) => Err(e.errno_value().unwrap_or(Errno::ENOENT)),
                };
                if let Err(errno) = cwd_ok {
                    *me.start_error.lock() = Some(Error::errno(errno, "chdir", cwd.clone()));
                    ctx.err(format!(
                        "{name}: cannot change directory to {cwd}: {}\n",
                        errno.strerror()
                    ))
                    .await;
                    return 127;
                }
                let found =
                    match commands::find_in_path(&ctx.kernel, &ctx.env, &ctx.cwd(), &name).await {
                        Ok(file) => commands::load(&ctx.kernel, &file).await.map(|t| (file, t)),
                        Err(e) => Err(e),
                    };
                match found {
                    Ok((_, commands::Target::Native(program))) => program(ctx).await,
                    Ok((file, commands::Target::Script(interp))) => {
                        let Some(program) =
                            commands::lookup(interp[0].rsplit('/').next().unwrap_or(""))
                        else {
                            ctx.complain(format!(
                                "{}: bad interpreter: No such file or directory",
                                interp[0]
                            ))
                            .await;
                            return 126;
                        };
                        let mut argv = interp;
                        argv.push(file);
                        argv.extend(ctx.argv[1..].iter().cloned());
                        program(Ctx { argv, ..ctx }).await
                    }
                    Err(e) => {
                        ctx.err(format!("{name}: {}\n", e.describe())).await;
                        e.status()
                    }
                }
            })
        });
        Ok(api)
    }

    /// Start `sh -c command` for `exec`: output is collected (up to `maxOutputBytes` per
    /// stream) and standard input is `opts.stdin` then end of file.
    pub fn exec_start(
        &self,
        kernel: &Arc<Kernel>,
        command: &str,
        opts: StartOptions,
    ) -> Result<Arc<ApiProcess>> {
        let api = self.spawn(
            kernel,
            "sh",
            &["-c".to_owned(), command.to_owned()],
            opts,
            true,
        )?;
        api.close_stdin();
        Ok(api)
    }

    /// Wait for an `exec` process and take its output. With `timeout`, the process group is
    /// killed when it fires and the call fails with `ETIMEDOUT`.
    pub async fn exec_finish(
        &self,
        kernel: &Arc<Kernel>,
        api: &ApiProcess,
        timeout: Option<Duration>,
    ) -> Result<ExecOutput> {
        let pid = api.proc.pid;
        let code = match timeout {
            Some(t) => match tokio::time::timeout(t, api.proc.wait()).await {
                Ok(code) => code,
                Err(_) => {
                    let _ = kernel
                        .procs()
                        .kill(-i64::from(api.proc.pgid), Signal::SIGKILL);
                    api.proc.wait().await;
                    self.procs.lock().remove(&pid);
                    return Err(Error::errno_msg(
                        Errno::ETIMEDOUT,
                        format!(
                            "command timed out after {} ms: {}",
                            t.as_millis(),
                            api.args.last().map(String::as_str).unwrap_or("")
                        ),
                    ));
                }
            },
            None => api.proc.wait().await,
        };
        self.procs.lock().remove(&pid);
        if let Some(e) = api.start_error.lock().take() {
            return Err(e);
        }
        let (stdout, _) = api.stdout.take_collected();
        let (stderr, _) = api.stderr.take_collected();
        Ok(ExecOutput {
            code,
            stdout,
            stderr,
        })
    }

    /// `exec` in one step.
    pub async fn exec(
        &self,
        kernel: &Arc<Kernel>,
        command: &str,
        opts: StartOptions,
        timeout: Option<Duration>,
    ) -> Result<ExecOutput> {
        let api = self.exec_start(kernel, command, opts)?;
        self.exec_finish(kernel, &api, timeout).await
    }
}

impl ApiProcess {
    /// Queue bytes for the process's standard input (`EPIPE` once it was closed).
    pub fn write_stdin(&self, data: Bytes) -> Result<()> {
        match self.stdin.lock().as_ref() {
            Some(tx) if tx.send(data).is_ok() => Ok(()),
            _ => Err(Error::errno_msg(
                Errno::EPIPE,
                format!("stdin of process {} is closed", self.proc.pid),
            )),
        }
    }

    /// End the process's standard input.
    pub fn close_stdin(&self) {
        self.stdin.lock().take();
    }

    /// The standard error kept so far (the last `maxOutputBytes`).
    pub fn stderr_kept(&self) -> Vec<u8> {
        self.stderr.kept()
    }

    /// Start live delivery of `stream`; returns the output kept so far and the sequence number
    /// it ends at.
    pub fn subscribe(&self, stream: Stream) -> (Vec<Bytes>, u64) {
        match stream {
            Stream::Stdout => self.stdout.subscribe(),
            Stream::Stderr => self.stderr.subscribe(),
        }
    }
}
