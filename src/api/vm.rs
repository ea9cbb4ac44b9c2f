//! `NativeVm`: one VM of the default sidecar — lifecycle, mounts and processes — and the one
//! threadsafe function per VM that carries process events (output chunks, exits) to JS in
//! batches.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use napi::threadsafe_function::{
    ThreadsafeCallContext, ThreadsafeFunction, ThreadsafeFunctionCallMode,
};
use parking_lot::Mutex;

use super::error::sync;
use super::fs::JsFs;
use super::net::{
    header_rules, port_of, to_request, Bodies, CheckAnswer, FetchRequest, FetchResponse,
    JsNetworkCheck, NetworkOptions, NetworkRequest,
};
use super::promise;
use crate::error::Error as CoreError;
use crate::kernel::errno::Errno;
use crate::kernel::process::{EventSink, ProcEvent, Signal, Status, Stream};
use crate::sidecar::Sidecar;
use crate::vm::process::StartOptions;
use crate::vm::{Limits, LimitsInput, Vm};

/// Limits as JS passes them (see `Limits` in the public API).
#[napi(object)]
#[derive(Default)]
pub struct LimitsOptions {
    /// Heap per JS process, MiB (default 128).
    pub memory_mb: Option<f64>,
    /// CPU time per process, ms (default unbounded).
    pub cpu_time_ms: Option<f64>,
    /// Processes at once (default 256).
    pub max_processes: Option<f64>,
    /// Open fds per process (default 1024).
    pub max_open_files: Option<f64>,
    /// Output kept per process stream, bytes (default 1 MiB).
    pub max_output_bytes: Option<f64>,
    /// Size of one file, bytes (default 512 MiB).
    pub max_file_bytes: Option<f64>,
    /// Total file bytes in the VM's filesystem (default 1 GiB).
    pub max_fs_bytes: Option<f64>,
    /// Pipe buffer, bytes (default 64 KiB).
    pub max_pipe_bytes: Option<f64>,
}

/// One VM, a tenant of the process-global default sidecar.
#[napi(js_name = "NativeVm")]
pub struct JsVm {
    pub(crate) vm: Arc<Vm>,
    sidecar: &'static Sidecar,
    pub(crate) events: Mutex<Option<Arc<JsEvents>>>,
    bodies: Arc<Bodies>,
}

#[napi]
impl JsVm {
    /// Boot a VM. Synchronous and O(1): it forks the template tree and registers the VM.
    #[napi(factory)]
    pub fn create(env: Env, limits: Option<LimitsOptions>) -> Result<JsVm> {
        let l = limits.unwrap_or_default();
        let input = LimitsInput {
            memory_mb: l.memory_mb,
            cpu_time_ms: l.cpu_time_ms,
            max_processes: l.max_processes,
            max_open_files: l.max_open_files,
            max_output_bytes: l.max_output_bytes,
            max_file_bytes: l.max_file_bytes,
            max_fs_bytes: l.max_fs_bytes,
            max_pipe_bytes: l.max_pipe_bytes,
        };
        let limits = sync(&env, Limits::from_input(&input))?;
        let sidecar = sync(&env, Sidecar::default_sidecar())?;
        let vm = sidecar.create_vm(limits);
        tracing::debug!(target: "agentos::api", vm = vm.id(), "create");
        Ok(JsVm {
            vm,
            sidecar,
            events: Mutex::new(None),
            bodies: Arc::default(),
        })
    }

    /// The VM's id within its sidecar.
    #[napi(getter)]
    pub fn id(&self) -> f64 {
        self.vm.id() as f64
    }

    /// Whether `dispose()` ran.
    #[napi(getter)]
    pub fn disposed(&self) -> bool {
        self.vm.is_disposed()
    }

    /// The VM's filesystem operations.
    #[napi]
    pub fn filesystem(&self) -> JsFs {
        JsFs::for_vm(self.vm.clone())
    }

