//! The guest Node runtime's system calls: the only way guest JavaScript reaches anything
//! outside its isolate.
//!
//! This file is compiled twice: into the crate, where [`Host`] is the VM's kernel, and into the
//! build script, which registers the same ops (V8's external references are matched by
//! position) to create the startup snapshot. It must therefore depend on nothing but
//! `deno_core`, `deno_error` and `serde_json`.
//!
//! Guest JS calls these through `Deno.core.ops` (see `js/node/internal/sys.js`); errors arrive
//! as `AgentOsSystemError`s carrying Node's `code`, `errno`, `syscall`, `path` and `dest`.

// `SysError` carries Node's five error fields; it is built only on failure, and these results
// go straight to deno_core, so its size costs nothing worth a box.
#![allow(clippy::result_large_err)]

use std::borrow::Cow;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use deno_core::{op2, v8, JsBuffer, OpState, ToJsBuffer};
use serde_json::Value;

/// A future on the guest's thread.
pub type LocalFut<T> = Pin<Box<dyn Future<Output = T>>>;

/// What a system call returns.
pub type SysResult<T> = Result<T, SysError>;

/// A failed system call, as Node reports one.
#[derive(Debug, Clone, Default)]
pub struct SysError {
    /// `ENOENT`, `ERR_ACCESS_DENIED`, ...
    pub code: String,
    /// Negative errno (0 for non-errno errors).
    pub errno: i32,
    /// The whole message (`ENOENT: no such file or directory, open '/x'`).
    pub message: String,
    /// The system call (`open`).
    pub syscall: Option<String>,
    /// The path.
    pub path: Option<String>,
    /// The second path (`rename`, `symlink`).
    pub dest: Option<String>,
}

impl SysError {
    /// An error with only a code and a message.
    pub fn new(code: &str, message: impl Into<String>) -> SysError {
        SysError {
            code: code.to_owned(),
            message: message.into(),
            ..SysError::default()
        }
    }
}

impl std::fmt::Display for SysError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SysError {}

impl deno_error::JsErrorClass for SysError {
    fn get_class(&self) -> Cow<'static, str> {
        Cow::Borrowed("AgentOsSystemError")
    }

    fn get_message(&self) -> Cow<'static, str> {
        Cow::Owned(self.message.clone())
    }

    fn get_additional_properties(&self) -> Vec<(Cow<'static, str>, Cow<'static, str>)> {
        let mut props = vec![(Cow::Borrowed("code"), Cow::Owned(self.code.clone()))];
        if self.errno != 0 {
            props.push((Cow::Borrowed("errno"), Cow::Owned(self.errno.to_string())));
        }
        for (k, v) in [
            ("syscall", &self.syscall),
            ("path", &self.path),
            ("dest", &self.dest),
        ] {
            if let Some(v) = v {
                props.push((Cow::Borrowed(k), Cow::Owned(v.clone())));
            }
        }
        props
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The system a guest process runs on: its VM's kernel.
///
/// Synchronous calls block the guest's thread (as Node's `*Sync` calls block its loop);
/// asynchronous ones run on the guest's own event loop.
pub trait Host {
    /// A synchronous call by name, with JSON arguments (`fs`, `process`, `child_process`...).
    fn sys(&self, name: &str, args: Value) -> SysResult<Value>;
    /// An asynchronous call by name.
    fn sys_async(&self, name: String, args: Value) -> LocalFut<SysResult<Value>>;
    /// Read into `buf` from descriptor `fd`, at `pos` or the current position.
    fn read(&self, fd: i32, buf: &mut [u8], pos: Option<u64>) -> SysResult<usize>;
    /// Read up to `max` bytes from a stream descriptor; `None` at end of file.
    fn read_async(&self, fd: i32, max: usize) -> LocalFut<SysResult<Option<Vec<u8>>>>;
    /// Write `data` to descriptor `fd`, at `pos` or the current position.
    fn write(&self, fd: i32, data: &[u8], pos: Option<u64>) -> SysResult<usize>;
    /// Write all of `data` to a stream descriptor without blocking the thread.
    fn write_async(&self, fd: i32, data: Vec<u8>) -> LocalFut<SysResult<()>>;
    /// The whole content of a file.
    fn read_file(&self, path: &str) -> SysResult<Vec<u8>>;
    /// Write a whole file (`flag` as Node's: `w`, `a`, `wx`, `ax`).
    fn write_file(&self, path: &str, data: &[u8], flag: &str, mode: u32) -> SysResult<()>;
    /// A digest (`md5`, `sha1`, `sha256`, `sha384`, `sha512`), keyed (HMAC) when `key` is set.
    fn digest(&self, alg: &str, key: Option<&[u8]>, data: &[u8]) -> SysResult<Vec<u8>>;
    /// Fill `buf` with random bytes.
    fn random_fill(&self, buf: &mut [u8]);
    /// Milliseconds since the process started (monotonic).
    fn now(&self) -> f64;
    /// The process is exiting with `code` (its JS is being terminated).
    fn exit(&self, code: i32);
    /// The guest's JS is being terminated (exit, a signal, a bound): calls must not fail,
    /// since V8 cannot build an error object any more.
    fn terminating(&self) -> bool;
}

/// `r`, or a harmless default once the guest is being terminated.
fn settle<T: Default>(host: &HostRef, r: SysResult<T>) -> SysResult<T> {
    match r {
        Err(_) if host.terminating() => Ok(T::default()),
        r => r,
    }
}

fn internal() -> SysError {
    SysError::new("ERR_INTERNAL", "agentOS: internal error in a system call")
}

/// Run a host call. A panic becomes an error: unwinding into V8 would abort the host process.
fn call<T: Default>(host: &HostRef, f: impl FnOnce() -> SysResult<T>) -> SysResult<T> {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(internal()));
    settle(host, r)
}

