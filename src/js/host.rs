//! The kernel side of a guest Node process's system calls.
//!
//! One `KernelHost` per node process, living on that process's JS thread. Synchronous calls
//! block the thread on the kernel future (a fatal signal interrupts them); asynchronous ones are
//! awaited on the thread's event loop. Child processes are started on the sidecar's runtime.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use base64::Engine as _;
use bytes::Bytes;
use serde_json::{json, Value};

use super::ops::{Host, LocalFut, SysError, SysResult};
use super::Shared;
use crate::commands::{self, open_path, self_fd, Env, OpenMode, SpawnSpec};
use crate::error::Error;
use crate::kernel::errno::Errno;
use crate::kernel::process::{pipe, FdTable, FileObj, OpenFile, Process, Signal};
use crate::kernel::vfs::{path, Cred, FileType, SetAttr, Stat, WriteOpts, WritePos};
use crate::kernel::Kernel;

/// What `node` was asked to run.
#[derive(Clone, Debug, Default)]
pub struct Invocation {
    /// `-e`/`-p` code.
    pub eval: Option<String>,
    /// `-p`: print the result.
    pub print: bool,
    /// The script (as given).
    pub script: Option<String>,
    /// `--input-type=module`.
    pub module: bool,
    /// Node options before the script (`process.execArgv`).
    pub exec_argv: Vec<String>,
    /// Arguments after the script or code.
    pub args: Vec<String>,
}

/// A guest Node process's view of its VM.
pub struct KernelHost {
    pub(super) kernel: Arc<Kernel>,
    pub(super) proc: Arc<Process>,
    pub(super) env: Env,
    pub(super) inv: Invocation,
    pub(super) fds: std::rc::Rc<RefCell<FdTable>>,
    pub(super) sidecar: tokio::runtime::Handle,
    pub(super) shared: Arc<Shared>,
    children: RefCell<HashMap<u32, Arc<Process>>>,
    pub(super) pkg_cache: RefCell<HashMap<String, Option<Value>>>,
    start: Instant,
}

/// Node's errors for a kernel error.
pub fn sys_err(e: Error) -> SysError {
    SysError {
        code: e.code().to_owned(),
        errno: e.errno_value().map(|n| -n.number()).unwrap_or(0),
        message: e.message().to_owned(),
        syscall: e.syscall().map(str::to_owned),
        path: e.path().map(str::to_owned),
        dest: e.dest().map(str::to_owned),
    }
}

fn errno_err(e: Errno, syscall: &'static str) -> SysError {
    sys_err(Error::errno_msg(
        e,
        format!("{}, {syscall}", e.description()),
    ))
    .with_syscall(syscall)
}

impl SysError {
    /// The same error reported for another system call (in `syscall` and in the message).
    fn with_syscall(mut self, s: &str) -> SysError {
        if let Some(old) = &self.syscall {
            self.message = self
                .message
                .replacen(&format!(", {old} '"), &format!(", {s} '"), 1);
        }
        self.syscall = Some(s.to_owned());
        self
    }
}

/// A two-path call's failure as Node reports it: both paths, whichever one failed.
fn two_paths(e: Error, syscall: &'static str, from: &str, to: &str) -> SysError {
    match e.errno_value() {
        Some(n) => sys_err(Error::errno2(n, syscall, from, to)),
        None => sys_err(e),
    }
}

fn invalid(msg: impl Into<String>) -> SysError {
    SysError::new("ERR_INVALID_ARG_VALUE", msg)
}

fn arg_str<'a>(args: &'a Value, k: &str) -> SysResult<&'a str> {
    args.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("missing string argument `{k}`")))
}

fn arg_bool(args: &Value, k: &str) -> bool {
    args.get(k).and_then(Value::as_bool).unwrap_or(false)
}

fn arg_i64(args: &Value, k: &str) -> Option<i64> {
    args.get(k).and_then(Value::as_f64).map(|f| f as i64)
}

fn stat_json(st: &Stat) -> Value {
    let ms = |ns: i64| ns as f64 / 1e6;
    json!({
        "dev": 1,
        "ino": st.ino,
        "mode": st.file_type.mode_bits() | st.perm,
        "nlink": st.nlink,
        "uid": st.uid,
        "gid": st.gid,
        "rdev": 0,
        "size": st.size,
        "blksize": 4096,
        "blocks": st.size.div_ceil(512),
        "atimeMs": ms(st.atime_ns),
        "mtimeMs": ms(st.mtime_ns),
        "ctimeMs": ms(st.ctime_ns),
        "birthtimeMs": ms(st.birthtime_ns),
    })
}

fn type_name(t: FileType) -> &'static str {
    match t {
        FileType::File => "file",
        FileType::Dir => "dir",
        FileType::Symlink => "symlink",
        FileType::CharDevice => "char",
    }
}

/// Node's open flags (`r`, `r+`, `w`, `wx`, `a+`, ... or a number) as (read, write, create,
/// truncate, append, exclusive).
fn parse_flags(v: &Value) -> SysResult<(bool, bool, bool, bool, bool, bool)> {
    if let Some(n) = v.as_i64() {
        let acc = n & 3;
        return Ok((
            acc == 0 || acc == 2,
            acc == 1 || acc == 2,
            n & 0o100 != 0,
            n & 0o1000 != 0,
            n & 0o2000 != 0,
            n & 0o200 != 0,
        ));
    }
    let s = v.as_str().unwrap_or("r");
    let excl = s.contains('x');
    Ok(match s.replace(['x', 's'], "").as_str() {
        "r" => (true, false, false, false, false, false),
        "r+" => (true, true, false, false, false, false),
        "w" => (false, true, true, true, false, excl),
        "w+" => (true, true, true, true, false, excl),
        "a" => (false, true, true, false, true, excl),
        "a+" => (true, true, true, false, true, excl),
        _ => {
            return Err(invalid(format!(
                "The argument 'flags' is invalid. Received '{s}'"
            )))
        }
    })
}

