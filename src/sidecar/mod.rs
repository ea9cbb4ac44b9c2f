//! The process-global runtime every VM is a tenant of: one tokio runtime and one registry.
//!
//! The default sidecar is created lazily by the first VM and lives as long as the process. Its
//! threads never keep Node alive: only pending promises and referenced listeners do.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Weak};

use parking_lot::Mutex;
use tokio::runtime::Runtime;

use crate::error::{ApiCode, Error, Result};
use crate::vm::{Limits, Vm, VmId};

/// The runtime and VM registry of one sidecar.
pub struct Sidecar {
    runtime: Runtime,
    next_id: AtomicU64,
    vms: Mutex<HashMap<VmId, Weak<Vm>>>,
}

impl std::fmt::Debug for Sidecar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sidecar")
            .field("vms", &self.vms.lock().len())
            .finish()
    }
}

/// Stack size of the sidecar's threads. Guest programs are async state machines; a deep guest
/// recursion (a shell function calling itself) nests their polls, and the interpreter's depth
/// limits are chosen to fit in this much stack.
pub const THREAD_STACK: usize = 64 << 20;

/// The runtime configuration every sidecar (and the kernel's tests) uses.
pub fn runtime_builder() -> tokio::runtime::Builder {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    b.thread_name("agentos-sidecar")
        .thread_stack_size(THREAD_STACK)
        .enable_time()
        .enable_io();
    b
}

static DEFAULT: LazyLock<std::result::Result<Sidecar, String>> = LazyLock::new(|| {
    runtime_builder()
        .build()
        .map(|runtime| Sidecar {
            runtime,
            next_id: AtomicU64::new(1),
            vms: Mutex::new(HashMap::new()),
        })
        .map_err(|e| e.to_string())
});

impl Sidecar {
    /// The process-global default sidecar, created on first use.
    pub fn default_sidecar() -> Result<&'static Sidecar> {
        DEFAULT.as_ref().map_err(|e| {
            Error::api(
                ApiCode::Internal,
                format!("cannot start the sidecar runtime: {e}"),
            )
        })
    }

    /// The runtime that runs all kernel work of this sidecar's VMs.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Create and register a VM.
    pub fn create_vm(&self, limits: Limits) -> Arc<Vm> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let vm = Arc::new(Vm::new(id, limits));
        // Until configured otherwise, the VM's egress denies every destination outside it.
        if let Ok(k) = vm.kernel() {
            let egress = crate::net::HostEgress::new(
                crate::net::NetworkConfig::default(),
                self.runtime.handle().clone(),
            );
            k.net().set_egress(Some(Arc::new(egress)));
        }
        self.vms.lock().insert(id, Arc::downgrade(&vm));
        vm
    }

    /// Forget a VM (it was disposed or dropped).
    pub fn release_vm(&self, id: VmId) {
        self.vms.lock().remove(&id);
    }

    /// VMs registered and not yet disposed.
    pub fn active_vm_count(&self) -> usize {
        self.vms
            .lock()
            .values()
            .filter(|w| w.upgrade().is_some_and(|vm| !vm.is_disposed()))
            .count()
    }
}