/// [`call`] for an asynchronous host call.
async fn call_async<T: Default>(
    host: &HostRef,
    f: impl FnOnce() -> LocalFut<SysResult<T>>,
) -> SysResult<T> {
    use deno_core::futures::FutureExt as _;
    let r = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(fut) => std::panic::AssertUnwindSafe(fut)
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Err(internal())),
        Err(_) => Err(internal()),
    };
    settle(host, r)
}

/// The host as stored in the op state.
pub type HostRef = Rc<dyn Host>;

fn host(state: &OpState) -> HostRef {
    state.borrow::<HostRef>().clone()
}

fn pos(p: f64) -> Option<u64> {
    (p >= 0.0).then_some(p as u64)
}

#[op2]
#[serde]
fn op_sys(
    state: &mut OpState,
    #[string] name: &str,
    #[serde] args: serde_json::Value,
) -> Result<serde_json::Value, SysError> {
    let h = host(state);
    call(&h, || h.sys(name, args))
}

#[op2(async)]
#[serde]
async fn op_sys_async(
    state: Rc<RefCell<OpState>>,
    #[string] name: String,
    #[serde] args: serde_json::Value,
) -> Result<serde_json::Value, SysError> {
    let h = host(&state.borrow());
    call_async(&h, || h.sys_async(name, args)).await
}

#[op2(fast)]
fn op_fd_read(
    state: &mut OpState,
    #[smi] fd: i32,
    #[buffer] buf: &mut [u8],
    position: f64,
) -> Result<u32, SysError> {
    let h = host(state);
    call(&h, || h.read(fd, buf, pos(position)).map(|n| n as u32))
}

#[op2(async)]
#[serde]
async fn op_fd_read_async(
    state: Rc<RefCell<OpState>>,
    #[smi] fd: i32,
    #[smi] max: u32,
) -> Result<Option<ToJsBuffer>, SysError> {
    let h = host(&state.borrow());
    let r = call_async(&h, || h.read_async(fd, max as usize)).await;
    Ok(r?.map(ToJsBuffer::from))
}

#[op2(fast)]
fn op_fd_write(
    state: &mut OpState,
    #[smi] fd: i32,
    #[buffer] data: &[u8],
    position: f64,
) -> Result<u32, SysError> {
    let h = host(state);
    call(&h, || h.write(fd, data, pos(position)).map(|n| n as u32))
}

#[op2(async)]
async fn op_fd_write_async(
    state: Rc<RefCell<OpState>>,
    #[smi] fd: i32,
    #[buffer] data: JsBuffer,
) -> Result<(), SysError> {
    let h = host(&state.borrow());
    call_async(&h, || h.write_async(fd, data.to_vec())).await
}

#[op2]
#[buffer]
fn op_read_file(state: &mut OpState, #[string] path: &str) -> Result<Vec<u8>, SysError> {
    let h = host(state);
    call(&h, || h.read_file(path))
}

#[op2(fast)]
fn op_write_file(
    state: &mut OpState,
    #[string] path: &str,
    #[buffer] data: &[u8],
    #[string] flag: &str,
    mode: u32,
) -> Result<(), SysError> {
    let h = host(state);
    call(&h, || h.write_file(path, data, flag, mode))
}

#[op2]
#[buffer]
fn op_digest(
    state: &mut OpState,
    #[string] alg: &str,
    #[buffer] key: Option<JsBuffer>,
    #[buffer] data: &[u8],
) -> Result<Vec<u8>, SysError> {
    let h = host(state);
    call(&h, || h.digest(alg, key.as_deref(), data))
}

#[op2(fast)]
fn op_random_fill(state: &mut OpState, #[buffer] buf: &mut [u8]) {
    host(state).random_fill(buf)
}

#[op2(fast)]
fn op_now(state: &mut OpState) -> f64 {
    host(state).now()
}

/// Scripts embedded in the binary but kept out of the startup snapshot, which the guest compiles
/// on first use (`undici.js`, for fetch): name → source. The crate puts them in the op state;
/// the build script, which makes the snapshot, does not (the op then answers `undefined`).
#[derive(Clone, Copy)]
pub struct LazySources(pub &'static [(&'static str, &'static str)]);

/// The source of a lazily loaded script, or `undefined`. ASCII text (esbuild's output) becomes
/// an external string over the binary's bytes: nothing is copied.
#[op2]
fn op_lazy_source<'s>(
    scope: &mut v8::HandleScope<'s>,
    state: &mut OpState,
    #[string] name: &str,
) -> v8::Local<'s, v8::Value> {
    let src = state
        .try_borrow::<LazySources>()
        .and_then(|l| l.0.iter().find(|(n, _)| *n == name))
        .map(|(_, s)| *s);
    let string = src.and_then(|s| {
        if s.is_ascii() {
            v8::String::new_external_onebyte_static(scope, s.as_bytes())
        } else {
            v8::String::new(scope, s)
        }
    });
    match string {
        Some(s) => s.into(),
        None => v8::undefined(scope).into(),
    }
}

#[op2(fast, reentrant)]
fn op_exit(scope: &mut v8::HandleScope, state: &mut OpState, #[smi] code: i32) {
    host(state).exit(code);
    scope.terminate_execution();
}

deno_core::extension!(
    agentos_node,
    ops = [
        op_sys,
        op_sys_async,
        op_fd_read,
        op_fd_read_async,
        op_fd_write,
        op_fd_write_async,
        op_read_file,
        op_write_file,
        op_digest,
        op_random_fill,
        op_now,
        op_exit,
        op_lazy_source,
    ],
);
