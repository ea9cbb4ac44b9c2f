//! Native commands, and how a program is found and started as a process.
//!
//! A native command is an `async fn(Ctx) -> i32` over the VM's kernel. Each is installed in the
//! VM's `/usr/bin` as a small file naming it (see `rootfs::NATIVE_SHEBANG`), so `PATH` lookup,
//! `command -v` and scripts with a `#!` line work the usual way.

mod basic;
mod cat;
mod echo;
mod printf;

pub use echo::{render as echo_render, unescape as echo_unescape};
pub use printf::format as printf_format;

use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;

use crate::error::Error;
use crate::kernel::errno::Errno;
use crate::kernel::process::{
    FdTable, FileObj, NewProcess, OpenFile, OpenFlags, Pid, ProcEvent, Process, Signal,
};
use crate::kernel::vfs::rootfs::NATIVE_SHEBANG;
use crate::kernel::vfs::{path, Cred, FileType, WriteOpts, WritePos};
use crate::kernel::Kernel;

/// Environment variables of a process.
pub type Env = BTreeMap<String, String>;

/// A running program's future.
pub type ProgramFuture = Pin<Box<dyn Future<Output = i32> + Send + 'static>>;

/// A native program.
pub type Program = fn(Ctx) -> ProgramFuture;

/// The default `PATH`.
pub const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Every native command, by name.
pub const NAMES: &[&str] = &[
    "bash", "cat", "echo", "false", "printf", "sh", "sleep", "true", "yes",
];

/// The native program called `name`.
pub fn lookup(name: &str) -> Option<Program> {
    Some(match name {
        "sh" | "bash" => crate::shell::main,
        "cat" => cat::main,
        "echo" => echo::main,
        "printf" => printf::main,
        "true" => basic::true_main,
        "false" => basic::false_main,
        "sleep" => basic::sleep_main,
        "yes" => basic::yes_main,
        _ => return None,
    })
}

/// What a program runs with: its process, arguments, environment and descriptors.
pub struct Ctx {
    /// The VM's kernel.
    pub kernel: Arc<Kernel>,
    /// This process.
    pub proc: Arc<Process>,
    /// Arguments, `argv[0]` first.
    pub argv: Vec<String>,
    /// Environment.
    pub env: Env,
    /// Descriptors.
    pub fds: FdTable,
}

/// How to open a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// `O_RDONLY`.
    Read,
    /// `O_WRONLY|O_CREAT|O_TRUNC` (`>`); with `noclobber`, an existing regular file is `EEXIST`.
    Truncate {
        /// Refuse to replace an existing regular file.
        noclobber: bool,
    },
    /// `O_WRONLY|O_CREAT|O_APPEND` (`>>`).
    Append,
    /// `O_RDWR|O_CREAT` (`<>`).
    ReadWrite,
}

impl Ctx {
    /// Who the process acts as.
    pub fn cred(&self) -> Cred {
        Cred::USER
    }

    /// The command's name for messages: `argv[0]` without its directory.
    pub fn name(&self) -> &str {
        let a0 = self.argv.first().map(String::as_str).unwrap_or("?");
        a0.rsplit('/').next().unwrap_or(a0)
    }

    /// The working directory.
    pub fn cwd(&self) -> String {
        self.proc.cwd()
    }

    /// `p` made absolute against the working directory (lexically; the kernel resolves `..`).
    pub fn abs(&self, p: &str) -> String {
        if p.starts_with('/') {
            p.to_owned()
        } else {
            path::join(&self.cwd(), p)
        }
    }

    /// Write all of `data` to `fd`. `EPIPE` also raises `SIGPIPE` on this process.
    pub async fn write(&self, fd: i32, data: impl Into<Bytes>) -> Result<(), Errno> {
        let file = self.fds.get(fd)?.clone();
        let r = file.write(data.into()).await;
        match r {
            Err(Errno::EPIPE) => self.proc.signal(Signal::SIGPIPE),
            Err(Errno::EFBIG) if matches!(file.obj(), FileObj::Sink(_)) => {
                output_limit_hit(&self.kernel, &self.fds, &self.proc, self.name()).await;
            }
            _ => {}
        }
        r
    }