    /// Mount a native filesystem at `path`.
    #[napi]
    pub fn mount(&self, env: Env, path: String, fs: &JsFs, read_only: bool) -> Result<()> {
        let (backend, always_ro) = sync(&env, fs.mountable())?;
        let kernel = sync(&env, self.vm.kernel())?;
        sync(
            &env,
            kernel.vfs().mount(&path, backend, read_only || always_ro),
        )
    }

    /// Append `text` to the VM's `/etc/agentos/instructions.md` (the `additionalInstructions`
    /// option).
    #[napi]
    pub fn set_additional_instructions(&self, env: Env, text: String) -> Result<()> {
        sync(&env, self.vm.set_additional_instructions(&text))
    }

    /// Unmount whatever is mounted at `path`.
    #[napi]
    pub fn unmount(&self, env: Env, path: String) -> Result<()> {
        let kernel = sync(&env, self.vm.kernel())?;
        sync(&env, kernel.vfs().unmount(&path))
    }

    /// Set the VM's network policy: `check` is `permissions.network` (without it, egress is
    /// denied), `options` the exempt loopback ports and credential-injection rules.
    #[napi]
    pub fn configure_network(
        &self,
        env: Env,
        options: NetworkOptions,
        check: Option<Function<NetworkRequest, CheckAnswer>>,
    ) -> Result<()> {
        let kernel = sync(&env, self.vm.kernel())?;
        let mut exempt = Vec::new();
        for p in options.loopback_exempt_ports.unwrap_or_default() {
            exempt.push(sync(&env, port_of(f64::from(p)))?);
        }
        let cfg = crate::net::NetworkConfig {
            check: match check {
                Some(f) => Some(Arc::new(JsNetworkCheck::new(f)?)),
                None => None,
            },
            exempt_ports: exempt,
            inject: sync(&env, header_rules(options.egress.unwrap_or_default()))?,
        };
        let egress = crate::net::HostEgress::new(cfg, self.sidecar.runtime().handle().clone());
        kernel.net().set_egress(Some(Arc::new(egress)));
        Ok(())
    }

    /// Send an HTTP request to the server listening on `port` inside the VM (waiting briefly
    /// for one that is about to listen). Resolves with the response head; read the body with
    /// `fetchRead`.
    #[napi(ts_return_type = "Promise<FetchResponse>")]
    pub fn fetch<'e>(&self, env: &'e Env, port: f64, request: FetchRequest) -> Result<Object<'e>> {
        let vm = self.vm.clone();
        let bodies = self.bodies.clone();
        let req = to_request(request);
        promise(
            env,
            async move {
                let kernel = vm.kernel()?;
                bodies.fetch(kernel, port_of(port)?, req?).await
            },
            |_env, head: FetchResponse| Ok(head),
        )
    }

    /// The next chunk of a fetched response's body; `null` at its end.
    #[napi(ts_return_type = "Promise<Uint8Array | null>")]
    pub fn fetch_read<'e>(&self, env: &'e Env, body: u32) -> Result<Object<'e>> {
        let bodies = self.bodies.clone();
        promise(env, bodies.read(body), |_env, chunk| {
            Ok(chunk.map(|b| Uint8Array::new(b.to_vec())))
        })
    }

    /// Stop reading a fetched response's body.
    #[napi]
    pub fn fetch_cancel(&self, body: u32) {
        self.bodies.cancel(body);
    }

    /// Tear the VM down. Idempotent.
    #[napi]
    pub fn dispose(&self) {
        self.events.lock().take();
        self.bodies.clear();
        self.vm.dispose();
        self.sidecar.release_vm(self.vm.id());
    }
}

impl Drop for JsVm {
    fn drop(&mut self) {
        self.dispose();
    }
}

/// VMs of the default sidecar that are alive and not disposed.
#[napi]
pub fn default_sidecar_vm_count() -> u32 {
    Sidecar::default_sidecar().map_or(0, |s| s.active_vm_count() as u32)
}

