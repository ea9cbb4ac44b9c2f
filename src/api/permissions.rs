//! The `fs`, `childProcess` and `env` permission checks at the boundary: each user function
//! becomes a [`Check`] (a threadsafe function awaited from the sidecar). The facade normalises
//! what the user's function returns (a throw or a malformed answer denies).

use std::collections::HashMap;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;

use super::error::sync;
use super::net::{settle_answer, CheckAnswer};
use super::vm::JsVm;
use crate::permissions::{BoxFut, Check, Decision, Policy, Request};

/// What a permission check is called with (the facade reshapes it per scope).
#[napi(object)]
pub struct PermissionRequest {
    /// `fs`: the operation; `env`: `read` or `write`; `childProcess`: `spawn`.
    pub op: String,
    /// `fs`: the path.
    pub path: Option<String>,
    /// `childProcess`: the command.
    pub command: Option<String>,
    /// `childProcess`: its arguments.
    pub args: Option<Vec<String>>,
    /// `childProcess`: its working directory.
    pub cwd: Option<String>,
    /// `childProcess`: its environment.
    pub env: Option<HashMap<String, String>>,
    /// `env`: the variable.
    pub key: Option<String>,
    /// `env`: its value.
    pub value: Option<String>,
}

type CheckFn =
    ThreadsafeFunction<PermissionRequest, CheckAnswer, PermissionRequest, Status, false, true>;

struct JsCheck {
    f: Arc<CheckFn>,
    scope: &'static str,
}

fn to_js(req: Request) -> PermissionRequest {
    let mut r = PermissionRequest {
        op: String::new(),
        path: None,
        command: None,
        args: None,
        cwd: None,
        env: None,
        key: None,
        value: None,
    };
    match req {
        Request::Fs { op, path } => {
            r.op = op.to_owned();
            r.path = Some(path);
        }
        Request::Spawn {
            command,
            args,
            cwd,
            env,
        } => {
            r.op = "spawn".to_owned();
            r.command = Some(command);
            r.args = Some(args);
            r.cwd = Some(cwd);
            r.env = Some(env.into_iter().collect());
        }
        Request::Env { op, key, value } => {
            r.op = op.to_owned();
            r.key = Some(key);
            r.value = Some(value);
        }
    }
    r
}

impl Check for JsCheck {
    fn check(&self, req: Request) -> BoxFut<Decision> {
        let f = self.f.clone();
        let scope = self.scope;
        Box::pin(async move {
            let r = match f.call_async_catch(to_js(req)).await {
                Ok(a) => settle_answer(a).await,
                Err(e) => Err(e),
            };
            match r {
                Ok(d) => Decision {
                    allow: d.allow,
                    reason: d.reason,
                },
                Err(e) => Decision {
                    allow: false,
                    reason: Some(format!("permissions.{scope} failed: {}", e.reason)),
                },
            }
        })
    }
}

fn check_of(
    f: Option<Function<PermissionRequest, CheckAnswer>>,
    scope: &'static str,
) -> Result<Option<Arc<dyn Check>>> {
    let Some(f) = f else { return Ok(None) };
    let tsfn: CheckFn = f
        .build_threadsafe_function()
        .callee_handled::<false>()
        .weak::<true>()
        .build()?;
    Ok(Some(Arc::new(JsCheck {
        f: Arc::new(tsfn),
        scope,
    })))
}

#[napi]
impl JsVm {
    /// Set the VM's `fs`, `childProcess` and `env` checks (each optional: an omitted scope is
    /// allowed). Decisions of `fs` and `env` are cached per VM.
    #[napi]
    pub fn configure_permissions(
        &self,
        env: Env,
        fs: Option<Function<PermissionRequest, CheckAnswer>>,
        child_process: Option<Function<PermissionRequest, CheckAnswer>>,
        env_check: Option<Function<PermissionRequest, CheckAnswer>>,
    ) -> Result<()> {
        let kernel = sync(&env, self.vm.kernel())?;
        let policy = Policy::new(
            check_of(fs, "fs")?,
            check_of(child_process, "childProcess")?,
            check_of(env_check, "env")?,
        );
        kernel.set_policy(Some(Arc::new(policy)));
        Ok(())
    }

    /// Restrict the Node builtins guest JS may load to `names` (`null`: all). A denied one
    /// throws `ERR_ACCESS_DENIED` from `require` and `import` in node processes started after
    /// this call. The names must be builtins (see `nodeBuiltinModules`).
    #[napi]
    pub fn set_allowed_node_builtins(&self, env: Env, names: Option<Vec<String>>) -> Result<()> {
        let kernel = sync(&env, self.vm.kernel())?;
        kernel.set_node_builtins(names);
        Ok(())
    }
}

/// The builtin modules of guest Node, as `require` names without `node:`, sorted.
#[napi]
pub fn node_builtin_modules() -> Vec<String> {
    #[cfg(feature = "js")]
    return crate::js::builtin_names();
    #[cfg(not(feature = "js"))]
    Vec::new()
}