    /// Read up to `max` bytes from `fd`; empty at end of file.
    pub async fn read(&self, fd: i32, max: usize) -> Result<Bytes, Errno> {
        let file = self.fds.get(fd)?.clone();
        file.read(max).await
    }

    /// Write to standard output.
    pub async fn out(&self, data: impl Into<Bytes>) -> Result<(), Errno> {
        self.write(1, data).await
    }

    /// Write a message to standard error (errors writing it are ignored). A process that a
    /// signal is ending (`SIGPIPE`) says nothing more, as on Linux.
    pub async fn err(&self, msg: impl Into<Bytes>) {
        if self.proc.pending_fatal().is_some() {
            return;
        }
        let _ = self.write(2, msg).await;
    }

    /// `name: msg\n` on standard error.
    pub async fn complain(&self, msg: impl std::fmt::Display) {
        let line = format!("{}: {msg}\n", self.name());
        self.err(line).await;
    }

    /// Open `p` (relative to the working directory) for this process.
    pub async fn open(&self, p: &str, mode: OpenMode) -> Result<Arc<OpenFile>, Error> {
        open_path(&self.kernel, &self.fds, self.cred(), &self.abs(p), mode).await
    }
}

/// A process wrote more output than the host keeps (`limits.maxOutputBytes`): say so on its
/// standard error and stop it with `SIGXFSZ`.
pub async fn output_limit_hit(kernel: &Kernel, fds: &FdTable, proc: &Process, name: &str) {
    if proc.pending_fatal().is_none() {
        if let Ok(f) = fds.get(2) {
            let msg = format!(
                "{name}: output limit exceeded (limits.maxOutputBytes = {}); process stopped\n",
                kernel.limits().max_output_bytes
            );
            let _ = f.write(Bytes::from(msg)).await;
        }
    }
    proc.signal(Signal::SIGXFSZ);
}

/// The descriptor number a `/dev/std*`, `/dev/fd/N` or `/proc/self/fd/N` path names.
fn self_fd(p: &str) -> Option<i32> {
    match p {
        "/dev/stdin" => Some(0),
        "/dev/stdout" => Some(1),
        "/dev/stderr" => Some(2),
        _ => p
            .strip_prefix("/dev/fd/")
            .or_else(|| p.strip_prefix("/proc/self/fd/"))
            .and_then(|n| n.parse().ok()),
    }
}

/// Open an absolute path for a process whose descriptors are `fds`.
pub async fn open_path(
    kernel: &Arc<Kernel>,
    fds: &FdTable,
    cred: Cred,
    p: &str,
    mode: OpenMode,
) -> Result<Arc<OpenFile>, Error> {
    if let Some(fd) = self_fd(p) {
        return fds.get(fd).cloned().map_err(|e| Error::errno(e, "open", p));
    }
    let vfs = kernel.vfs();
    let flags = match mode {
        OpenMode::Read => {
            vfs.stat(cred, p, true).await?;
            OpenFlags {
                read: true,
                ..OpenFlags::default()
            }
        }
        OpenMode::Truncate { noclobber } => {
            if noclobber {
                if let Ok(st) = vfs.stat(cred, p, true).await {
                    if st.file_type == FileType::File {
                        return Err(Error::errno(Errno::EEXIST, "open", p));
                    }
                }
            }
            let opts = WriteOpts {
                pos: WritePos::Truncate,
                create: Some(0o644),
                exclusive: false,
            };
            vfs.write(cred, p, Bytes::new(), opts).await?;
            OpenFlags {
                write: true,
                ..OpenFlags::default()
            }
        }
        OpenMode::Append => {
            let opts = WriteOpts {
                pos: WritePos::Append,
                create: Some(0o644),
                exclusive: false,
            };
            vfs.write(cred, p, Bytes::new(), opts).await?;
            OpenFlags {
                write: true,
                append: true,
                ..OpenFlags::default()
            }
        }
        OpenMode::ReadWrite => {
            let opts = WriteOpts {
                pos: WritePos::Append,
                create: Some(0o644),
                exclusive: false,
            };
            vfs.write(cred, p, Bytes::new(), opts).await?;
            OpenFlags {
                read: true,
                write: true,
                append: false,
            }
        }
    };
    Ok(OpenFile::new(
        FileObj::File {
            vfs: vfs.clone(),
            path: p.to_owned(),
            cred,
        },
        flags,
    ))
}

