//! Guest JavaScript: `node` as a command of the VM.
//!
//! Each running `node` process is one V8 isolate on a thread of its own (V8 isolates are bound
//! to a thread; the sidecar's async workers must never block on guest JS). The isolate boots
//! from a startup snapshot made at build time (`build.rs`) that already holds the Node builtins
//! (`js/node/`, bundled with npm polyfills by `js/build.mjs`), so a process pays only for
//! deserialising it. The guest reaches its VM only through the ops in [`ops`], served by
//! [`host::KernelHost`] over the VM's kernel.
//!
//! Bounds: the V8 heap is capped at `limits.memoryMb` and so are ArrayBuffer allocations (a
//! counting allocator); time spent running JS is metered against `limits.cpuTimeMs`. A guest
//! over either bound is terminated (exit 137, a message on stderr); nothing else is affected.

// `ops::SysError` carries Node's five error fields and is built only on failure; results holding
// it go straight to deno_core, so its size costs nothing worth boxing it for.
#![allow(clippy::result_large_err)]

mod crypto;
mod host;
mod loader;
mod net;
pub mod ops;
mod resolve;

use std::ffi::c_void;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use deno_core::v8;
use deno_core::{JsRuntime, PollEventLoopOptions, RuntimeOptions};

use crate::commands::{Ctx, ProgramFuture};
use host::{Invocation, KernelHost};

/// The Node version guest programs see.
pub const NODE_VERSION: &str = "v22.12.0";

/// The startup snapshot: V8's heap after the builtins were evaluated.
static SNAPSHOT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/node.snap"));

/// The export names of every builtin module (for `import { x } from "node:fs"`).
static BUILTIN_EXPORTS: &str = include_str!(concat!(env!("OUT_DIR"), "/node_exports.json"));

/// Scripts the guest compiles on first use rather than carrying in the snapshot (see
/// [`ops::LazySources`]): undici, behind `fetch` and `WebSocket` (`js/node/internal/fetch.js`).
static LAZY_SOURCES: &[(&str, &str)] = &[(
    "undici",
    include_str!(concat!(env!("OUT_DIR"), "/undici.js")),
)];

/// Which bound stopped a guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LimitHit {
    Memory,
    Cpu,
}

/// State shared between a guest's JS thread and the process's future on the sidecar.
pub struct Shared {
    isolate: OnceLock<v8::IsolateHandle>,
    /// The process's future was dropped (a signal ended it): stop running JS.
    killed: AtomicBool,
    /// 0: none; 1: memory; 2: cpu.
    limit: AtomicI32,
    /// `process.exit(code)` was called.
    exit: AtomicI32,
    exited: AtomicBool,
    /// Nanoseconds spent running JS.
    cpu_ns: AtomicU64,
    /// When the current slice of JS started (ns since `epoch`; 0 when idle).
    busy_since: AtomicU64,
    epoch: Instant,
}

impl Shared {
    fn new() -> Arc<Shared> {
        Arc::new(Shared {
            isolate: OnceLock::new(),
            killed: AtomicBool::new(false),
            limit: AtomicI32::new(0),
            exit: AtomicI32::new(0),
            exited: AtomicBool::new(false),
            cpu_ns: AtomicU64::new(0),
            busy_since: AtomicU64::new(0),
            epoch: Instant::now(),
        })
    }

    fn terminate(&self) {
        if let Some(h) = self.isolate.get() {
            h.terminate_execution();
        }
    }

    fn hit(&self, which: LimitHit) {
        let n = match which {
            LimitHit::Memory => 1,
            LimitHit::Cpu => 2,
        };
        let _ = self
            .limit
            .compare_exchange(0, n, Ordering::SeqCst, Ordering::SeqCst);
        self.terminate();
    }

    fn limit_hit(&self) -> Option<LimitHit> {
        match self.limit.load(Ordering::SeqCst) {
            1 => Some(LimitHit::Memory),
            2 => Some(LimitHit::Cpu),
            _ => None,
        }
    }

    fn set_exit(&self, code: i32) {
        self.exit.store(code, Ordering::SeqCst);
        self.exited.store(true, Ordering::SeqCst);
    }

    fn exit_code(&self) -> Option<i32> {
        self.exited
            .load(Ordering::SeqCst)
            .then(|| self.exit.load(Ordering::SeqCst))
    }

    /// The guest's JS is being stopped (exit, kill or a bound).
    fn terminating(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
            || self.exited.load(Ordering::SeqCst)
            || self.limit.load(Ordering::SeqCst) != 0
    }