/// Run `f` to completion on this thread, parking while it is pending.
///
/// Unlike `futures::executor::block_on` (which panics when nested) this may run inside another
/// executor: resolving and loading modules also happens inside deno_core's own `block_on`, when
/// `require()` loads an ES module graph synchronously (`op_import_sync`), and any system call may
/// happen there.
fn block_nested<F: Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    // This loop never yields to the thread's scheduler, so tokio's cooperative budget (128
    // operations per task poll) would never be refilled: once spent, a `JoinHandle` (host
    // directory operations run on the blocking pool) would park this thread for ever. The
    // loop is its own scheduler, so it runs unconstrained.
    let mut f = std::pin::pin!(tokio::task::unconstrained(f));
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

impl KernelHost {
    /// A host for `proc`.
    pub fn new(
        kernel: Arc<Kernel>,
        proc: Arc<Process>,
        env: Env,
        fds: FdTable,
        inv: Invocation,
        sidecar: tokio::runtime::Handle,
        shared: Arc<Shared>,
    ) -> KernelHost {
        KernelHost {
            kernel,
            proc,
            env,
            inv,
            fds: std::rc::Rc::new(RefCell::new(fds)),
            sidecar,
            shared,
            children: RefCell::new(HashMap::new()),
            pkg_cache: RefCell::new(HashMap::new()),
            start: Instant::now(),
        }
    }

    /// Run a kernel future to completion on this thread; a fatal signal interrupts it.
    pub(super) fn block<F: Future>(&self, f: F) -> SysResult<F::Output> {
        let proc = self.proc.clone();
        block_nested(async move {
            tokio::select! {
                biased;
                r = f => Ok(r),
                _ = proc.fatal_signal() => Err(errno_err(Errno::EINTR, "read")),
            }
        })
    }

    fn cred(&self) -> Cred {
        Cred::GUEST
    }

    fn abs(&self, p: &str) -> SysResult<String> {
        if p.is_empty() {
            return Err(sys_err(Error::errno(Errno::ENOENT, "open", p)));
        }
        if p.contains('\0') {
            return Err(SysError::new(
                "ERR_INVALID_ARG_VALUE",
                "The argument 'path' must be a string without null bytes.",
            ));
        }
        Ok(if p.starts_with('/') {
            p.to_owned()
        } else {
            path::join(&self.proc.cwd(), p)
        })
    }

    fn path_arg(&self, args: &Value, k: &str) -> SysResult<String> {
        self.abs(arg_str(args, k)?)
    }

    fn vfs<T>(&self, f: impl Future<Output = crate::error::Result<T>>) -> SysResult<T> {
        self.block(f)?.map_err(sys_err)
    }

    /// The open file behind `fd` (`EBADF` reported for `syscall`).
    fn file(&self, fd: i32, syscall: &'static str) -> SysResult<Arc<OpenFile>> {
        self.fds
            .borrow()
            .get(fd)
            .cloned()
            .map_err(|e| errno_err(e, syscall))
    }

    fn boot(&self) -> Value {
        let p = &self.proc;
        json!({
            "argv0": "node",
            "execPath": "/usr/bin/node",
            "execArgv": self.inv.exec_argv,
            "args": self.inv.args,
            "script": self.inv.script,
            "eval": self.inv.eval,
            "print": self.inv.print,
            "module": self.inv.module,
            "env": self.env,
            "cwd": p.cwd(),
            "pid": p.pid,
            "ppid": p.ppid,
            "pgid": p.pgid,
            "version": super::NODE_VERSION,
            "memoryMb": self.kernel.limits().memory_mb,
            "allowedBuiltins": self.kernel.node_builtins().as_deref(),
        })
    }

    /// The open file a `/dev/stdin`, `/dev/fd/N`-like path `p` names, if it names one
    /// (`ENOENT` for a descriptor that is not open, reported on the path as `given`).
    fn self_file(&self, p: &str, given: &str) -> SysResult<Option<Arc<OpenFile>>> {
        let Some(n) = self_fd(p) else {
            return Ok(None);
        };
        let f = self.fds.borrow().get(n).cloned();
        f.map(Some)
            .map_err(|_| sys_err(Error::errno(Errno::ENOENT, "open", given)))
    }

    fn open(&self, args: &Value) -> SysResult<Value> {
        let p = self.path_arg(args, "path")?;
        if let Some(f) = self.self_file(&p, &p)? {
            // A new descriptor on the same open file, as opening /dev/fd/N does on Linux.
            let fd = self
                .fds
                .borrow_mut()
                .alloc(f, 3, true)
                .map_err(|e| sys_err(Error::errno(e, "open", &p)))?;
            return Ok(json!(fd));
        }
        let (read, write, create, trunc, append, excl) =
            parse_flags(args.get("flags").unwrap_or(&Value::Null))?;
        let mode = arg_i64(args, "mode").unwrap_or(0o666) as u32;
        let vfs = self.kernel.vfs().clone();
        let cred = self.cred();
        let file = if !create && !trunc {
            let mode = if write {
                OpenMode::ReadWrite
            } else {
                OpenMode::Read
            };
            if write {
                // O_RDWR without O_CREAT: the file must exist.
                let st = self.vfs(vfs.stat(cred, &p, true))?;
                if st.file_type == FileType::Dir {
                    return Err(sys_err(Error::errno(Errno::EISDIR, "open", &p)));
                }
            }
            let fds = self.fds.borrow().clone();
            self.vfs(open_path(&self.kernel, &fds, cred, &p, mode))?
        } else {
            let st = self.block(vfs.stat(cred, &p, true))?;
            match &st {
                Ok(_) if excl => return Err(sys_err(Error::errno(Errno::EEXIST, "open", &p))),
                Ok(st) if st.file_type == FileType::Dir => {
                    return Err(sys_err(Error::errno(Errno::EISDIR, "open", &p)))
                }
                _ => {}
            }
            let opts = WriteOpts {
                pos: if trunc {
                    WritePos::Truncate
                } else {
                    WritePos::Append
                },
                create: Some(mode & 0o777),
                exclusive: excl,
            };
            self.vfs(vfs.write(cred, &p, Bytes::new(), opts))
                .map_err(|e| e.with_syscall("open"))?;
            OpenFile::new(
                FileObj::File {
                    vfs: vfs.clone(),
                    path: p.clone(),
                    cred,
                },
                crate::kernel::process::OpenFlags {
                    read,
                    write,
                    append,
                },
            )
        };
        let fd = self
            .fds
            .borrow_mut()
            .alloc(file, 3, true)
            .map_err(|e| sys_err(Error::errno(e, "open", &p)))?;
        Ok(json!(fd))
    }