/// How a program could not be found or started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecError {
    /// No such command on `PATH` (exit 127, "command not found").
    NotFound,
    /// A path that does not exist (exit 127, "No such file or directory").
    NoSuchFile,
    /// Not executable, or a directory (exit 126).
    Denied(Errno),
    /// A binary the VM cannot run (exit 126).
    NoExec,
    /// The process table is full (`EAGAIN`).
    Limit(Errno),
}

impl ExecError {
    /// The shell's exit status for it.
    pub fn status(&self) -> i32 {
        match self {
            ExecError::NotFound | ExecError::NoSuchFile => 127,
            ExecError::Denied(_) | ExecError::NoExec => 126,
            ExecError::Limit(_) => 1,
        }
    }
}

/// What a command name resolved to.
pub enum Target {
    /// A native command.
    Native(Program),
    /// A script: run `interpreter` with the script's path and the arguments.
    Script(Vec<String>),
}

/// Find the file `name` names: itself if it contains a slash, else the first executable
/// regular file on `PATH`.
pub async fn find_in_path(
    kernel: &Kernel,
    env: &Env,
    cwd: &str,
    name: &str,
) -> Result<String, ExecError> {
    let cred = Cred::USER;
    if name.contains('/') {
        let p = if name.starts_with('/') {
            name.to_owned()
        } else {
            path::join(cwd, name)
        };
        return match kernel.vfs().stat(cred, &p, true).await {
            Ok(st) if st.file_type == FileType::Dir => Err(ExecError::Denied(Errno::EISDIR)),
            Ok(st) if st.perm & 0o111 == 0 => Err(ExecError::Denied(Errno::EACCES)),
            Ok(_) => Ok(p),
            Err(_) => Err(ExecError::NoSuchFile),
        };
    }
    if name.is_empty() {
        return Err(ExecError::NotFound);
    }
    let path_var = env.get("PATH").map(String::as_str).unwrap_or(DEFAULT_PATH);
    for dir in path_var.split(':') {
        let dir = if dir.is_empty() { cwd } else { dir };
        let p = path::join(dir, name);
        if let Ok(st) = kernel.vfs().stat(cred, &p, true).await {
            if st.file_type != FileType::Dir && st.perm & 0o111 != 0 {
                return Ok(p);
            }
        }
    }
    Err(ExecError::NotFound)
}

/// What the executable file at `p` runs.
pub async fn load(kernel: &Kernel, p: &str) -> Result<Target, ExecError> {
    let head = kernel
        .vfs()
        .pread(Cred::USER, p, 0, Some(256))
        .await
        .map_err(|e| ExecError::Denied(e.errno_value().unwrap_or(Errno::EACCES)))?;
    if let Some(rest) = head.strip_prefix(NATIVE_SHEBANG.as_bytes()) {
        let name = String::from_utf8_lossy(rest);
        let name = name.lines().next().unwrap_or("").trim();
        return lookup(name).map(Target::Native).ok_or(ExecError::NoExec);
    }
    if let Some(rest) = head.strip_prefix(b"#!") {
        let line = String::from_utf8_lossy(rest);
        let line = line.lines().next().unwrap_or("").trim();
        let mut parts = line.splitn(2, char::is_whitespace);
        let interp = parts.next().unwrap_or("").to_owned();
        if interp.is_empty() {
            return Err(ExecError::NoExec);
        }
        let mut argv = vec![interp];
        if let Some(arg) = parts.next().map(str::trim).filter(|a| !a.is_empty()) {
            argv.push(arg.to_owned());
        }
        return Ok(Target::Script(argv));
    }
    if head.contains(&0) {
        return Err(ExecError::NoExec);
    }
    // No interpreter line: the shell runs it, as bash does for ENOEXEC text files.
    Ok(Target::Script(vec!["/bin/sh".to_owned()]))
}