    fn now_ns(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64 + 1
    }

    /// JS time so far, in µs (including the slice running now).
    pub fn cpu_us(&self) -> u64 {
        let busy = self.busy_since.load(Ordering::SeqCst);
        let running = if busy == 0 {
            0
        } else {
            self.now_ns().saturating_sub(busy)
        };
        (self.cpu_ns.load(Ordering::SeqCst) + running) / 1000
    }
}

/// A future whose polls are counted as the guest's CPU time.
struct Metered<'a, F> {
    inner: Pin<&'a mut F>,
    shared: &'a Shared,
}

impl<F: Future> Future for Metered<'_, F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let shared = self.shared;
        let start = shared.now_ns();
        shared.busy_since.store(start, Ordering::SeqCst);
        let r = self.inner.as_mut().poll(cx);
        shared.busy_since.store(0, Ordering::SeqCst);
        shared
            .cpu_ns
            .fetch_add(shared.now_ns().saturating_sub(start), Ordering::SeqCst);
        r
    }
}

/// Stops the guest's JS when the process's future is dropped (a fatal signal).
struct KillOnDrop(Arc<Shared>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.0.killed.store(true, Ordering::SeqCst);
        self.0.terminate();
    }
}

/// ArrayBuffer memory, counted against `limits.memoryMb`.
struct Budget {
    used: AtomicUsize,
    max: usize,
    shared: Arc<Shared>,
}

impl Budget {
    fn reserve(&self, len: usize) -> bool {
        let mut cur = self.used.load(Ordering::SeqCst);
        loop {
            let next = cur.saturating_add(len);
            if next > self.max {
                self.shared.hit(LimitHit::Memory);
                return false;
            }
            match self
                .used
                .compare_exchange(cur, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return true,
                Err(now) => cur = now,
            }
        }
    }

    fn release(&self, len: usize) {
        self.used.fetch_sub(len, Ordering::SeqCst);
    }
}

fn layout(len: usize) -> Option<std::alloc::Layout> {
    std::alloc::Layout::from_size_align(len.max(1), 16).ok()
}

unsafe extern "C" fn ab_allocate(b: &Budget, len: usize) -> *mut c_void {
    if !b.reserve(len) {
        return std::ptr::null_mut();
    }
    match layout(len) {
        // SAFETY: the layout has a non-zero size.
        Some(l) => unsafe { std::alloc::alloc_zeroed(l).cast() },
        None => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn ab_allocate_uninit(b: &Budget, len: usize) -> *mut c_void {
    if !b.reserve(len) {
        return std::ptr::null_mut();
    }
    match layout(len) {
        // SAFETY: the layout has a non-zero size.
        Some(l) => unsafe { std::alloc::alloc(l).cast() },
        None => std::ptr::null_mut(),
    }
}

unsafe extern "C" fn ab_free(b: &Budget, data: *mut c_void, len: usize) {
    if data.is_null() {
        return;
    }
    b.release(len);
    if let Some(l) = layout(len) {
        // SAFETY: `data` came from `ab_allocate*` with this length, hence this layout.
        unsafe { std::alloc::dealloc(data.cast(), l) }
    }
}

unsafe extern "C" fn ab_reallocate(
    b: &Budget,
    data: *mut c_void,
    old: usize,
    new: usize,
) -> *mut c_void {
    // SAFETY: delegated to the functions above, which own the allocations.
    unsafe {
        let fresh = ab_allocate_uninit(b, new);
        if fresh.is_null() {
            return fresh;
        }
        if !data.is_null() {
            std::ptr::copy_nonoverlapping(data.cast::<u8>(), fresh.cast::<u8>(), old.min(new));
            ab_free(b, data, old);
        }
        if new > old {
            std::ptr::write_bytes(fresh.cast::<u8>().add(old), 0, new - old);
        }
        fresh
    }
}

unsafe extern "C" fn ab_drop(b: *const Budget) {
    // SAFETY: `b` is the `Arc` leaked in `allocator`, dropped once by V8.
    unsafe { drop(Arc::from_raw(b)) }
}

static AB_VTABLE: v8::RustAllocatorVtable<Budget> = v8::RustAllocatorVtable {
    allocate: ab_allocate,
    allocate_uninitialized: ab_allocate_uninit,
    free: ab_free,
    reallocate: ab_reallocate,
    drop: ab_drop,
};

fn allocator(budget: Arc<Budget>) -> v8::SharedRef<v8::Allocator> {
    // SAFETY: the vtable's functions match `Budget`; V8 calls `drop` once when done.
    unsafe { v8::new_rust_allocator(Arc::into_raw(budget), &AB_VTABLE) }.make_shared()
}

/// Process-wide V8 settings, before the first isolate.
///
/// Memory protection keys are off: V8 13 guards its code-pointer tables with PKU, whose write
/// permission is per thread, and guest isolates are created on threads V8 did not initialise on
/// (with PKU on, the second such isolate faults in `WasmCodePointerTable`). The snapshot's
/// checksum is not verified on every isolate: it is compiled into this binary, not read from
/// anywhere a guest could touch, and verifying it costs each `node` start a pass over it.
fn init_v8() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        v8::V8::set_flags_from_string("--no-memory-protection-keys --no-verify-snapshot-checksum");
    });
}

