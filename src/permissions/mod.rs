//! A VM's permission policy for what its guests do inside it: filesystem operations, starting
//! processes, and the environment variables they see. (The network's policy is the egress in
//! `crate::net`.) Each scope is an optional check — in the binding, a JS function called on
//! the host's JS thread; without one, the scope is allowed, as API.md's defaults say.
//!
//! Checks are asked only for what guests do (the host's own API calls are trusted) and their
//! decisions are cached per VM: `fs` per (operation, normalised path) and `env` per (key,
//! value), so a loop over one file costs one round trip to JS; `childProcess` is asked for
//! every process start (its arguments differ every time). A check must therefore be a pure
//! function of its request. The cache holds at most [`CACHE_ENTRIES`] decisions and starts
//! over when full.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::commands::Env;
use crate::error::Error;
use crate::kernel::errno::Errno;

/// Decisions kept per VM before the cache starts over.
pub const CACHE_ENTRIES: usize = 16_384;

/// A boxed future.
pub type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What a check is asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// A filesystem operation (`read`, `write`, `stat`, `readdir`, `mkdir`, `rm`, `rename`,
    /// `exists`, `symlink`, `readlink`, `link`, `chmod`, `chown`, `utimes`, `truncate`) on an
    /// absolute, normalised path.
    Fs {
        /// The operation.
        op: &'static str,
        /// The path.
        path: String,
    },
    /// A guest process starting another.
    Spawn {
        /// The command as given (`argv[0]`).
        command: String,
        /// Its arguments.
        args: Vec<String>,
        /// Its working directory.
        cwd: String,
        /// Its environment.
        env: Env,
    },
    /// A variable of a new process's environment (`read`: whether the process may see it).
    Env {
        /// `read` or `write`.
        op: &'static str,
        /// The variable.
        key: String,
        /// Its value.
        value: String,
    },
}

/// A check's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Allowed.
    pub allow: bool,
    /// Why not (shown to the guest).
    pub reason: Option<String>,
}

/// One scope's check.
pub trait Check: Send + Sync {
    /// Decide on `req`.
    fn check(&self, req: Request) -> BoxFut<Decision>;
}

/// A VM's policy: one optional check per scope.
#[derive(Default)]
pub struct Policy {
    fs: Option<Arc<dyn Check>>,
    child_process: Option<Arc<dyn Check>>,
    env: Option<Arc<dyn Check>>,
    cache: Mutex<HashMap<(u8, String, String), Decision>>,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("fs", &self.fs.is_some())
            .field("child_process", &self.child_process.is_some())
            .field("env", &self.env.is_some())
            .finish()
    }
}

/// A path as the policy sees it: `//` collapsed, `.` and `..` resolved lexically (never above
/// `/`), no trailing `/`.
pub use crate::kernel::vfs::path::normalize;

impl Policy {
    /// A policy with these checks (`None`: the scope is allowed).
    pub fn new(
        fs: Option<Arc<dyn Check>>,
        child_process: Option<Arc<dyn Check>>,
        env: Option<Arc<dyn Check>>,
    ) -> Policy {
        Policy {
            fs,
            child_process,
            env,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Whether any filesystem check is set.
    pub fn checks_fs(&self) -> bool {
        self.fs.is_some()
    }

    async fn cached(
        &self,
        scope: u8,
        check: &Arc<dyn Check>,
        a: String,
        b: String,
        req: Request,
    ) -> Decision {
        let key = (scope, a, b);
        if let Some(d) = self.cache.lock().get(&key) {
            return d.clone();
        }
        let d = check.check(req).await;
        let mut cache = self.cache.lock();
        if cache.len() >= CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(key, d.clone());
        d
    }

    /// `EACCES` (worded as Node's, with the check's reason) unless `op` on `path` is allowed.
    pub async fn check_fs(
        &self,
        op: &'static str,
        syscall: &'static str,
        path: &str,
    ) -> Result<(), Error> {
        let Some(check) = &self.fs else {
            return Ok(());
        };
        let path = normalize(path);
        let req = Request::Fs {
            op,
            path: path.clone(),
        };
        let d = self
            .cached(0, check, op.to_owned(), path.clone(), req)
            .await;
        if d.allow {
            return Ok(());
        }
        let detail = d.reason.map(|r| format!(": {r}")).unwrap_or_default();
        Err(Error::errno(Errno::EACCES, syscall, path).with_detail(&detail))
    }

    /// `Some(reason)` when the guest may not start `argv` (the reason may be empty).
    pub async fn check_spawn(&self, argv: &[String], cwd: &str, env: &Env) -> Option<String> {
        let check = self.child_process.as_ref()?;
        let d = check
            .check(Request::Spawn {
                command: argv.first().cloned().unwrap_or_default(),
                args: argv.iter().skip(1).cloned().collect(),
                cwd: cwd.to_owned(),
                env: env.clone(),
            })
            .await;
        (!d.allow).then(|| d.reason.unwrap_or_default())
    }

    /// The part of `env` a new process may see: each variable is asked as a `read`.
    pub async fn filter_env(&self, env: Env) -> Env {
        let Some(check) = &self.env else {
            return env;
        };
        let mut kept = Env::new();
        for (key, value) in env {
            let req = Request::Env {
                op: "read",
                key: key.clone(),
                value: value.clone(),
            };
            if self
                .cached(1, check, key.clone(), value.clone(), req)
                .await
                .allow
            {
                kept.insert(key, value);
            }
        }
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct DenyEtc(AtomicUsize);
    impl Check for DenyEtc {
        fn check(&self, req: Request) -> BoxFut<Decision> {
            self.0.fetch_add(1, Ordering::Relaxed);
            let allow = match &req {
                Request::Fs { path, .. } => !path.starts_with("/etc"),
                Request::Env { key, .. } => !key.starts_with("SECRET"),
                Request::Spawn { command, .. } => command != "rm",
            };
            Box::pin(async move {
                Decision {
                    allow,
                    reason: (!allow).then(|| "policy says no".to_owned()),
                }
            })
        }
    }

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(normalize("/a//b/./c/"), "/a/b/c");
        assert_eq!(normalize("/home/user/../../etc/passwd"), "/etc/passwd");
        assert_eq!(normalize("/../.."), "/");
    }

    #[tokio::test]
    async fn decisions_are_cached_and_denials_carry_the_reason() {
        let check = Arc::new(DenyEtc(AtomicUsize::new(0)));
        let p = Policy::new(
            Some(check.clone()),
            Some(check.clone()),
            Some(check.clone()),
        );
        let e = p
            .check_fs("read", "open", "/home/../etc/passwd")
            .await
            .unwrap_err();
        assert_eq!(e.code(), "EACCES");
        assert_eq!(
            e.message(),
            "EACCES: permission denied, open '/etc/passwd': policy says no"
        );
        for _ in 0..5 {
            assert!(p.check_fs("read", "open", "/home/user/x").await.is_ok());
        }
        assert_eq!(check.0.load(Ordering::Relaxed), 2);
        let env: Env = [("A", "1"), ("SECRET_KEY", "x")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let kept = p.filter_env(env.clone()).await;
        assert_eq!(kept.len(), 1);
        assert!(kept.contains_key("A"));
        assert_eq!(
            p.check_spawn(&["rm".to_owned()], "/", &env).await,
            Some("policy says no".to_owned())
        );
        assert_eq!(p.check_spawn(&["ls".to_owned()], "/", &env).await, None);
    }
}