    fn mkdir(&self, args: &Value) -> SysResult<Value> {
        let p = self.path_arg(args, "path")?;
        let mode = arg_i64(args, "mode").unwrap_or(0o777) as u32 & 0o777;
        let vfs = self.kernel.vfs().clone();
        if !arg_bool(args, "recursive") {
            self.vfs(vfs.mkdir(self.cred(), &p, mode))?;
            return Ok(Value::Null);
        }
        // The first directory created, as Node returns it.
        let mut first = None;
        let mut cur = String::new();
        for part in p.split('/').filter(|s| !s.is_empty()) {
            cur.push('/');
            cur.push_str(part);
            match self.block(vfs.stat(self.cred(), &cur, true))? {
                Ok(st) if st.file_type == FileType::Dir => continue,
                // A file in the way: EEXIST if it is the directory asked for, else ENOTDIR.
                Ok(_) if cur == p.trim_end_matches('/') => {
                    return Err(sys_err(Error::errno(Errno::EEXIST, "mkdir", &p)))
                }
                Ok(_) => return Err(sys_err(Error::errno(Errno::ENOTDIR, "mkdir", &p))),
                Err(_) => {
                    self.vfs(vfs.mkdir(self.cred(), &cur, mode))?;
                    first.get_or_insert_with(|| cur.clone());
                }
            }
        }
        Ok(first.map(Value::String).unwrap_or(Value::Null))
    }

    fn readdir(&self, args: &Value) -> SysResult<Value> {
        let p = self.path_arg(args, "path")?;
        let list = self.vfs(self.kernel.vfs().read_dir(self.cred(), &p))?;
        Ok(Value::Array(
            list.iter()
                .map(|e| json!([e.name, type_name(e.stat.file_type)]))
                .collect(),
        ))
    }

    fn stdio_file(
        &self,
        spec: &Value,
        fd: i32,
        child_end_reads: bool,
    ) -> SysResult<(Arc<OpenFile>, Option<i32>)> {
        match spec.as_str().unwrap_or("pipe") {
            "inherit" => Ok((self.file(fd, "spawn")?, None)),
            "ignore" => {
                let fds = self.fds.borrow().clone();
                let mode = if child_end_reads {
                    OpenMode::Read
                } else {
                    OpenMode::Append
                };
                let f = self.vfs(open_path(
                    &self.kernel,
                    &fds,
                    self.cred(),
                    "/dev/null",
                    mode,
                ))?;
                Ok((f, None))
            }
            _ => {
                if let Some(n) = spec.as_i64() {
                    return Ok((self.file(n as i32, "spawn")?, None));
                }
                let (r, w) = pipe::pipe(self.kernel.limits().max_pipe_bytes as usize);
                let (child, mine) = if child_end_reads {
                    (OpenFile::pipe_reader(r), OpenFile::pipe_writer(w))
                } else {
                    (OpenFile::pipe_writer(w), OpenFile::pipe_reader(r))
                };
                let mine = self
                    .fds
                    .borrow_mut()
                    .alloc(mine, 3, true)
                    .map_err(|e| errno_err(e, "spawn"))?;
                Ok((child, Some(mine)))
            }
        }
    }

    /// The child's descriptors 0-2 (and 3-4 for an IPC channel); the parent's ends of its pipes
    /// are pushed to `mine` (closed by the caller if this fails midway).
    fn arrange_stdio(
        &self,
        stdio: &Value,
        with_ipc: bool,
        fds: &mut FdTable,
        mine: &mut Vec<Value>,
        ipc: &mut Value,
    ) -> SysResult<()> {
        for i in 0..3 {
            let (f, m) = self.stdio_file(&stdio[i], i as i32, i == 0)?;
            mine.push(m.map(Value::from).unwrap_or(Value::Null));
            fds.set(i as i32, f).map_err(|e| errno_err(e, "spawn"))?;
        }
        if with_ipc {
            // The channel to a forked node: two pipes, as kernel pipes go one way. The child
            // reads fd 3 (NODE_CHANNEL_FD) and writes fd 4; messages are lines of JSON (Node's
            // `json` serialization).
            let cap = self.kernel.limits().max_pipe_bytes as usize;
            let (down_r, down_w) = pipe::pipe(cap);
            let (up_r, up_w) = pipe::pipe(cap);
            fds.set(3, OpenFile::pipe_reader(down_r))
                .map_err(|e| errno_err(e, "spawn"))?;
            fds.set(4, OpenFile::pipe_writer(up_w))
                .map_err(|e| errno_err(e, "spawn"))?;
            let mut table = self.fds.borrow_mut();
            let w = table
                .alloc(OpenFile::pipe_writer(down_w), 3, true)
                .map_err(|e| errno_err(e, "spawn"))?;
            mine.push(Value::from(w));
            let r = table
                .alloc(OpenFile::pipe_reader(up_r), 3, true)
                .map_err(|e| errno_err(e, "spawn"))?;
            mine.push(Value::from(r));
            *ipc = json!([w, r]);
        }
        Ok(())
    }

