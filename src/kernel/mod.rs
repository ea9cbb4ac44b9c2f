//! The VM's kernel: plain Rust, no napi, no host I/O. One [`Kernel`] per VM.

pub mod errno;
pub mod vfs;

use std::sync::Arc;

use vfs::{FsLimits, Vfs};

/// All kernel state of one VM.
#[derive(Debug)]
pub struct Kernel {
    vfs: Arc<Vfs>,
}

impl Kernel {
    /// A kernel with a fresh root tree (the template, forked in O(1)) whose files are bounded by
    /// `fs_limits`.
    pub fn new(fs_limits: FsLimits) -> Kernel {
        Kernel {
            vfs: Arc::new(Vfs::new(vfs::rootfs::new_root(fs_limits))),
        }
    }

    /// The filesystem namespace.
    pub fn vfs(&self) -> &Arc<Vfs> {
        &self.vfs
    }

    /// Release everything the kernel holds, even while other handles to it remain.
    pub fn shutdown(&self) {
        self.vfs.clear();
    }
}
