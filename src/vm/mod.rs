//! One VM: its configuration, its kernel, and its lifecycle.
//!
//! A VM is only data (an `Arc<Kernel>` and its configuration) while idle: no thread, no V8
//! isolate. It lives in the [`Sidecar`](crate::sidecar::Sidecar) that created it.

pub mod limits;
pub mod process;
pub mod shells;

use std::sync::Arc;

use parking_lot::RwLock;

pub use limits::{Limits, LimitsInput};

use crate::error::{ApiCode, Error, Result};
use crate::kernel::vfs::rootfs::{agentos_etc, AGENTOS_ETC};
use crate::kernel::Kernel;

/// A VM's identity within its sidecar.
pub type VmId = u64;

/// One VM.
pub struct Vm {
    id: VmId,
    limits: Limits,
    kernel: RwLock<Option<Arc<Kernel>>>,
    api: process::ApiProcesses,
    sessions: crate::sessions::Sessions,
    shells: shells::Shells,
}

impl std::fmt::Debug for Vm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vm").field("id", &self.id).finish()
    }
}

impl Vm {
    /// A new VM with a fresh kernel.
    pub(crate) fn new(id: VmId, limits: Limits) -> Vm {
        let kernel = Kernel::new(limits);
        let _ = kernel.vfs().mount(AGENTOS_ETC, agentos_etc(None), true);
        Vm {
            id,
            limits,
            kernel: RwLock::new(Some(Arc::new(kernel))),
            api: process::ApiProcesses::default(),
            sessions: crate::sessions::Sessions::default(),
            shells: shells::Shells::default(),
        }
    }

    /// The VM's id.
    pub fn id(&self) -> VmId {
        self.id
    }

    /// The VM's limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The kernel, or `ERR_AGENT_OS_DISPOSED` once the VM is disposed.
    pub fn kernel(&self) -> Result<Arc<Kernel>> {
        self.kernel.read().clone().ok_or_else(|| {
            Error::api(
                ApiCode::Disposed,
                format!("VM {} has been disposed", self.id),
            )
        })
    }

    /// Processes started through the API.
    pub fn processes(&self) -> &process::ApiProcesses {
        &self.api
    }

    /// Append `additional` to the VM's `/etc/agentos/instructions.md`.
    pub fn set_additional_instructions(&self, additional: &str) -> Result<()> {
        let kernel = self.kernel()?;
        kernel.vfs().unmount(AGENTOS_ETC)?;
        kernel
            .vfs()
            .mount(AGENTOS_ETC, agentos_etc(Some(additional)), true)
    }

    /// Interactive shells.
    pub fn shells(&self) -> &shells::Shells {
        &self.shells
    }

    /// Agent sessions.
    pub fn sessions(&self) -> &crate::sessions::Sessions {
        &self.sessions
    }

    /// Whether [`dispose`](Vm::dispose) ran.
    pub fn is_disposed(&self) -> bool {
        self.kernel.read().is_none()
    }

    /// Tear the VM down and release its kernel state. Idempotent.
    pub fn dispose(&self) {
        self.sessions.close_all();
        let kernel = self.kernel.write().take();
        if let Some(k) = kernel {
            k.shutdown();
        }
    }
}