    fn spawn(&self, args: &Value) -> SysResult<Value> {
        let argv: Vec<String> = args
            .get("argv")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if argv.is_empty() {
            return Err(invalid("The argument 'file' cannot be empty."));
        }
        let cwd = match args.get("cwd").and_then(Value::as_str) {
            Some(c) => self.abs(c)?,
            None => self.proc.cwd(),
        };
        // A missing working directory fails the exec (libuv's chdir in the child): Node
        // reports it as `spawn <file> ENOENT`, like a missing command.
        let vfs = self.kernel.vfs().clone();
        let cwd_errno = match self.block(vfs.stat(self.cred(), &cwd, true))? {
            Ok(st) if st.file_type == FileType::Dir => None,
            Ok(_) => Some(Errno::ENOTDIR),
            Err(e) => Some(e.errno_value().unwrap_or(Errno::ENOENT)),
        };
        if let Some(errno) = cwd_errno {
            let file = &argv[0];
            return Ok(json!({ "error": {
                "code": errno.name(), "errno": -errno.number(),
                "message": format!("spawn {file} {}", errno.name()),
                "syscall": format!("spawn {file}"), "path": file,
            }}));
        }
        let mut env: Env = match args.get("env").and_then(Value::as_object) {
            Some(m) => m
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect(),
            None => self.env.clone(),
        };
        let stdio = args
            .get("stdio")
            .cloned()
            .unwrap_or(json!(["pipe", "pipe", "pipe"]));
        let mut fds = FdTable::new(self.kernel.limits().max_open_files as usize);
        let mut mine = Vec::new();
        let mut ipc = Value::Null;
        let arranged =
            self.arrange_stdio(&stdio, arg_bool(args, "ipc"), &mut fds, &mut mine, &mut ipc);
        if let Err(e) = arranged {
            for fd in mine.iter().filter_map(Value::as_i64) {
                let _ = self.fds.borrow_mut().close(fd as i32);
            }
            return Err(e);
        }
        if !ipc.is_null() {
            env.insert("NODE_CHANNEL_FD".into(), "3".into());
            env.insert("NODE_CHANNEL_SERIALIZATION_MODE".into(), "json".into());
        }
        mine.truncate(3);
        let spec = SpawnSpec {
            argv: argv.clone(),
            env,
            cwd,
            fds,
            ppid: self.proc.pid,
            // `detached`: the child leads a new session and group (setsid), as in Node.
            pgid: (!arg_bool(args, "detached")).then_some(self.proc.pgid),
            sid: (!arg_bool(args, "detached")).then_some(self.proc.sid),
            api: false,
        };
        let kernel = self.kernel.clone();
        let _rt = self.sidecar.enter();
        let r = self.block(commands::spawn(&kernel, spec))?;
        match r {
            Ok(child) => {
                let pid = child.pid;
                self.children.borrow_mut().insert(pid, child);
                Ok(json!({ "pid": pid, "fds": mine, "ipc": ipc }))
            }
            Err(e) => {
                let ipc_fds = ipc.as_array().cloned().unwrap_or_default();
                for fd in mine.iter().chain(ipc_fds.iter()).filter_map(Value::as_i64) {
                    let _ = self.fds.borrow_mut().close(fd as i32);
                }
                let refused = match &e {
                    commands::ExecError::Refused(r) if !r.is_empty() => format!(": {r}"),
                    _ => String::new(),
                };
                let errno = match e {
                    commands::ExecError::NotFound | commands::ExecError::NoSuchFile => {
                        Errno::ENOENT
                    }
                    commands::ExecError::Denied(e) | commands::ExecError::Limit(e) => e,
                    commands::ExecError::NoExec | commands::ExecError::Refused(_) => Errno::EACCES,
                };
                let file = &argv[0];
                let mut err = sys_err(Error::errno_msg(
                    errno,
                    format!("spawn {file} {}", errno.name()),
                ));
                err.message = format!("spawn {file} {}{refused}", errno.name());
                err.syscall = Some(format!("spawn {file}"));
                err.path = Some(file.clone());
                Ok(json!({ "error": {
                    "code": err.code, "errno": err.errno, "message": err.message,
                    "syscall": err.syscall, "path": err.path,
                }}))
            }
        }
    }

    fn wait_result(code: i32) -> Value {
        if code > 128 && code < 128 + 65 {
            if let Some(sig) = Signal::from_number(code - 128) {
                return json!({ "code": Value::Null, "signal": sig.name() });
            }
        }
        json!({ "code": code, "signal": Value::Null })
    }

    fn kill(&self, args: &Value) -> SysResult<Value> {
        let pid = arg_i64(args, "pid").unwrap_or(0);
        let sig = match args.get("signal") {
            Some(Value::String(s)) => Signal::parse(s),
            Some(v) => v.as_i64().and_then(|n| Signal::from_number(n as i32)),
            None => Some(Signal::SIGTERM),
        };
        if let Some(Value::Number(n)) = args.get("signal") {
            if n.as_i64() == Some(0) {
                return match self.kernel.procs().get(pid as u32) {
                    Some(p) if p.exit_code().is_none() => Ok(json!(true)),
                    _ => Err(errno_err(Errno::ESRCH, "kill")),
                };
            }
        }
        let sig = sig.ok_or_else(|| SysError::new("ERR_UNKNOWN_SIGNAL", "Unknown signal"))?;
        self.kernel
            .procs()
            .kill(pid, sig)
            .map_err(|e| errno_err(e, "kill"))?;
        Ok(json!(true))
    }

