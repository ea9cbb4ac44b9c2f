//! `NativeVm`: create, mount into, and dispose of one VM of the default sidecar.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::error::sync;
use super::fs::JsFs;
use crate::sidecar::Sidecar;
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
    vm: Arc<Vm>,
    sidecar: &'static Sidecar,
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
        Ok(JsVm { vm, sidecar })
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
        let backend = sync(&env, fs.mountable())?;
        let kernel = sync(&env, self.vm.kernel())?;
        sync(&env, kernel.vfs().mount(&path, backend, read_only))
    }

    /// Unmount whatever is mounted at `path`.
    #[napi]
    pub fn unmount(&self, env: Env, path: String) -> Result<()> {
        let kernel = sync(&env, self.vm.kernel())?;
        sync(&env, kernel.vfs().unmount(&path))
    }

    /// Tear the VM down. Idempotent.
    #[napi]
    pub fn dispose(&self) {
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