/// Everything a new process starts with.
pub struct SpawnSpec {
    /// Arguments; `argv[0]` is also the command to find.
    pub argv: Vec<String>,
    /// Environment.
    pub env: Env,
    /// Working directory.
    pub cwd: String,
    /// Descriptors (already arranged: 0, 1, 2 and any others).
    pub fds: FdTable,
    /// Parent.
    pub ppid: Pid,
    /// Group to join (`None`: a new one).
    pub pgid: Option<Pid>,
    /// Session to join (`None`: a new one).
    pub sid: Option<Pid>,
    /// Started by the host API.
    pub api: bool,
}

/// Find `spec.argv[0]` and start it as a new process.
pub async fn spawn(kernel: &Arc<Kernel>, mut spec: SpawnSpec) -> Result<Arc<Process>, ExecError> {
    let name = spec.argv.first().cloned().unwrap_or_default();
    let file = find_in_path(kernel, &spec.env, &spec.cwd, &name).await?;
    let mut target = load(kernel, &file).await?;
    // One level of `#!` interpreter (an interpreter that is itself a script is not run).
    for _ in 0..2 {
        match target {
            Target::Native(program) => {
                let driver = if matches!(name.rsplit('/').next(), Some("sh" | "bash")) {
                    "shell"
                } else {
                    "native"
                };
                return start(kernel, spec, program, driver).map_err(ExecError::Limit);
            }
            Target::Script(interp) => {
                let mut argv = interp.clone();
                argv.push(file.clone());
                argv.extend(spec.argv.drain(1..));
                spec.argv = argv;
                let ifile = find_in_path(kernel, &spec.env, &spec.cwd, &interp[0]).await?;
                target = match load(kernel, &ifile).await? {
                    Target::Native(p) => Target::Native(p),
                    Target::Script(_) => return Err(ExecError::NoExec),
                };
            }
        }
    }
    Err(ExecError::NoExec)
}

/// A future that turns a panic into `Err` instead of unwinding into the runtime.
struct CatchUnwind(ProgramFuture);

impl Future for CatchUnwind {
    type Output = Result<i32, ()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let fut = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Ready(code)) => Poll::Ready(Ok(code)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(Err(())),
        }
    }
}

/// Start `program` as a new process on the VM's runtime.
pub fn start(
    kernel: &Arc<Kernel>,
    spec: SpawnSpec,
    program: Program,
    driver: &'static str,
) -> Result<Arc<Process>, Errno> {
    start_with(kernel, spec, driver, program)
}

/// Start a process running `body` (a program or a closure, such as a subshell).
pub fn start_with<F>(
    kernel: &Arc<Kernel>,
    spec: SpawnSpec,
    driver: &'static str,
    body: F,
) -> Result<Arc<Process>, Errno>
where
    F: FnOnce(Ctx) -> ProgramFuture + Send + 'static,
{
    let proc = kernel.procs().create(NewProcess {
        ppid: spec.ppid,
        pgid: spec.pgid,
        sid: spec.sid,
        argv: spec.argv.clone(),
        cwd: spec.cwd,
        driver,
        api: spec.api,
    })?;
    let ctx = Ctx {
        kernel: kernel.clone(),
        proc: proc.clone(),
        argv: spec.argv,
        env: spec.env,
        fds: spec.fds,
    };
    run_as(ctx, body);
    Ok(proc)
}

/// Run `body` as the process in `ctx` (already in the table) until it exits or a signal
/// ends it, then record its exit.
pub fn run_as<F>(ctx: Ctx, body: F)
where
    F: FnOnce(Ctx) -> ProgramFuture + Send + 'static,
{
    let kernel = ctx.kernel.clone();
    let proc = ctx.proc.clone();
    tokio::spawn(async move {
        let fut = CatchUnwind(body(ctx));
        let code = tokio::select! {
            biased;
            sig = proc.fatal_signal() => 128 + sig.number(),
            // A panic in a program ends that process as SIGABRT would.
            r = fut => r.unwrap_or(128 + 6),
        };
        let code = match proc.pending_fatal() {
            Some(sig) => 128 + sig.number(),
            None => code,
        };
        kernel.procs().exited(&proc, code);
        if proc.api {
            kernel.emit(ProcEvent::Exit {
                pid: proc.pid,
                code,
            });
        }
    });
}