/// One process event, as JS receives it.
#[napi(object)]
pub struct ProcessEvent {
    /// `"stdout"`, `"stderr"`, `"exit"` or `"session"`.
    pub kind: String,
    /// The process (`session`: the session's handle).
    pub pid: u32,
    /// A session message as JSON text (`session`).
    pub json: Option<String>,
    /// Output bytes (`stdout`/`stderr`).
    pub data: Option<Uint8Array>,
    /// Position of the chunk in its stream (`stdout`/`stderr`).
    pub seq: Option<f64>,
    /// Exit code (`exit`).
    pub exit_code: Option<i32>,
}

/// Options of `exec` and `spawn` as the facade passes them.
#[napi(object)]
pub struct NativeStartOptions {
    /// Extra environment variables.
    pub env: Option<std::collections::HashMap<String, String>>,
    /// Working directory.
    pub cwd: Option<String>,
    /// Standard input content.
    pub stdin: Option<Either<String, Uint8Array>>,
    /// Deliver stdout events from the start.
    pub stream_stdout: Option<bool>,
    /// Deliver stderr events from the start.
    pub stream_stderr: Option<bool>,
}

/// Output kept for a late listener.
#[napi(object)]
pub struct Replay {
    /// The chunks, in order.
    pub chunks: Vec<Uint8Array>,
    /// Sequence number of the last of them; later events have higher numbers.
    pub seq: f64,
}

/// `exec`'s result.
#[napi(object)]
pub struct ExecResult {
    /// Exit code.
    pub exit_code: i32,
    /// Standard output (UTF-8, lossy).
    pub stdout: String,
    /// Standard error (UTF-8, lossy).
    pub stderr: String,
}

/// A process started through the API.
#[napi(object)]
pub struct SpawnedProcessInfo {
    /// Process id.
    pub pid: u32,
    /// Command.
    pub command: String,
    /// Arguments.
    pub args: Vec<String>,
    /// Still running.
    pub running: bool,
    /// Exit code once exited.
    pub exit_code: Option<i32>,
}

/// A process of the kernel's table.
#[napi(object)]
pub struct KernelProcessInfo {
    /// Process id.
    pub pid: u32,
    /// Parent (0: started by the host).
    pub ppid: u32,
    /// Process group.
    pub pgid: u32,
    /// Session.
    pub sid: u32,
    /// Runtime (`native`, `shell`, `node`).
    pub driver: String,
    /// `argv[0]`.
    pub command: String,
    /// `argv[1..]`.
    pub args: Vec<String>,
    /// Working directory.
    pub cwd: String,
    /// `running`, `stopped` or `exited`.
    pub status: String,
    /// Exit code once exited.
    pub exit_code: Option<i32>,
    /// Start time, ms since the epoch.
    pub start_time: f64,
    /// Exit time, ms since the epoch.
    pub exit_time: Option<f64>,
}

type EventFn = ThreadsafeFunction<(), (), Vec<ProcessEvent>, napi::Status, false, false>;

struct Pending {
    events: Mutex<Vec<ProcEvent>>,
    scheduled: AtomicBool,
    /// Held back by `pauseEvents`: events wait here, and with them their credits, so writers
    /// wait too.
    paused: AtomicBool,
}

/// The VM's event channel to JS.
pub(crate) struct JsEvents {
    pending: Arc<Pending>,
    tsfn: Mutex<EventFn>,
}