    fn spawn_sync(&self, args: &Value) -> SysResult<Value> {
        let mut a = args.clone();
        a["stdio"] = json!([
            args.get("stdio")
                .and_then(|s| s.get(0))
                .cloned()
                .unwrap_or(json!("pipe")),
            args.get("stdio")
                .and_then(|s| s.get(1))
                .cloned()
                .unwrap_or(json!("pipe")),
            args.get("stdio")
                .and_then(|s| s.get(2))
                .cloned()
                .unwrap_or(json!("pipe")),
        ]);
        let mut started = self.spawn(&a)?;
        if let Some(err) = started.get_mut("error") {
            let file = args["argv"][0].as_str().unwrap_or("").to_owned();
            let code = err["code"].as_str().unwrap_or("").to_owned();
            err["syscall"] = json!(format!("spawnSync {file}"));
            err["message"] = json!(format!("spawnSync {file} {code}"));
            return Ok(started);
        }
        let pid = started["pid"].as_i64().unwrap_or(0) as u32;
        let fd = |i: usize| started["fds"][i].as_i64().map(|n| n as i32);
        let take = |fd: Option<i32>| -> Option<Arc<OpenFile>> {
            let fd = fd?;
            let f = self.fds.borrow().get(fd).ok().cloned();
            let _ = self.fds.borrow_mut().close(fd);
            f
        };
        let (stdin, stdout, stderr) = (take(fd(0)), take(fd(1)), take(fd(2)));
        let input = match args.get("input").and_then(Value::as_str) {
            Some(b) => base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|_| invalid("bad input"))?,
            None => Vec::new(),
        };
        let max = arg_i64(args, "maxBuffer").unwrap_or(1024 * 1024) as usize;
        let timeout = arg_i64(args, "timeout").filter(|t| *t > 0);
        let kill_signal = args
            .get("killSignal")
            .and_then(Value::as_str)
            .and_then(Signal::parse)
            .unwrap_or(Signal::SIGTERM);
        let child = self.children.borrow_mut().remove(&pid);
        let Some(child) = child else {
            return Err(errno_err(Errno::ESRCH, "spawnSync"));
        };
        let kernel = self.kernel.clone();
        let fut = async move {
            let feed = async move {
                if let Some(w) = stdin {
                    if !input.is_empty() {
                        let _ = w.write(Bytes::from(input)).await;
                    }
                    drop(w);
                }
            };
            let pid = child.pid;
            // Past maxBuffer or the timeout the child is killed and its pipes closed, as in
            // Node's SyncProcessRunner::Kill: output stops there, and whatever still holds the
            // pipes (a grandchild) gets EPIPE instead of keeping spawnSync waiting.
            let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
            let stop_tx = Arc::new(stop_tx);
            let kill = {
                let kernel = kernel.clone();
                let stop_tx = stop_tx.clone();
                move || {
                    let _ = kernel.procs().kill(pid as i64, kill_signal);
                    let _ = stop_tx.send(true);
                }
            };
            let drain = |f: Option<Arc<OpenFile>>| {
                let kill = kill.clone();
                let mut stop = stop_rx.clone();
                async move {
                    let mut out = Vec::new();
                    let mut over = false;
                    if let Some(f) = f {
                        loop {
                            if *stop.borrow() {
                                break;
                            }
                            let r = tokio::select! {
                                r = f.read(64 * 1024) => r,
                                _ = stop.changed() => break,
                            };
                            match r {
                                Ok(b) if !b.is_empty() => {
                                    if out.len() + b.len() > max {
                                        over = true;
                                        out.extend_from_slice(&b[..max.saturating_sub(out.len())]);
                                        kill();
                                        break;
                                    } else {
                                        out.extend_from_slice(&b);
                                    }
                                }
                                _ => break,
                            }
                        }
                    }
                    (out, over)
                }
            };
            let wait = async {
                match timeout {
                    Some(ms) => {
                        tokio::select! {
                            c = child.wait() => (c, false),
                            _ = tokio::time::sleep(std::time::Duration::from_millis(ms as u64)) => {
                                kill();
                                (child.wait().await, true)
                            }
                        }
                    }
                    None => (child.wait().await, false),
                }
            };
            let (_, (out, o1), (err, o2), (code, timed_out)) =
                tokio::join!(feed, drain(stdout), drain(stderr), wait);
            kernel.procs().reap(child.pid);
            (out, err, code, timed_out, o1 || o2)
        };
        // The child runs on the sidecar; this thread waits for it (as spawnSync blocks Node).
        let (out, err, code, timed_out, over) = self
            .block(self.sidecar.spawn(fut))?
            .map_err(|_| errno_err(Errno::EINTR, "spawnSync"))?;
        let b64 = |v: Vec<u8>| base64::engine::general_purpose::STANDARD.encode(v);
        let mut r = Self::wait_result(code);
        r["pid"] = json!(pid);
        r["stdout"] = json!(b64(out));
        r["stderr"] = json!(b64(err));
        if timed_out {
            r["error"] = json!({ "code": "ETIMEDOUT", "errno": -110, "syscall": "spawnSync",
                "message": format!("spawnSync {} ETIMEDOUT", args["argv"][0].as_str().unwrap_or("")) });
        } else if over {
            r["error"] = json!({ "code": "ENOBUFS", "errno": -105, "syscall": "spawnSync",
                "message": format!("spawnSync {} ENOBUFS", args["argv"][0].as_str().unwrap_or("")) });
        }
        Ok(r)
    }

    fn os_info(&self) -> Value {
        let mem = self.kernel.limits().memory_mb as u64 * 1024 * 1024;
        json!({
            "hostname": "agentos",
            "release": "6.1.0-agentos",
            "version": "#1 SMP agentOS",
            "machine": std::env::consts::ARCH,
            "totalmem": mem,
            "freemem": mem / 2,
            "uptime": self.kernel_uptime(),
            "cpus": 1,
            "homedir": self.env.get("HOME").cloned().unwrap_or_else(|| "/home/user".into()),
            "username": self.env.get("USER").cloned().unwrap_or_else(|| "user".into()),
            "uid": Cred::USER.uid,
            "gid": Cred::USER.gid,
            "shell": "/bin/sh",
        })
    }

    fn kernel_uptime(&self) -> f64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0);
        ((now - self.proc.start_ms) / 1000.0).max(0.0)
    }
}

impl KernelHost {
    /// Put an error back in the caller's terms: a relative path argument is reported as given
    /// (`open 'a.txt'`), not as the absolute path the kernel worked on (as Node does).
    fn as_given(
        &self,
        mut e: SysError,
        a: &Value,
        path_keys: &[&str],
        dest_keys: &[&str],
    ) -> SysError {
        let fix = |slot: &mut Option<String>, msg: &mut String, keys: &[&str]| {
            for k in keys {
                let Some(orig) = a.get(*k).and_then(Value::as_str) else {
                    continue;
                };
                let Ok(abs) = self.abs(orig) else { continue };
                if orig != abs && slot.as_deref() == Some(abs.as_str()) {
                    *msg = msg.replacen(&format!("'{abs}'"), &format!("'{orig}'"), 1);
                    *slot = Some(orig.to_owned());
                    return;
                }
            }
        };
        fix(&mut e.path, &mut e.message, path_keys);
        fix(&mut e.dest, &mut e.message, dest_keys);
        e
    }

