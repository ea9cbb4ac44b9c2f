//! A user-written JavaScript `VirtualFileSystem` as a kernel backend (the slow path): each
//! operation is sent to the facade's dispatcher on the JS thread (a threadsafe function, never
//! keeping Node alive), which calls the user's object and answers through `jsDriverReply`
//! with the call's id. The kernel side waits on a oneshot channel, so a guest's synchronous
//! call blocks only its own thread, and the JS thread never waits on the kernel.
//!
//! The object resolves paths itself (symlinks inside it are its business); errors it throws
//! with a POSIX `code` reach the guest with that code, anything else is `EIO`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock, Weak};

use async_trait::async_trait;
use bytes::Bytes;
use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use parking_lot::Mutex;
use tokio::sync::oneshot;

use super::fs::JsFs;
use crate::kernel::errno::Errno;
use crate::kernel::vfs::{
    Ctx, DirEntry, FileSystem, FileType, FsResult, SetAttr, Stat, WriteOpts, WritePos,
};

/// One operation for the user's object.
#[napi(object)]
pub struct DriverCall {
    /// Which driver (for the reply).
    pub driver: u32,
    /// Call id (for the reply).
    pub id: u32,
    /// `stat`, `lstat`, `realpath`, `read`, `write`, `truncate`, `readdir`, `mkdir`, `rmdir`,
    /// `unlink`, `rename`, `link`, `symlink`, `readlink`, `chmod`, `chown`, `utimes`.
    pub op: String,
    /// Path inside the driver (starts with `/`).
    pub path: String,
    /// Second path (`rename`/`link` destination, `symlink` target).
    pub path2: Option<String>,
    /// Offset (`read`, `write` at an offset).
    pub offset: Option<f64>,
    /// Length (`read`, `truncate`).
    pub length: Option<f64>,
    /// Bytes (`write`).
    pub data: Option<Uint8Array>,
    /// `write`: `truncate`, `append` or `at`.
    pub how: Option<String>,
    /// `write`: create a missing file; `exclusive`: fail if it exists.
    pub create: Option<bool>,
    /// `write`: `O_EXCL`.
    pub exclusive: Option<bool>,
    /// `chmod`: permission bits; `mkdir`: mode.
    pub mode: Option<u32>,
    /// `chown`.
    pub uid: Option<u32>,
    /// `chown`.
    pub gid: Option<u32>,
    /// `utimes`: seconds since the epoch.
    pub atime: Option<f64>,
    /// `utimes`: seconds since the epoch.
    pub mtime: Option<f64>,
}

/// A `VirtualStat` from the user's object.
#[napi(object)]
#[derive(Clone)]
pub struct DriverStat {
    /// `st_mode` (type bits optional when the flags say the type).
    pub mode: Option<u32>,
    /// Size in bytes.
    pub size: Option<f64>,
    /// A directory.
    pub is_directory: Option<bool>,
    /// A symbolic link.
    pub is_symbolic_link: Option<bool>,
    /// Last access, ms since the epoch.
    pub atime_ms: Option<f64>,
    /// Last modification, ms since the epoch.
    pub mtime_ms: Option<f64>,
    /// Last status change, ms since the epoch.
    pub ctime_ms: Option<f64>,
    /// Creation, ms since the epoch.
    pub birthtime_ms: Option<f64>,
    /// Inode number.
    pub ino: Option<f64>,
    /// Hard links.
    pub nlink: Option<u32>,
    /// Owner.
    pub uid: Option<u32>,
    /// Group.
    pub gid: Option<u32>,
}

/// A directory entry from the user's object.
#[napi(object)]
pub struct DriverEntry {
    /// Entry name.
    pub name: String,
    /// Its `lstat`.
    pub stat: DriverStat,
}