impl EventSink for JsEvents {
    fn emit(&self, event: ProcEvent) {
        self.pending.events.lock().push(event);
        if !self.pending.scheduled.swap(true, Ordering::AcqRel) {
            self.tsfn
                .lock()
                .call((), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}

fn to_js(ev: ProcEvent) -> ProcessEvent {
    match ev {
        // As for a shell, the credit is dropped here, on the JS thread: the writer may go on.
        ProcEvent::Output {
            pid,
            stream,
            seq,
            data,
            credit: _,
        } => ProcessEvent {
            kind: if stream == Stream::Stdout {
                "stdout"
            } else {
                "stderr"
            }
            .to_owned(),
            pid,
            data: Some(Uint8Array::new(data.to_vec())),
            seq: Some(seq as f64),
            exit_code: None,
            json: None,
        },
        ProcEvent::Session { handle, seq, json } => ProcessEvent {
            kind: "session".to_owned(),
            pid: handle,
            data: None,
            seq: Some(seq as f64),
            exit_code: None,
            json: Some(json.to_string()),
        },
        // The credit is dropped here, on the JS thread: the shell may send more.
        ProcEvent::Shell {
            id,
            data,
            credit: _,
        } => ProcessEvent {
            kind: "shell".to_owned(),
            pid: id,
            data: Some(Uint8Array::new(data.to_vec())),
            seq: None,
            exit_code: None,
            json: None,
        },
        ProcEvent::Exit { pid, code } => ProcessEvent {
            kind: "exit".to_owned(),
            pid,
            data: None,
            seq: None,
            exit_code: Some(code),
            json: None,
        },
    }
}

fn bytes(v: Either<String, Uint8Array>) -> Bytes {
    match v {
        Either::A(s) => Bytes::from(s.into_bytes()),
        Either::B(b) => Bytes::copy_from_slice(&b),
    }
}

fn start_options(o: Option<NativeStartOptions>) -> StartOptions {
    let Some(o) = o else {
        return StartOptions::default();
    };
    StartOptions {
        env: o.env.map(|m| m.into_iter().collect()),
        cwd: o.cwd,
        stdin: o.stdin.map(bytes),
        live_stdout: o.stream_stdout.unwrap_or(false),
        live_stderr: o.stream_stderr.unwrap_or(false),
        ..StartOptions::default()
    }
}

fn pid_of(pid: f64) -> crate::Result<u32> {
    if pid.fract() != 0.0 || pid < 1.0 || pid > f64::from(u32::MAX) {
        return Err(CoreError::errno_msg(
            Errno::ESRCH,
            format!("no such process: {pid}"),
        ));
    }
    Ok(pid as u32)
}

#[napi]
impl JsVm {
    /// Route this VM's process events to `handler` (batched, in order). The channel keeps
    /// Node alive only while `setEventsRef(true)`.
    #[napi(ts_args_type = "handler: (events: ProcessEvent[]) => void")]
    pub fn set_event_handler(
        &self,
        env: Env,
        handler: Function<Vec<ProcessEvent>, ()>,
    ) -> Result<()> {
        let kernel = sync(&env, self.vm.kernel())?;
        let pending = Arc::new(Pending {
            events: Mutex::new(Vec::new()),
            scheduled: AtomicBool::new(false),
            paused: AtomicBool::new(false),
        });
        let p = pending.clone();
        let mut tsfn: EventFn = handler
            .build_threadsafe_function::<()>()
            .callee_handled::<false>()
            .weak::<false>()
            .build_callback(move |_ctx: ThreadsafeCallContext<()>| {
                if p.paused.load(Ordering::Acquire) {
                    // Still `scheduled`: nothing calls again until `pauseEvents(false)` does.
                    return Ok(Vec::new());
                }
                p.scheduled.store(false, Ordering::Release);
                let batch = std::mem::take(&mut *p.events.lock());
                Ok(batch.into_iter().map(to_js).collect::<Vec<_>>())
            })?;
        // `unref` here is `napi_unref_threadsafe_function`: whether the channel keeps the event
        // loop alive (napi marks it deprecated for a different use, reference counting).
        #[allow(deprecated)]
        tsfn.unref(&env)?;
        let events = Arc::new(JsEvents {
            pending,
            tsfn: Mutex::new(tsfn),
        });
        *self.events.lock() = Some(events.clone());
        kernel.set_events(Some(events));
        Ok(())
    }

    /// Hold this VM's events back (`true`) or deliver them again (`false`). While held, output
    /// and terminal events keep their budget, so guests writing them wait: an explicit sidecar
    /// holds its VMs' events while its parent is not reading them.
    #[napi]
    pub fn pause_events(&self, paused: bool) {
        let guard = self.events.lock();
        let Some(ev) = guard.as_ref() else {
            return;
        };
        ev.pending.paused.store(paused, Ordering::Release);
        if !paused {
            // Decided under the queue's lock, so an event emitted meanwhile is not stranded.
            let events = ev.pending.events.lock();
            if events.is_empty() {
                ev.pending.scheduled.store(false, Ordering::Release);
            } else {
                ev.pending.scheduled.store(true, Ordering::Release);
                drop(events);
                ev.tsfn
                    .lock()
                    .call((), ThreadsafeFunctionCallMode::NonBlocking);
            }
        }
    }

    /// Whether the event channel keeps Node alive (while API processes run).
    #[napi]
    pub fn set_events_ref(&self, env: Env, on: bool) -> Result<()> {
        let guard = self.events.lock();
        let Some(ev) = guard.as_ref() else {
            return Ok(());
        };
        let mut tsfn = ev.tsfn.lock();
        #[allow(deprecated)]
        if on {
            tsfn.refer(&env)
        } else {
            tsfn.unref(&env)
        }
    }

    /// Start `sh -c command` for `exec`; returns its pid at once (attach handlers, then call
    /// `execFinish`).
    #[napi]
    pub fn exec_start(
        &self,
        env: Env,
        command: String,
        options: Option<NativeStartOptions>,
    ) -> Result<u32> {
        let kernel = sync(&env, self.vm.kernel())?;
        let opts = start_options(options);
        let sidecar = sync(&env, crate::sidecar::Sidecar::default_sidecar())?;
        let _guard = sidecar.runtime().enter();
        let p = sync(
            &env,
            self.vm.processes().exec_start(&kernel, &command, opts),
        )?;
        Ok(p.proc.pid)
    }

    /// Resolve with an `exec` process's exit code and output.
    #[napi(ts_return_type = "Promise<ExecResult>")]
    pub fn exec_finish<'e>(
        &self,
        env: &'e Env,
        pid: f64,
        timeout_ms: Option<f64>,
    ) -> Result<Object<'e>> {
        let vm = self.vm.clone();
        let timeout = timeout_ms
            .filter(|t| *t > 0.0)
            .map(|t| Duration::from_secs_f64(t / 1000.0));
        promise(
            env,
            async move {
                let kernel = vm.kernel()?;
                let api = vm.processes().get(pid_of(pid)?)?;
                vm.processes().exec_finish(&kernel, &api, timeout).await
            },
            |_env, out| {
                Ok(ExecResult {
                    exit_code: out.code,
                    stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                    stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                })
            },
        )
    }

    /// Start `command args` (found on `PATH`); returns its pid at once.
    #[napi]
    pub fn spawn(
        &self,
        env: Env,
        command: String,
        args: Vec<String>,
        options: Option<NativeStartOptions>,
    ) -> Result<u32> {
        let kernel = sync(&env, self.vm.kernel())?;
        let opts = start_options(options);
        let sidecar = sync(&env, crate::sidecar::Sidecar::default_sidecar())?;
        let _guard = sidecar.runtime().enter();
        let p = sync(
            &env,
            self.vm
                .processes()
                .spawn(&kernel, &command, &args, opts, false),
        )?;
        Ok(p.proc.pid)
    }

    /// Queue bytes for a process's standard input.
    #[napi]
    pub fn write_stdin(&self, env: Env, pid: f64, data: Either<String, Uint8Array>) -> Result<()> {
        sync(&env, self.vm.kernel())?;
        let p = sync(
            &env,
            pid_of(pid).and_then(|pid| self.vm.processes().get(pid)),
        )?;
        sync(&env, p.write_stdin(bytes(data)))
    }

    /// Close a process's standard input.
    #[napi]
    pub fn close_stdin(&self, env: Env, pid: f64) -> Result<()> {
        sync(&env, self.vm.kernel())?;
        let p = sync(
            &env,
            pid_of(pid).and_then(|pid| self.vm.processes().get(pid)),
        )?;
        p.close_stdin();
        Ok(())
    }

    /// Start live events for a stream; returns the output kept so far (replay it first).
    #[napi(ts_args_type = "pid: number, stream: 'stdout' | 'stderr'")]
    pub fn subscribe(&self, env: Env, pid: f64, stream: String) -> Result<Replay> {
        sync(&env, self.vm.kernel())?;
        let p = sync(
            &env,
            pid_of(pid).and_then(|pid| self.vm.processes().get(pid)),
        )?;
        let s = if stream == "stderr" {
            Stream::Stderr
        } else {
            Stream::Stdout
        };
        let (chunks, seq) = p.subscribe(s);
        Ok(Replay {
            chunks: chunks
                .into_iter()
                .map(|b| Uint8Array::new(b.to_vec()))
                .collect(),
            seq: seq as f64,
        })
    }

    /// Resolve with a process's exit code.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn wait<'e>(&self, env: &'e Env, pid: f64) -> Result<Object<'e>> {
        let vm = self.vm.clone();
        promise(
            env,
            async move {
                vm.kernel()?;
                let p = vm.processes().get(pid_of(pid)?)?;
                Ok(p.proc.wait().await)
            },
            |_env, code| Ok(code),
        )
    }