/// Parse node's command line: options, then the script or `-e` code, then its arguments.
fn parse_args(argv: &[String]) -> Result<(Invocation, bool), String> {
    let mut inv = Invocation::default();
    let mut version = false;
    let mut i = 0;
    while i < argv.len() {
        let a = &argv[i];
        let value = |i: &mut usize| -> Result<String, String> {
            *i += 1;
            argv.get(*i)
                .cloned()
                .ok_or_else(|| format!("{a} requires an argument"))
        };
        match a.as_str() {
            "-v" | "--version" => version = true,
            "-e" | "--eval" => {
                inv.eval = Some(value(&mut i)?);
                inv.exec_argv
                    .extend([a.clone(), inv.eval.clone().unwrap_or_default()]);
            }
            "-p" | "--print" => {
                inv.print = true;
                inv.eval = Some(value(&mut i)?);
                inv.exec_argv
                    .extend([a.clone(), inv.eval.clone().unwrap_or_default()]);
            }
            "--input-type=module" => {
                inv.module = true;
                inv.exec_argv.push(a.clone());
            }
            "--" => {
                i += 1;
                break;
            }
            "-" => break,
            s if s.starts_with("--input-type=") => inv.exec_argv.push(a.clone()),
            s if s.starts_with("--") && (s.contains('=') || KNOWN_FLAGS.contains(&s)) => {
                inv.exec_argv.push(a.clone())
            }
            s if s.starts_with('-') && s.len() > 1 => {
                return Err(format!("{s}: bad option"));
            }
            _ => break,
        }
        i += 1;
    }
    if inv.eval.is_none() {
        if let Some(s) = argv.get(i) {
            if s != "-" {
                inv.script = Some(s.clone());
            }
            i += 1;
        }
    }
    inv.args = argv[i.min(argv.len())..].to_vec();
    Ok((inv, version))
}

/// Flags accepted and ignored (they change nothing in the VM).
const KNOWN_FLAGS: &[&str] = &[
    "--no-warnings",
    "--no-deprecation",
    "--enable-source-maps",
    "--experimental-vm-modules",
    "--no-experimental-fetch",
    "--expose-gc",
    "--trace-warnings",
    "--trace-uncaught",
    "--experimental-modules",
    "--preserve-symlinks",
];

/// The `node` command.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(run(ctx))
}

