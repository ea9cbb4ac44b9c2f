//! Interactive shells at the boundary: open one on a new terminal, type at it, resize it,
//! close it. Its output arrives as `shell` events of the VM's event channel.

use std::collections::HashMap;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::error::sync;
use super::vm::JsVm;
use crate::vm::shells::ShellOptions;

/// `openShell`'s options.
#[napi(object)]
pub struct NativeShellOptions {
    /// Program (default `sh`).
    pub command: Option<String>,
    /// Its arguments.
    pub args: Option<Vec<String>>,
    /// Variables added to the environment.
    pub env: Option<HashMap<String, String>>,
    /// Working directory (default `/home/user`).
    pub cwd: Option<String>,
    /// Columns (default 80).
    pub cols: Option<u32>,
    /// Rows (default 24).
    pub rows: Option<u32>,
}

fn dim(v: u32) -> u16 {
    v.clamp(1, u32::from(u16::MAX)) as u16
}

#[napi]
impl JsVm {
    /// Start a shell on a new terminal and return its id. Its output is delivered as `shell`
    /// events once `listenShell(id, true)`; until then it waits in the terminal.
    #[napi]
    pub fn open_shell(&self, env: Env, options: Option<NativeShellOptions>) -> Result<u32> {
        let kernel = sync(&env, self.vm.kernel())?;
        let o = options.unwrap_or(NativeShellOptions {
            command: None,
            args: None,
            env: None,
            cwd: None,
            cols: None,
            rows: None,
        });
        let opts = ShellOptions {
            command: o.command,
            args: o.args.unwrap_or_default(),
            env: o.env.map(|m| m.into_iter().collect()),
            cwd: o.cwd,
            cols: o.cols.map(dim),
            rows: o.rows.map(dim),
        };
        let sidecar = sync(&env, crate::sidecar::Sidecar::default_sidecar())?;
        let _guard = sidecar.runtime().enter();
        sync(
            &env,
            self.vm.shells().open(&kernel, self.vm.processes(), opts),
        )
    }

    /// Type at a shell's terminal.
    #[napi]
    pub fn write_shell(&self, env: Env, id: u32, data: Either<String, Uint8Array>) -> Result<()> {
        let kernel = sync(&env, self.vm.kernel())?;
        let bytes: &[u8] = match &data {
            Either::A(s) => s.as_bytes(),
            Either::B(b) => b,
        };
        sync(&env, self.vm.shells().write(&kernel, id, bytes))
    }

    /// Start or pause delivery of a shell's output.
    #[napi]
    pub fn listen_shell(&self, env: Env, id: u32, on: bool) -> Result<()> {
        sync(&env, self.vm.kernel())?;
        sync(&env, self.vm.shells().listen(id, on))
    }

    /// Resize a shell's terminal (its foreground process group gets `SIGWINCH`).
    #[napi]
    pub fn resize_shell(&self, env: Env, id: u32, cols: u32, rows: u32) -> Result<()> {
        let kernel = sync(&env, self.vm.kernel())?;
        sync(
            &env,
            self.vm.shells().resize(&kernel, id, dim(cols), dim(rows)),
        )
    }

    /// Close a shell: its terminal hangs up and its processes are killed.
    #[napi]
    pub fn close_shell(&self, env: Env, id: u32) -> Result<()> {
        let kernel = sync(&env, self.vm.kernel())?;
        sync(&env, self.vm.shells().close(&kernel, id))
    }

    /// Pid of a shell's process.
    #[napi]
    pub fn shell_pid(&self, env: Env, id: u32) -> Result<u32> {
        sync(&env, self.vm.kernel())?;
        sync(&env, self.vm.shells().pid(id))
    }
}