    /// Send signal `signal` (a number) to a process's group; a process that already exited is
    /// left alone.
    #[napi]
    pub fn signal(&self, env: Env, pid: f64, signal: i32) -> Result<()> {
        let kernel = sync(&env, self.vm.kernel())?;
        let p = sync(
            &env,
            pid_of(pid).and_then(|pid| self.vm.processes().get(pid)),
        )?;
        let sig = sync(
            &env,
            Signal::from_number(signal).ok_or_else(|| {
                CoreError::errno_msg(Errno::EINVAL, format!("unknown signal {signal}"))
            }),
        )?;
        if p.proc.exit_code().is_none() {
            let _ = kernel.procs().kill(-i64::from(p.proc.pgid), sig);
        }
        Ok(())
    }

    /// Processes started through the API.
    #[napi]
    pub fn list_processes(&self, env: Env) -> Result<Vec<SpawnedProcessInfo>> {
        sync(&env, self.vm.kernel())?;
        Ok(self
            .vm
            .processes()
            .list()
            .iter()
            .map(|p| spawned_info(p))
            .collect())
    }

    /// One process started through the API (`ESRCH` otherwise).
    #[napi]
    pub fn get_process(&self, env: Env, pid: f64) -> Result<SpawnedProcessInfo> {
        sync(&env, self.vm.kernel())?;
        let p = sync(
            &env,
            pid_of(pid).and_then(|pid| self.vm.processes().get(pid)),
        )?;
        Ok(spawned_info(&p))
    }

    /// The kernel's process table.
    #[napi]
    pub fn all_processes(&self, env: Env) -> Result<Vec<KernelProcessInfo>> {
        let kernel = sync(&env, self.vm.kernel())?;
        Ok(kernel
            .procs()
            .list()
            .into_iter()
            .map(|p| KernelProcessInfo {
                pid: p.pid,
                ppid: p.ppid,
                pgid: p.pgid,
                sid: p.sid,
                driver: p.driver.to_owned(),
                command: p.argv.first().cloned().unwrap_or_default(),
                args: p.argv.iter().skip(1).cloned().collect(),
                cwd: p.cwd(),
                status: match p.status() {
                    Status::Running => "running",
                    Status::Stopped => "stopped",
                    Status::Exited(_) => "exited",
                }
                .to_owned(),
                exit_code: p.exit_code(),
                start_time: p.start_ms,
                exit_time: p.exit_ms(),
            })
            .collect())
    }
}

fn spawned_info(p: &crate::vm::process::ApiProcess) -> SpawnedProcessInfo {
    SpawnedProcessInfo {
        pid: p.proc.pid,
        command: p.command.clone(),
        args: p.args.clone(),
        running: p.proc.exit_code().is_none(),
        exit_code: p.proc.exit_code(),
    }
}