async fn run(ctx: Ctx) -> i32 {
    let (inv, version) = match parse_args(ctx.argv.get(1..).unwrap_or_default()) {
        Ok(r) => r,
        Err(msg) => {
            ctx.err(format!("node: {msg}\n")).await;
            return 9;
        }
    };
    if version {
        let _ = ctx.out(format!("{NODE_VERSION}\n")).await;
        return 0;
    }
    let shared = Shared::new();
    let _kill = KillOnDrop(shared.clone());
    let cpu_limit = ctx.kernel.limits().cpu_time_ms;
    let (tx, mut rx) = tokio::sync::oneshot::channel();
    let sidecar = tokio::runtime::Handle::current();
    let host_shared = shared.clone();
    let Ctx {
        kernel,
        proc,
        env,
        fds,
        ..
    } = ctx;
    let err_fd = fds.get(2).ok().cloned();
    let spawned = std::thread::Builder::new()
        .name(format!("agentos-node-{}", proc.pid))
        .stack_size(8 << 20)
        .spawn(move || {
            let host = KernelHost::new(kernel, proc, env, fds, inv, sidecar, host_shared);
            thread_main(host, tx);
        });
    if spawned.is_err() {
        if let Some(f) = err_fd {
            let _ = f
                .write("node: cannot start a thread (EAGAIN)\n".into())
                .await;
        }
        return 1;
    }
    loop {
        let wait = match cpu_limit {
            Some(limit) => {
                let used = shared.cpu_us() / 1000;
                if used >= limit {
                    shared.hit(LimitHit::Cpu);
                    Duration::from_millis(50)
                } else {
                    Duration::from_millis((limit - used).max(1))
                }
            }
            None => Duration::from_secs(3600),
        };
        tokio::select! {
            r = &mut rx => return r.unwrap_or(1),
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// The guest's thread: its own event loop, its isolate, until the program ends.
fn thread_main(host: KernelHost, exit: tokio::sync::oneshot::Sender<i32>) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(rt) => rt,
        Err(_) => {
            let _ = exit.send(1);
            return;
        }
    };
    let host = Rc::new(host);
    rt.block_on(async {
        let mut js = new_runtime(&host);
        let code = run_js(&host, &mut js).await;
        // The exit is reported before the isolate is torn down: no guest code runs any more, and
        // the waiter need not wait for V8 to unmap the heap.
        let _ = exit.send(code);
    });
}

fn write_err(host: &KernelHost, msg: &str) {
    use ops::Host as _;
    let _ = host.write(2, msg.as_bytes(), None);
}

/// A guest isolate from the snapshot, bounded by the VM's limits, serving ops from `host`.
fn new_runtime(host: &Rc<KernelHost>) -> JsRuntime {
    let shared = host.shared.clone();
    let mem = host.kernel.limits().memory_mb as usize * 1024 * 1024;
    let budget = Arc::new(Budget {
        used: AtomicUsize::new(0),
        max: mem,
        shared: shared.clone(),
    });
    let params = v8::CreateParams::default()
        .heap_limits(0, mem)
        .array_buffer_allocator(allocator(budget));
    let loader = Rc::new(loader::VfsLoader::new(host.clone()));
    init_v8();
    let mut js = JsRuntime::new(RuntimeOptions {
        startup_snapshot: Some(SNAPSHOT),
        extensions: vec![ops::agentos_node::init_ops()],
        create_params: Some(params),
        module_loader: Some(loader),
        ..Default::default()
    });
    let _ = shared.isolate.set(js.v8_isolate().thread_safe_handle());
    {
        let shared = shared.clone();
        js.add_near_heap_limit_callback(move |current, _initial| {
            shared.hit(LimitHit::Memory);
            // Room for the termination to take effect; V8 aborts the process otherwise.
            current.saturating_mul(4).max(current + (256 << 20))
        });
    }
    {
        let state = js.op_state();
        let mut state = state.borrow_mut();
        state.put::<ops::HostRef>(host.clone() as ops::HostRef);
        state.put(ops::LazySources(LAZY_SOURCES));
    }
    js
}

/// Run the guest's program in `js` to its end; its exit code.
async fn run_js(host: &Rc<KernelHost>, js: &mut JsRuntime) -> i32 {
    let shared = host.shared.clone();
    if shared.killed.load(Ordering::SeqCst) {
        return 137;
    }
    let result = {
        let fut = run_program(js, host);
        tokio::pin!(fut);
        let metered = Metered {
            inner: fut.as_mut(),
            shared: &shared,
        };
        // A fatal signal ends the program even while its event loop only waits (on a socket,
        // a timer, a child): the isolate is terminated and the loop abandoned, so the thread
        // and everything the program held (descriptors, listening ports) go away.
        tokio::select! {
            r = metered => r,
            sig = host.proc.fatal_signal() => {
                shared.terminate();
                Ok(128 + sig.number())
            }
        }
    };
    if let Some(hit) = shared.limit_hit() {
        let limits = host.kernel.limits();
        let msg = match hit {
            LimitHit::Memory => format!(
                "node: memory limit exceeded (limits.memoryMb = {}): JavaScript heap out of memory; process stopped\n",
                limits.memory_mb
            ),
            LimitHit::Cpu => format!(
                "node: CPU time limit exceeded (limits.cpuTimeMs = {}); process stopped\n",
                limits.cpu_time_ms.unwrap_or(0)
            ),
        };
        write_err(host, &msg);
        return 137;
    }
    if let Some(code) = shared.exit_code() {
        return code;
    }
    if shared.killed.load(Ordering::SeqCst) {
        return 137;
    }
    match result {
        Ok(code) => code,
        Err(e) => {
            write_err(host, &format!("{e}\n\nNode.js {NODE_VERSION}\n"));
            // `process.on('exit')` still runs, with code 1.
            let code = exit_hooks(js, 1);
            shared.exit_code().or(code).unwrap_or(1)
        }
    }
}

/// Run `__agentos.exit(code)` (emits `exit`); returns the final exit code.
fn exit_hooks(js: &mut JsRuntime, code: i32) -> Option<i32> {
    let v = js
        .execute_script("[agentos:exit]", format!("__agentos.exit({code})"))
        .ok()?;
    let scope = &mut js.handle_scope();
    let v = v8::Local::new(scope, v);
    v.int32_value(scope)
}

/// What went wrong running the guest's code: already worded for stderr.
struct GuestError(String);

impl std::fmt::Display for GuestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn guest_error(e: deno_core::error::CoreError) -> GuestError {
    match e {
        deno_core::error::CoreError::Js(js) => {
            let stack = js
                .stack
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| js.exception_message.clone());
            GuestError(user_frames(&stack))
        }
        other => GuestError(other.to_string()),
    }
}