    /// A synchronous system call (`a` as JSON), before errors are put in the caller's terms.
    fn sys_call(&self, name: &str, a: &Value) -> SysResult<Value> {
        let a = a.clone();
        let vfs = self.kernel.vfs().clone();
        let cred = self.cred();
        match name {
            "boot" => Ok(self.boot()),
            "cwd" => Ok(json!(self.proc.cwd())),
            "chdir" => {
                let p = self.path_arg(&a, "path")?;
                let st = self
                    .vfs(vfs.stat(cred, &p, true))
                    .map_err(|e| e.with_syscall("chdir"))?;
                if st.file_type != FileType::Dir {
                    return Err(sys_err(Error::errno(Errno::ENOTDIR, "chdir", &p)));
                }
                let real = self.vfs(vfs.realpath(cred, &p))?;
                self.proc.set_cwd(real);
                Ok(Value::Null)
            }
            "stat" | "lstat" => {
                let p = self.path_arg(&a, "path")?;
                let st = self
                    .vfs(vfs.stat(cred, &p, name == "stat"))
                    .map_err(|e| e.with_syscall(name))?;
                Ok(stat_json(&st))
            }
            "fstat" => {
                let fd = arg_i64(&a, "fd").unwrap_or(-1) as i32;
                let f = self.file(fd, "fstat")?;
                match f.obj() {
                    FileObj::File { vfs, path, cred } => {
                        let st = self.vfs(vfs.stat(*cred, path, true))?;
                        Ok(stat_json(&st))
                    }
                    _ => Ok(json!({ "dev": 0, "ino": 0, "mode": 0o010600, "nlink": 1,
                        "uid": Cred::USER.uid, "gid": Cred::USER.gid, "rdev": 0, "size": 0,
                        "blksize": 4096, "blocks": 0, "atimeMs": 0, "mtimeMs": 0, "ctimeMs": 0,
                        "birthtimeMs": 0 })),
                }
            }
            "open" => self.open(&a).map_err(|e| {
                // The kernel's path lookup reports `stat`; Node reports the open.
                if e.syscall.is_some() && e.errno != 0 {
                    e.with_syscall("open")
                } else {
                    e
                }
            }),
            "close" => {
                let fd = arg_i64(&a, "fd").unwrap_or(-1) as i32;
                self.fds
                    .borrow_mut()
                    .close(fd)
                    .map_err(|e| errno_err(e, "close"))?;
                Ok(Value::Null)
            }
            "readdir" => self.readdir(&a),
            "mkdir" => self.mkdir(&a),
            "rmdir" => {
                let p = self.path_arg(&a, "path")?;
                if arg_bool(&a, "recursive") {
                    self.vfs(vfs.remove(cred, &p, true))?;
                } else {
                    self.vfs(vfs.rmdir(cred, &p))?;
                }
                Ok(Value::Null)
            }
            "unlink" => {
                let p = self.path_arg(&a, "path")?;
                self.vfs(vfs.unlink(cred, &p))?;
                Ok(Value::Null)
            }
            "rm" => {
                let p = self.path_arg(&a, "path")?;
                let recursive = arg_bool(&a, "recursive");
                match self.block(vfs.stat(cred, &p, false))? {
                    Err(e) if arg_bool(&a, "force") && e.errno_value() == Some(Errno::ENOENT) => {
                        return Ok(Value::Null)
                    }
                    Err(e) => return Err(sys_err(e).with_syscall("rm")),
                    Ok(st) if st.file_type == FileType::Dir && !recursive => {
                        let mut e = sys_err(Error::errno_msg(
                            Errno::EISDIR,
                            format!("Path is a directory: rm returned EISDIR (is a directory) {p}"),
                        ));
                        e.code = "ERR_FS_EISDIR".into();
                        e.path = Some(p);
                        e.syscall = Some("rm".into());
                        return Err(e);
                    }
                    Ok(_) => {}
                }
                self.vfs(vfs.remove(cred, &p, recursive))?;
                Ok(Value::Null)
            }
            "rename" | "link" => {
                let from = self.path_arg(&a, "from")?;
                let to = self.path_arg(&a, "to")?;
                let (r, syscall) = if name == "rename" {
                    (self.block(vfs.rename(cred, &from, &to))?, "rename")
                } else {
                    (self.block(vfs.link(cred, &from, &to))?, "link")
                };
                r.map_err(|e| two_paths(e, syscall, &from, &to))?;
                Ok(Value::Null)
            }
            "copyfile" => {
                let from = self.path_arg(&a, "from")?;
                let to = self.path_arg(&a, "to")?;
                if arg_bool(&a, "excl") && self.block(vfs.stat(cred, &to, false))?.is_ok() {
                    return Err(sys_err(Error::errno2(
                        Errno::EEXIST,
                        "copyfile",
                        &from,
                        &to,
                    )));
                }
                let both = |e: Error| two_paths(e, "copyfile", &from, &to);
                let st = self.block(vfs.stat(cred, &from, true))?.map_err(both)?;
                let data = self.block(vfs.read_file(cred, &from))?.map_err(both)?;
                // Like open(2) with O_CREAT: the destination's directory must exist, and a new
                // file takes the source's permissions.
                let opts = WriteOpts {
                    pos: WritePos::Truncate,
                    create: Some(st.perm & 0o777),
                    exclusive: false,
                };
                self.block(vfs.write(cred, &to, data, opts))?
                    .map_err(both)?;
                Ok(Value::Null)
            }
            "cp" => {
                let from = self.path_arg(&a, "from")?;
                let to = self.path_arg(&a, "to")?;
                self.vfs(vfs.copy_tree(cred, &from, &to))?;
                Ok(Value::Null)
            }
            "symlink" => {
                let target = arg_str(&a, "target")?;
                let p = self.path_arg(&a, "path")?;
                // symlink(2) creates no directories: the link's parent must exist.
                let parent = path::parent(&p).to_owned();
                match self.block(vfs.stat(cred, &parent, true))? {
                    Ok(st) if st.file_type == FileType::Dir => {}
                    Ok(_) => {
                        return Err(sys_err(Error::errno2(
                            Errno::ENOTDIR,
                            "symlink",
                            target,
                            &p,
                        )))
                    }
                    Err(_) => {
                        return Err(sys_err(Error::errno2(Errno::ENOENT, "symlink", target, &p)))
                    }
                }
                self.vfs(vfs.symlink(cred, target, &p))?;
                Ok(Value::Null)
            }
            "fdpath" => {
                let fd = arg_i64(&a, "fd").unwrap_or(-1) as i32;
                match self.file(fd, "fstat")?.obj() {
                    FileObj::File { path, .. } => Ok(json!(path)),
                    _ => Ok(Value::Null),
                }
            }
            "readlink" => {
                let p = self.path_arg(&a, "path")?;
                // A missing path is ENOENT (EINVAL is for a path that is not a link).
                self.vfs(vfs.stat(cred, &p, false))
                    .map_err(|e| e.with_syscall("readlink"))?;
                Ok(json!(self.vfs(vfs.readlink(cred, &p))?))
            }
            "realpath" => {
                let p = self.path_arg(&a, "path")?;
                Ok(json!(self.vfs(vfs.realpath(cred, &p))?))
            }
            "access" => {
                let p = self.path_arg(&a, "path")?;
                let st = self
                    .vfs(vfs.stat(cred, &p, true))
                    .map_err(|e| e.with_syscall("access"))?;
                let want = arg_i64(&a, "mode").unwrap_or(0) as u32 & 7;
                let have = (st.perm >> 6) & 7;
                if want & !have != 0 {
                    return Err(sys_err(Error::errno(Errno::EACCES, "access", &p)));
                }
                Ok(Value::Null)
            }
            "chmod" => {
                let p = self.path_arg(&a, "path")?;
                let attr = SetAttr {
                    perm: Some(arg_i64(&a, "mode").unwrap_or(0o644) as u32 & 0o7777),
                    ..SetAttr::default()
                };
                self.vfs(vfs.set_attr(cred, &p, true, attr, "chmod"))?;
                Ok(Value::Null)
            }
            "utimes" => {
                let p = self.path_arg(&a, "path")?;
                let ns = |k: &str| a.get(k).and_then(Value::as_f64).map(|s| (s * 1e9) as i64);
                let attr = SetAttr {
                    atime_ns: ns("atime"),
                    mtime_ns: ns("mtime"),
                    ..SetAttr::default()
                };
                self.vfs(vfs.set_attr(cred, &p, !arg_bool(&a, "nofollow"), attr, "utime"))?;
                Ok(Value::Null)
            }
            "truncate" => {
                let p = match a.get("fd").and_then(Value::as_i64) {
                    Some(fd) => match self.file(fd as i32, "ftruncate")?.obj() {
                        FileObj::File { path, .. } => path.clone(),
                        _ => return Err(errno_err(Errno::EINVAL, "ftruncate")),
                    },
                    None => self.path_arg(&a, "path")?,
                };
                let len = arg_i64(&a, "len").unwrap_or(0).max(0) as u64;
                self.vfs(vfs.truncate(cred, &p, len))?;
                Ok(Value::Null)
            }
            "resolve" => {
                use super::resolve::{Format, Resolved};
                let spec = arg_str(&a, "spec")?;
                let from = self.path_arg(&a, "from")?;
                match self.resolve(spec, &from, arg_bool(&a, "esm"))? {
                    Resolved::Builtin(n) => Ok(json!({ "builtin": n })),
                    Resolved::File(f) => {
                        let format = match self.format(&f) {
                            Format::CommonJs => "commonjs",
                            Format::Module => "module",
                            Format::Json => "json",
                            Format::Addon => return Err(super::loader::addon_error(&f)),
                        };
                        Ok(json!({ "file": f, "format": format }))
                    }
                }
            }
            "kill" => self.kill(&a),
            "spawn" => self.spawn(&a),
            "spawnSync" => self.spawn_sync(&a),
            "os" => Ok(self.os_info()),
            "idna" => {
                let domain = arg_str(&a, "domain")?;
                if a.get("unicode").and_then(Value::as_bool) == Some(true) {
                    let (out, r) = idna::domain_to_unicode(domain);
                    return Ok(json!({ "domain": out, "error": r.is_err() }));
                }
                let r = if a.get("strict").and_then(Value::as_bool) == Some(true) {
                    idna::domain_to_ascii_strict(domain)
                } else {
                    idna::domain_to_ascii(domain)
                };
                Ok(r.map_or(Value::Null, Value::String))
            }
            "isatty" => {
                let fd = arg_i64(&a, "fd").unwrap_or(-1) as i32;
                let tty = self
                    .fds
                    .borrow()
                    .get(fd)
                    .ok()
                    .and_then(|f| f.as_tty().cloned());
                Ok(json!(tty.is_some()))
            }
            "ttyGetSize" => {
                let fd = arg_i64(&a, "fd").unwrap_or(-1) as i32;
                let f = self.file(fd, "ioctl")?;
                let pty = f
                    .as_tty()
                    .ok_or_else(|| errno_err(crate::kernel::errno::Errno::ENOTTY, "ioctl"))?;
                let (cols, rows) = pty.winsize();
                Ok(json!({ "columns": cols, "rows": rows }))
            }
            "signalCatch" => {
                let n = arg_i64(&a, "sig").unwrap_or(0);
                let sig = i32::try_from(n)
                    .ok()
                    .and_then(crate::kernel::process::Signal::from_number)
                    .ok_or_else(|| errno_err(Errno::EINVAL, "sigaction"))?;
                self.proc.catch(sig, arg_bool(&a, "on"));
                Ok(json!(true))
            }
            "ttySetRaw" => {
                let fd = arg_i64(&a, "fd").unwrap_or(-1) as i32;
                let f = self.file(fd, "tcsetattr")?;
                let pty = f
                    .as_tty()
                    .ok_or_else(|| errno_err(crate::kernel::errno::Errno::ENOTTY, "tcsetattr"))?;
                pty.set_termios(if arg_bool(&a, "raw") {
                    crate::kernel::process::pty::Termios::raw()
                } else {
                    crate::kernel::process::pty::Termios::default()
                });
                Ok(json!(true))
            }
            "cpuUsage" => Ok(json!(self.shared.cpu_us())),
            _ => match self.net_call(name, &a) {
                Some(r) => r,
                None => Err(SysError::new(
                    "ERR_NOT_SUPPORTED",
                    format!("agentOS: system call `{name}` is not supported"),
                )),
            },
        }
    }