/// The facade's answer to a [`DriverCall`].
#[napi(object)]
pub struct DriverReply {
    /// POSIX code of a failure (`ENOENT`, ...).
    pub error: Option<String>,
    /// `stat`/`lstat`.
    pub stat: Option<DriverStat>,
    /// `read`.
    pub data: Option<Uint8Array>,
    /// `readdir`.
    pub entries: Option<Vec<DriverEntry>>,
    /// `realpath`, `readlink`.
    pub text: Option<String>,
    /// `write`: the file's new size.
    pub size: Option<f64>,
}

/// A reply copied off the JS thread.
enum Answer {
    Err(Errno),
    Ok {
        stat: Option<Box<DriverStat>>,
        data: Option<Bytes>,
        entries: Vec<(String, DriverStat)>,
        text: Option<String>,
        size: Option<f64>,
    },
}

type DispatchFn = ThreadsafeFunction<DriverCall, (), DriverCall, Status, false, true>;

struct Calls {
    id: u32,
    tsfn: DispatchFn,
    pending: Mutex<HashMap<u32, oneshot::Sender<Answer>>>,
    next: AtomicU32,
}

static DRIVERS: LazyLock<Mutex<HashMap<u32, Weak<Calls>>>> = LazyLock::new(Default::default);
static NEXT_DRIVER: AtomicU32 = AtomicU32::new(1);

/// The kernel backend over a user's JS object.
struct JsDriverFs {
    calls: Arc<Calls>,
}

impl Drop for JsDriverFs {
    fn drop(&mut self) {
        DRIVERS.lock().remove(&self.calls.id);
    }
}

fn blank(driver: u32, id: u32, op: &str, path: &str) -> DriverCall {
    DriverCall {
        driver,
        id,
        op: op.to_owned(),
        path: path.to_owned(),
        path2: None,
        offset: None,
        length: None,
        data: None,
        how: None,
        create: None,
        exclusive: None,
        mode: None,
        uid: None,
        gid: None,
        atime: None,
        mtime: None,
    }
}

fn ns(ms: Option<f64>) -> i64 {
    ms.filter(|m| m.is_finite()).map_or(0, |m| (m * 1e6) as i64)
}

fn to_stat(s: &DriverStat) -> Stat {
    let mode = s.mode.unwrap_or(0);
    let file_type = if s.is_symbolic_link.unwrap_or(false) || mode & 0o170000 == 0o120000 {
        FileType::Symlink
    } else if s.is_directory.unwrap_or(false) || mode & 0o170000 == 0o040000 {
        FileType::Dir
    } else {
        FileType::File
    };
    let perm = match mode & 0o7777 {
        0 if file_type == FileType::Dir => 0o755,
        0 => 0o644,
        p => p,
    };
    Stat {
        file_type,
        perm,
        ino: s.ino.unwrap_or(0.0).max(0.0) as u64,
        nlink: s.nlink.unwrap_or(1),
        uid: s.uid.unwrap_or(1000),
        gid: s.gid.unwrap_or(1000),
        size: s.size.unwrap_or(0.0).max(0.0) as u64,
        atime_ns: ns(s.atime_ms),
        mtime_ns: ns(s.mtime_ms),
        ctime_ns: ns(s.ctime_ms),
        birthtime_ns: ns(s.birthtime_ms),
    }
}

impl JsDriverFs {
    async fn call(&self, mut c: DriverCall) -> std::result::Result<Answer, Errno> {
        let id = self.calls.next.fetch_add(1, Ordering::Relaxed);
        c.driver = self.calls.id;
        c.id = id;
        let (tx, rx) = oneshot::channel();
        self.calls.pending.lock().insert(id, tx);
        let status = self
            .calls
            .tsfn
            .call(c, ThreadsafeFunctionCallMode::NonBlocking);
        if status != Status::Ok {
            self.calls.pending.lock().remove(&id);
            return Err(Errno::EIO);
        }
        match rx.await {
            Ok(Answer::Err(e)) => Err(e),
            Ok(ok) => Ok(ok),
            Err(_) => Err(Errno::EIO),
        }
    }