/// A stack without the runtime's own frames (the bootstrap, deno_core), as Node hides its
/// internals' frames from users' traces too.
fn user_frames(stack: &str) -> String {
    stack
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with("at ") && (t.contains("ext:") || t.contains("[agentos:")))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn run_program(js: &mut JsRuntime, host: &KernelHost) -> Result<i32, GuestError> {
    let main = js
        .execute_script("[agentos:main]", "__agentos.main()")
        .map_err(guest_error)?;
    let esm = {
        let scope = &mut js.handle_scope();
        let v = v8::Local::new(scope, main);
        v.is_string().then(|| v.to_rust_string_lossy(scope))
    };
    if let Some(spec) = esm {
        let id = if spec == "eval:module" {
            let url = deno_core::ModuleSpecifier::from_file_path(format!(
                "{}/[eval1]",
                host.proc.cwd().trim_end_matches('/')
            ))
            .map_err(|_| GuestError("Error: bad working directory".into()))?;
            let code = host.inv.eval.clone().unwrap_or_default();
            js.load_main_es_module_from_code(&url, code)
                .await
                .map_err(guest_error)?
        } else {
            let url = deno_core::ModuleSpecifier::parse(&spec)
                .map_err(|e| GuestError(format!("Error: {e}")))?;
            js.load_main_es_module(&url).await.map_err(guest_error)?
        };
        let eval = js.mod_evaluate(id);
        js.run_event_loop(PollEventLoopOptions::default())
            .await
            .map_err(guest_error)?;
        eval.await.map_err(guest_error)?;
    }
    loop {
        js.run_event_loop(PollEventLoopOptions::default())
            .await
            .map_err(guest_error)?;
        // `beforeExit` may schedule more work.
        let more = js
            .execute_script("[agentos:beforeExit]", "__agentos.beforeExit()")
            .map_err(guest_error)?;
        let scope = &mut js.handle_scope();
        let more = v8::Local::new(scope, more);
        if !more.is_true() {
            break;
        }
    }
    Ok(exit_hooks(js, -1).unwrap_or(0))
}

fn builtin_table() -> &'static serde_json::Map<String, serde_json::Value> {
    static PARSED: OnceLock<serde_json::Map<String, serde_json::Value>> = OnceLock::new();
    PARSED.get_or_init(|| {
        serde_json::from_str::<serde_json::Value>(BUILTIN_EXPORTS)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
    })
}

/// The builtin modules' export names, for the ESM loader.
pub(crate) fn builtin_exports(name: &str) -> Option<Vec<String>> {
    builtin_table()
        .get(name)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
}

/// The names of guest Node's builtin modules (without `node:`), sorted.
pub fn builtin_names() -> Vec<String> {
    builtin_table().keys().cloned().collect()
}

#[cfg(test)]
mod tests {
    fn boot_once() {
        super::init_v8();
        let mut js = super::JsRuntime::new(super::RuntimeOptions {
            startup_snapshot: Some(super::SNAPSHOT),
            extensions: vec![super::ops::agentos_node::init_ops()],
            ..Default::default()
        });
        let _ = js.execute_script("t", "1+1");
    }

    #[test]
    fn isolates_on_one_thread() {
        boot_once();
        boot_once();
        boot_once();
    }

    #[test]
    fn isolates_on_several_threads() {
        for _ in 0..3 {
            let r = std::thread::spawn(boot_once).join();
            assert!(r.is_ok());
        }
    }
}