    fn sys_call_async(&self, name: String, a: Value) -> LocalFut<SysResult<Value>> {
        match name.as_str() {
            "wait" => {
                let pid = arg_i64(&a, "pid").unwrap_or(0) as u32;
                let child = self.children.borrow().get(&pid).cloned();
                let kernel = self.kernel.clone();
                Box::pin(async move {
                    let Some(child) = child else {
                        return Err(errno_err(Errno::ECHILD, "wait"));
                    };
                    let code = child.wait().await;
                    kernel.procs().reap(child.pid);
                    Ok(Self::wait_result(code))
                })
            }
            "signalWait" => {
                let proc = self.proc.clone();
                Box::pin(async move {
                    loop {
                        proc.any_signal().await;
                        let caught = proc.take_caught();
                        if !caught.is_empty() {
                            return Ok(json!(caught
                                .iter()
                                .map(|s| s.number())
                                .collect::<Vec<_>>()));
                        }
                        // Only a signal that ends the process is pending: it is ending.
                        proc.fatal_signal().await;
                        std::future::pending::<()>().await;
                    }
                })
            }
            "sleep" => {
                let ms = arg_i64(&a, "ms").unwrap_or(0).max(0) as u64;
                Box::pin(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                    Ok(Value::Null)
                })
            }
            _ => {
                if let Some(f) = self.net_call_async(&name, &a) {
                    return f;
                }
                use super::ops::Host as _;
                let r = self.sys(&name, a);
                Box::pin(async move { r })
            }
        }
    }
}

