//! The VM's kernel: plain Rust, no napi, no host I/O. One [`Kernel`] per VM.

pub mod errno;
pub mod net;
pub mod process;
pub mod vfs;

use std::sync::Arc;

use parking_lot::RwLock;

use net::Net;
use process::{EventSink, ProcEvent, ProcessTable, Signal};
use vfs::Vfs;

use crate::vm::Limits;

/// All kernel state of one VM.
pub struct Kernel {
    vfs: Arc<Vfs>,
    procs: ProcessTable,
    net: Net,
    limits: Limits,
    events: RwLock<Option<Arc<dyn EventSink>>>,
    policy: RwLock<Option<Arc<crate::permissions::Policy>>>,
    /// The Node builtins guest JS may load (`allowedNodeBuiltins`); `None` allows all.
    node_builtins: RwLock<Option<Arc<[String]>>>,
}

impl std::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kernel")
            .field("vfs", &self.vfs)
            .field("procs", &self.procs.live_count())
            .finish()
    }
}

impl Kernel {
    /// A kernel with a fresh root tree (the template, forked in O(1)) and `limits`.
    pub fn new(limits: Limits) -> Kernel {
        Kernel {
            vfs: Arc::new(Vfs::new(vfs::rootfs::new_root(limits.fs()))),
            procs: ProcessTable::new(limits.max_processes as usize),
            // A connection buffers `maxPipeBytes` per direction, as a pipe does.
            net: Net::new(limits.max_pipe_bytes as usize),
            limits,
            events: RwLock::new(None),
            policy: RwLock::new(None),
            node_builtins: RwLock::new(None),
        }
    }

    /// Set the VM's permission policy (filesystem, processes, environment).
    pub fn set_policy(&self, policy: Option<Arc<crate::permissions::Policy>>) {
        self.vfs.set_policy(policy.clone());
        *self.policy.write() = policy;
    }

    /// The VM's permission policy, if one was set.
    pub fn policy(&self) -> Option<Arc<crate::permissions::Policy>> {
        self.policy.read().clone()
    }

    /// Restrict the Node builtins guest JS may load to `names` (`None`: all of them). Node
    /// processes started afterwards see it; a denied one throws `ERR_ACCESS_DENIED`.
    pub fn set_node_builtins(&self, names: Option<Vec<String>>) {
        *self.node_builtins.write() = names.map(Arc::from);
    }

    /// The Node builtins guest JS may load, or `None` for all of them.
    pub fn node_builtins(&self) -> Option<Arc<[String]>> {
        self.node_builtins.read().clone()
    }

    /// The filesystem namespace.
    pub fn vfs(&self) -> &Arc<Vfs> {
        &self.vfs
    }

    /// The process table.
    pub fn procs(&self) -> &ProcessTable {
        &self.procs
    }

    /// The network stack.
    pub fn net(&self) -> &Net {
        &self.net
    }

    /// The VM's limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Where process events go (the host's listener), if any.
    pub fn events(&self) -> Option<Arc<dyn EventSink>> {
        self.events.read().clone()
    }

    /// Set where process events go.
    pub fn set_events(&self, sink: Option<Arc<dyn EventSink>>) {
        *self.events.write() = sink;
    }

    /// Report an event to the host listener.
    pub fn emit(&self, ev: ProcEvent) {
        if let Some(s) = self.events() {
            s.emit(ev);
        }
    }

    /// Release everything the kernel holds, even while other handles to it remain: every
    /// process is killed and the filesystem dropped.
    pub fn shutdown(&self) {
        self.procs.kill_all(Signal::SIGKILL);
        self.net.shutdown();
        self.set_events(None);
        self.vfs.clear();
    }
}