    async fn simple(&self, c: DriverCall) -> FsResult<()> {
        self.call(c).await?;
        Ok(())
    }

    fn new_call(&self, op: &str, path: &str) -> DriverCall {
        blank(0, 0, op, path)
    }
}

fn changing(at: &Ctx<'_>) -> std::result::Result<(), Errno> {
    if at.read_only {
        Err(Errno::EROFS)
    } else {
        Ok(())
    }
}

#[async_trait]
impl FileSystem for JsDriverFs {
    async fn stat(&self, at: Ctx<'_>, follow: bool) -> FsResult<Stat> {
        let op = if follow { "stat" } else { "lstat" };
        match self.call(self.new_call(op, at.path)).await? {
            Answer::Ok { stat: Some(s), .. } => Ok(to_stat(&s)),
            _ => Err(Errno::EIO.into()),
        }
    }

    async fn realpath(&self, at: Ctx<'_>) -> FsResult<String> {
        match self.call(self.new_call("realpath", at.path)).await? {
            Answer::Ok { text: Some(t), .. } if t.starts_with('/') => Ok(t),
            _ => Ok(at.path.to_owned()),
        }
    }

    async fn read(&self, at: Ctx<'_>, offset: u64, len: Option<u64>) -> FsResult<Bytes> {
        let mut c = self.new_call("read", at.path);
        c.offset = Some(offset as f64);
        c.length = len.map(|l| l as f64);
        match self.call(c).await? {
            Answer::Ok { data: Some(d), .. } => Ok(d),
            _ => Ok(Bytes::new()),
        }
    }

    async fn write(&self, at: Ctx<'_>, data: Bytes, opts: WriteOpts) -> FsResult<u64> {
        changing(&at)?;
        let mut c = self.new_call("write", at.path);
        let (how, offset) = match opts.pos {
            WritePos::Truncate => ("truncate", None),
            WritePos::Append => ("append", None),
            WritePos::At(o) => ("at", Some(o as f64)),
        };
        c.how = Some(how.to_owned());
        c.offset = offset;
        c.create = Some(opts.create.is_some());
        c.exclusive = Some(opts.exclusive);
        c.mode = opts.create;
        c.data = Some(Uint8Array::new(data.to_vec()));
        match self.call(c).await? {
            Answer::Ok { size: Some(s), .. } => Ok(s.max(0.0) as u64),
            _ => Ok(0),
        }
    }

    async fn truncate(&self, at: Ctx<'_>, len: u64) -> FsResult<()> {
        changing(&at)?;
        let mut c = self.new_call("truncate", at.path);
        c.length = Some(len as f64);
        self.simple(c).await
    }

    async fn read_dir(&self, at: Ctx<'_>) -> FsResult<Vec<DirEntry>> {
        match self.call(self.new_call("readdir", at.path)).await? {
            Answer::Ok { entries, .. } => {
                let mut out: Vec<DirEntry> = entries
                    .iter()
                    .filter(|(n, _)| !n.is_empty() && n != "." && n != ".." && !n.contains('/'))
                    .map(|(name, s)| DirEntry {
                        name: name.clone(),
                        stat: to_stat(s),
                    })
                    .collect();
                out.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(out)
            }
            Answer::Err(e) => Err(e.into()),
        }
    }

    async fn mkdir(&self, at: Ctx<'_>, perm: u32) -> FsResult<()> {
        changing(&at)?;
        let mut c = self.new_call("mkdir", at.path);
        c.mode = Some(perm);
        self.simple(c).await
    }

    async fn rmdir(&self, at: Ctx<'_>) -> FsResult<()> {
        changing(&at)?;
        self.simple(self.new_call("rmdir", at.path)).await
    }

    async fn unlink(&self, at: Ctx<'_>) -> FsResult<()> {
        changing(&at)?;
        self.simple(self.new_call("unlink", at.path)).await
    }