impl Host for KernelHost {
    fn sys(&self, name: &str, a: Value) -> SysResult<Value> {
        // realpath reports the absolute path it failed on (`lstat '/home/user/x'`), as Node does.
        if name == "realpath" {
            return self.sys_call(name, &a);
        }
        self.sys_call(name, &a)
            .map_err(|e| self.as_given(e, &a, &["path", "from"], &["to", "path"]))
    }

    fn sys_async(&self, name: String, a: Value) -> LocalFut<SysResult<Value>> {
        self.sys_call_async(name, a)
    }

    fn read(&self, fd: i32, buf: &mut [u8], pos: Option<u64>) -> SysResult<usize> {
        let f = self.file(fd, "read")?;
        let data = match (pos, f.obj()) {
            (Some(p), FileObj::File { vfs, path, cred }) => {
                self.vfs(vfs.pread(*cred, path, p, Some(buf.len() as u64)))?
            }
            _ => self
                .block(f.read(buf.len()))?
                .map_err(|e| errno_err(e, "read"))?,
        };
        buf[..data.len()].copy_from_slice(&data);
        Ok(data.len())
    }

    fn read_async(&self, fd: i32, max: usize) -> LocalFut<SysResult<Option<Vec<u8>>>> {
        let f = self.file(fd, "read");
        Box::pin(async move {
            let b = f?.read(max).await.map_err(|e| errno_err(e, "read"))?;
            Ok((!b.is_empty()).then(|| b.to_vec()))
        })
    }

    fn write(&self, fd: i32, data: &[u8], pos: Option<u64>) -> SysResult<usize> {
        let f = self.file(fd, "write")?;
        if let (Some(p), FileObj::File { vfs, path, cred }) = (pos, f.obj()) {
            let opts = WriteOpts {
                pos: WritePos::At(p),
                create: None,
                exclusive: false,
            };
            self.vfs(vfs.write(*cred, path, Bytes::copy_from_slice(data), opts))?;
            return Ok(data.len());
        }
        let r = self.block(f.write(Bytes::copy_from_slice(data)))?;
        match r {
            Ok(()) => Ok(data.len()),
            Err(Errno::EPIPE) => {
                self.proc.signal(Signal::SIGPIPE);
                Err(errno_err(Errno::EPIPE, "write"))
            }
            Err(Errno::EFBIG) if matches!(f.obj(), FileObj::Sink(_)) => {
                let fds = self.fds.borrow().clone();
                let _ = self.block(commands::output_limit_hit(
                    &self.kernel,
                    &fds,
                    &self.proc,
                    "node",
                ));
                Err(errno_err(Errno::EFBIG, "write"))
            }
            Err(e) => Err(errno_err(e, "write")),
        }
    }

    fn write_async(&self, fd: i32, data: Vec<u8>) -> LocalFut<SysResult<()>> {
        let f = self.file(fd, "write");
        Box::pin(async move {
            f?.write(Bytes::from(data))
                .await
                .map_err(|e| errno_err(e, "write"))
        })
    }

    fn read_file(&self, given: &str) -> SysResult<Vec<u8>> {
        let p = self.abs(given)?;
        if let Some(f) = self.self_file(&p, given)? {
            let mut out = Vec::new();
            loop {
                let b = self
                    .block(f.read(64 * 1024))?
                    .map_err(|e| errno_err(e, "read"))?;
                if b.is_empty() {
                    return Ok(out);
                }
                out.extend_from_slice(&b);
            }
        }
        let b = self
            .vfs(self.kernel.vfs().read_file(self.cred(), &p))
            .map_err(|e| {
                self.as_given(
                    e.with_syscall("open"),
                    &json!({ "path": given }),
                    &["path"],
                    &[],
                )
            })?;
        Ok(b.to_vec())
    }

    fn write_file(&self, given: &str, data: &[u8], flag: &str, mode: u32) -> SysResult<()> {
        let p = self.abs(given)?;
        if let Some(n) = self_fd(&p) {
            self.self_file(&p, given)?;
            return self.write(n, data, None).map(|_| ());
        }
        let append = flag.starts_with('a');
        let opts = WriteOpts {
            pos: if append {
                WritePos::Append
            } else {
                WritePos::Truncate
            },
            create: Some(mode & 0o777),
            exclusive: flag.contains('x'),
        };
        self.vfs(
            self.kernel
                .vfs()
                .write(self.cred(), &p, Bytes::copy_from_slice(data), opts),
        )
        .map_err(|e| {
            // Out of space is write(2)'s failure in Node (the open succeeded): no path.
            match e.code.as_str() {
                "ENOSPC" => return errno_err(Errno::ENOSPC, "write"),
                "EFBIG" => return errno_err(Errno::EFBIG, "write"),
                _ => {}
            }
            self.as_given(
                e.with_syscall("open"),
                &json!({ "path": given }),
                &["path"],
                &[],
            )
        })?;
        Ok(())
    }

    fn digest(&self, alg: &str, key: Option<&[u8]>, data: &[u8]) -> SysResult<Vec<u8>> {
        super::crypto::digest(alg, key, data).ok_or_else(|| {
            SysError::new(
                "ERR_OSSL_EVP_UNSUPPORTED",
                format!("Digest method not supported: {alg}"),
            )
        })
    }

    fn random_fill(&self, buf: &mut [u8]) {
        let _ = getrandom::fill(buf);
    }

    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }

    fn exit(&self, code: i32) {
        self.shared.set_exit(code);
    }

    fn terminating(&self) -> bool {
        self.shared.terminating() || self.proc.pending_fatal().is_some()
    }
}