    async fn rename(&self, from: Ctx<'_>, to: Ctx<'_>) -> FsResult<()> {
        changing(&from)?;
        changing(&to)?;
        let mut c = self.new_call("rename", from.path);
        c.path2 = Some(to.path.to_owned());
        self.simple(c).await
    }

    async fn link(&self, from: Ctx<'_>, to: Ctx<'_>) -> FsResult<()> {
        changing(&to)?;
        let mut c = self.new_call("link", from.path);
        c.path2 = Some(to.path.to_owned());
        self.simple(c).await
    }

    async fn symlink(&self, target: &str, at: Ctx<'_>) -> FsResult<()> {
        changing(&at)?;
        let mut c = self.new_call("symlink", at.path);
        c.path2 = Some(target.to_owned());
        self.simple(c).await
    }

    async fn readlink(&self, at: Ctx<'_>) -> FsResult<String> {
        match self.call(self.new_call("readlink", at.path)).await? {
            Answer::Ok { text: Some(t), .. } => Ok(t),
            _ => Err(Errno::EINVAL.into()),
        }
    }

    async fn set_attr(&self, at: Ctx<'_>, _follow: bool, attr: SetAttr) -> FsResult<()> {
        changing(&at)?;
        if let Some(perm) = attr.perm {
            let mut c = self.new_call("chmod", at.path);
            c.mode = Some(perm);
            self.simple(c).await?;
        }
        if attr.uid.is_some() || attr.gid.is_some() {
            let mut c = self.new_call("chown", at.path);
            c.uid = attr.uid;
            c.gid = attr.gid;
            self.simple(c).await?;
        }
        if attr.atime_ns.is_some() || attr.mtime_ns.is_some() {
            let mut c = self.new_call("utimes", at.path);
            c.atime = attr.atime_ns.map(|n| n as f64 / 1e9);
            c.mtime = attr.mtime_ns.map(|n| n as f64 / 1e9);
            self.simple(c).await?;
        }
        Ok(())
    }
}

/// A user's JS `VirtualFileSystem` as a mountable filesystem: `dispatch` receives every
/// operation and answers with `jsDriverReply`.
#[napi(ts_args_type = "dispatch: (call: DriverCall) => void")]
pub fn create_native_js_driver(dispatch: Function<DriverCall, ()>) -> Result<JsFs> {
    let tsfn: DispatchFn = dispatch
        .build_threadsafe_function()
        .callee_handled::<false>()
        .weak::<true>()
        .build()?;
    let id = NEXT_DRIVER.fetch_add(1, Ordering::Relaxed);
    let calls = Arc::new(Calls {
        id,
        tsfn,
        pending: Mutex::new(HashMap::new()),
        next: AtomicU32::new(1),
    });
    DRIVERS.lock().insert(id, Arc::downgrade(&calls));
    let fs: Arc<dyn FileSystem> = Arc::new(JsDriverFs { calls });
    Ok(JsFs::over(fs, false))
}

/// The facade's answer to call `id` of driver `driver` (unknown ids are ignored: the kernel
/// side stopped waiting).
#[napi]
pub fn js_driver_reply(driver: u32, id: u32, reply: DriverReply) {
    let calls = DRIVERS.lock().get(&driver).and_then(Weak::upgrade);
    let Some(calls) = calls else { return };
    let Some(tx) = calls.pending.lock().remove(&id) else {
        return;
    };
    let answer = match reply.error {
        Some(code) => Answer::Err(Errno::from_name(&code).unwrap_or(Errno::EIO)),
        None => Answer::Ok {
            stat: reply.stat.map(Box::new),
            data: reply.data.map(|d| Bytes::copy_from_slice(&d)),
            entries: reply
                .entries
                .unwrap_or_default()
                .into_iter()
                .map(|e| (e.name, e.stat))
                .collect(),
            text: reply.text,
            size: reply.size,
        },
    };
    let _ = tx.send(answer);
}
