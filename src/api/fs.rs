//! `NativeFs`: the filesystem operations of a VM, or of a standalone in-memory filesystem made
//! by `createInMemoryFileSystem()`. Every method returns a promise and runs on the sidecar.

use std::sync::Arc;

use bytes::Bytes;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use super::promise;
use crate::error::{ApiCode, Error as CoreError};
use crate::kernel::errno::Errno;
use crate::kernel::vfs::{
    Cred, FileSystem, FileType, MemFs, SetAttr, Stat, Vfs, WriteOpts, WritePos,
};
use crate::vm::Vm;

/// What a `NativeFs` operates on.
#[derive(Clone)]
pub(crate) enum Target {
    /// A VM's whole namespace (rejects once the VM is disposed).
    Vm(Arc<Vm>),
    /// A standalone filesystem (in memory, or a host directory), mountable into VMs.
    Standalone {
        vfs: Arc<Vfs>,
        fs: Arc<dyn FileSystem>,
        read_only: bool,
    },
}

impl Target {
    fn vfs(&self) -> crate::Result<Arc<Vfs>> {
        match self {
            Target::Vm(vm) => Ok(vm.kernel()?.vfs().clone()),
            Target::Standalone { vfs, .. } => Ok(vfs.clone()),
        }
    }
}

/// Filesystem operations over a VM's namespace or a standalone in-memory filesystem.
#[napi(js_name = "NativeFs")]
pub struct JsFs {
    pub(crate) target: Target,
    cred: Cred,
}

/// `VirtualStat`, as the reference API shapes it.
#[napi(object)]
pub struct StatResult {
    /// `st_mode`: type and permission bits.
    pub mode: u32,
    /// Size in bytes.
    pub size: f64,
    /// A directory.
    pub is_directory: bool,
    /// A symbolic link (only from `lstat`).
    pub is_symbolic_link: bool,
    /// Last access, ms since the epoch.
    pub atime_ms: f64,
    /// Last modification, ms since the epoch.
    pub mtime_ms: f64,
    /// Last status change, ms since the epoch.
    pub ctime_ms: f64,
    /// Creation, ms since the epoch.
    pub birthtime_ms: f64,
    /// Inode number.
    pub ino: f64,
    /// Hard links.
    pub nlink: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
}

fn ms(ns: i64) -> f64 {
    ns as f64 / 1e6
}

impl From<Stat> for StatResult {
    fn from(s: Stat) -> Self {
        StatResult {
            mode: s.mode(),
            size: s.size as f64,
            is_directory: s.file_type == FileType::Dir,
            is_symbolic_link: s.file_type == FileType::Symlink,
            atime_ms: ms(s.atime_ns),
            mtime_ms: ms(s.mtime_ns),
            ctime_ms: ms(s.ctime_ns),
            birthtime_ms: ms(s.birthtime_ns),
            ino: s.ino as f64,
            nlink: s.nlink,
            uid: s.uid,
            gid: s.gid,
        }
    }
}

fn type_name(t: FileType) -> &'static str {
    match t {
        FileType::Dir => "directory",
        FileType::Symlink => "symlink",
        FileType::File | FileType::CharDevice => "file",
    }
}

/// One directory entry with its `lstat`.
#[napi(object)]
pub struct DirStatEntry {
    /// Entry name.
    pub name: String,
    /// `lstat` of the entry.
    pub stat: StatResult,
}

/// One entry of `readdirRecursive`.
#[napi(object)]
pub struct TreeEntryResult {
    /// Absolute path.
    pub path: String,
    /// `"file"`, `"directory"` or `"symlink"`.
    pub r#type: String,
    /// Size in bytes.
    pub size: f64,
}

/// One result of `readFiles`.
#[napi(object)]
pub struct ReadFileResult {
    /// The path asked for.
    pub path: String,
    /// The content, when the read succeeded.
    pub content: Option<Uint8Array>,
    /// The error message, when it failed.
    pub error: Option<String>,
}

/// One entry of `writeFiles`.
#[napi(object)]
pub struct WriteFileEntry {
    /// Absolute path.
    pub path: String,
    /// Content.
    pub content: Either<String, Uint8Array>,
}

/// One result of `writeFiles`.
#[napi(object)]
pub struct WriteFileResult {
    /// The path written.
    pub path: String,
    /// Whether it was written.
    pub success: bool,
    /// The error message, when it failed.
    pub error: Option<String>,
}

fn content_bytes(content: Either<String, Uint8Array>) -> Bytes {
    match content {
        Either::A(s) => Bytes::from(s.into_bytes()),
        Either::B(b) => Bytes::copy_from_slice(&b),
    }
}

fn ns_from_secs(secs: f64) -> i64 {
    (secs * 1e9) as i64
}

macro_rules! op {
    ($self:ident, $env:ident, |$vfs:ident, $cred:ident| $body:expr, |$e:ident, $v:ident| $done:expr) => {{
        let target = $self.target.clone();
        let $cred = $self.cred;
        promise(
            &$env,
            async move {
                let $vfs = target.vfs()?;
                $body
            },
            move |$e: &Env, $v| $done,
        )
    }};
}

impl JsFs {
    pub(crate) fn for_vm(vm: Arc<Vm>) -> JsFs {
        JsFs {
            target: Target::Vm(vm),
            cred: Cred::USER,
        }
    }

    /// A handle over a standalone backend (operated on by path, mountable into VMs).
    pub(crate) fn over(fs: Arc<dyn FileSystem>, read_only: bool) -> JsFs {
        JsFs {
            target: Target::Standalone {
                vfs: Arc::new(Vfs::over(fs.clone(), read_only)),
                fs,
                read_only,
            },
            cred: Cred::USER,
        }
    }

    /// The backend to mount, when this handle is a standalone filesystem, and whether it is
    /// read-only whatever the mount says.
    pub(crate) fn mountable(&self) -> crate::Result<(Arc<dyn FileSystem>, bool)> {
        match &self.target {
            Target::Standalone { fs, read_only, .. } => Ok((fs.clone(), *read_only)),
            Target::Vm(_) => Err(CoreError::api(
                ApiCode::InvalidOptions,
                "a VM's own filesystem cannot be mounted into another VM",
            )),
        }
    }
}

#[napi]
impl JsFs {
    /// Read a whole file.
    #[napi(ts_return_type = "Promise<Uint8Array>")]
    pub fn read_file<'e>(&self, env: &'e Env, path: String) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| Ok(vfs.read_file(cred, &path).await?.to_vec()),
            |_e, v| Ok(Uint8Array::new(v))
        )
    }

    /// Read `length` bytes at `offset`.
    #[napi(ts_return_type = "Promise<Uint8Array>")]
    pub fn pread<'e>(
        &self,
        env: &'e Env,
        path: String,
        offset: f64,
        length: f64,
    ) -> Result<Object<'e>> {
        let (off, len) = (offset.max(0.0) as u64, length.max(0.0) as u64);
        op!(
            self,
            env,
            |vfs, cred| Ok(vfs.pread(cred, &path, off, Some(len)).await?.to_vec()),
            |_e, v| Ok(Uint8Array::new(v))
        )
    }

    /// Create or replace a file, creating missing parent directories.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn write_file<'e>(
        &self,
        env: &'e Env,
        path: String,
        content: Either<String, Uint8Array>,
    ) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| vfs.write_file(cred, &path, content_bytes(content)).await,
            |_e, v| Ok(v)
        )
    }

    /// Write `data` at `offset` of an existing file.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn pwrite<'e>(
        &self,
        env: &'e Env,
        path: String,
        offset: f64,
        data: Either<String, Uint8Array>,
    ) -> Result<Object<'e>> {
        let opts = WriteOpts {
            pos: WritePos::At(offset.max(0.0) as u64),
            create: None,
            exclusive: false,
        };
        op!(
            self,
            env,
            |vfs, cred| vfs
                .write(cred, &path, content_bytes(data), opts)
                .await
                .map(|_| ()),
            |_e, v| Ok(v)
        )
    }

    /// Read several files; each result carries its content or its error.
    #[napi(ts_return_type = "Promise<ReadFileResult[]>")]
    pub fn read_files<'e>(&self, env: &'e Env, paths: Vec<String>) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| {
                let mut out = Vec::with_capacity(paths.len());
                for p in paths {
                    let r = vfs
                        .read_file(cred, &p)
                        .await
                        .map(|b| b.to_vec())
                        .map_err(|e| e.to_string());
                    out.push((p, r));
                }
                Ok(out)
            },
            |_e, v| Ok(v
                .into_iter()
                .map(|(path, r)| match r {
                    Ok(bytes) => ReadFileResult {
                        path,
                        content: Some(Uint8Array::new(bytes)),
                        error: None
                    },
                    Err(msg) => ReadFileResult {
                        path,
                        content: None,
                        error: Some(msg)
                    },
                })
                .collect::<Vec<_>>())
        )
    }

    /// Write several files, creating parents; each result says whether it was written.
    #[napi(ts_return_type = "Promise<WriteFileResult[]>")]
    pub fn write_files<'e>(
        &self,
        env: &'e Env,
        entries: Vec<WriteFileEntry>,
    ) -> Result<Object<'e>> {
        let entries: Vec<(String, Bytes)> = entries
            .into_iter()
            .map(|e| (e.path, content_bytes(e.content)))
            .collect();
        op!(
            self,
            env,
            |vfs, cred| {
                let mut out = Vec::with_capacity(entries.len());
                for (path, data) in entries {
                    let r = vfs.write_file(cred, &path, data).await;
                    out.push(WriteFileResult {
                        path,
                        success: r.is_ok(),
                        error: r.err().map(|e| e.to_string()),
                    });
                }
                Ok(out)
            },
            |_e, v| Ok(v)
        )
    }

    /// Create a directory (`recursive`: like `mkdir -p`).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn mkdir<'e>(&self, env: &'e Env, path: String, recursive: bool) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| if recursive {
                vfs.mkdir_all(cred, &path, 0o755).await
            } else {
                vfs.mkdir(cred, &path, 0o755).await
            },
            |_e, v| Ok(v)
        )
    }

    /// Entry names of a directory, in name order.
    #[napi(ts_return_type = "Promise<string[]>")]
    pub fn read_dir<'e>(&self, env: &'e Env, path: String) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| Ok(vfs
                .read_dir(cred, &path)
                .await?
                .into_iter()
                .map(|e| e.name)
                .collect::<Vec<_>>()),
            |_e, v| Ok(v)
        )
    }

    /// Entries of a directory with their `lstat`.
    #[napi(ts_return_type = "Promise<DirStatEntry[]>")]
    pub fn read_dir_stat<'e>(&self, env: &'e Env, path: String) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| Ok(vfs
                .read_dir(cred, &path)
                .await?
                .into_iter()
                .map(|e| DirStatEntry {
                    name: e.name,
                    stat: e.stat.into()
                })
                .collect::<Vec<_>>()),
            |_e, v| Ok(v)
        )
    }

    /// Every entry below `path`, breadth first.
    #[napi(ts_return_type = "Promise<TreeEntryResult[]>")]
    pub fn readdir_recursive<'e>(
        &self,
        env: &'e Env,
        path: String,
        max_depth: Option<f64>,
        exclude: Option<Vec<String>>,
    ) -> Result<Object<'e>> {
        let max_depth = max_depth.map(|d| d.max(0.0) as u32);
        let exclude = exclude.unwrap_or_default();
        op!(
            self,
            env,
            |vfs, cred| Ok(vfs
                .read_dir_recursive(cred, &path, max_depth, &exclude)
                .await?
                .into_iter()
                .map(|e| TreeEntryResult {
                    path: e.path,
                    r#type: type_name(e.stat.file_type).to_owned(),
                    size: e.stat.size as f64,
                })
                .collect::<Vec<_>>()),
            |_e, v| Ok(v)
        )
    }

    /// `stat` (follows symlinks).
    #[napi(ts_return_type = "Promise<StatResult>")]
    pub fn stat<'e>(&self, env: &'e Env, path: String) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| Ok(StatResult::from(vfs.stat(cred, &path, true).await?)),
            |_e, v| Ok(v)
        )
    }

    /// `lstat` (does not follow a last symlink).
    #[napi(ts_return_type = "Promise<StatResult>")]
    pub fn lstat<'e>(&self, env: &'e Env, path: String) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| Ok(StatResult::from(vfs.stat(cred, &path, false).await?)),
            |_e, v| Ok(v)
        )
    }

    /// Whether the path exists (following symlinks).
    #[napi(ts_return_type = "Promise<boolean>")]
    pub fn exists<'e>(&self, env: &'e Env, path: String) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| vfs.exists(cred, &path).await,
            |_e, v| Ok(v)
        )
    }

    /// `rename(2)`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn rename<'e>(&self, env: &'e Env, from: String, to: String) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| vfs.rename(cred, &from, &to).await,
            |_e, v| Ok(v)
        )
    }

    /// Move a file or directory, across mounts too.
    #[napi(js_name = "move", ts_return_type = "Promise<void>")]
    pub fn move_path<'e>(&self, env: &'e Env, from: String, to: String) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| vfs.move_path(cred, &from, &to).await,
            |_e, v| Ok(v)
        )
    }

    /// Remove a file or (empty, or with `recursive` any) directory.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn remove<'e>(&self, env: &'e Env, path: String, recursive: bool) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| vfs.remove(cred, &path, recursive).await,
            |_e, v| Ok(v)
        )
    }

    /// Remove a non-directory.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn remove_file<'e>(&self, env: &'e Env, path: String) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| vfs.unlink(cred, &path).await,
            |_e, v| Ok(v)
        )
    }

    /// Remove an empty directory.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn remove_dir<'e>(&self, env: &'e Env, path: String) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| vfs.rmdir(cred, &path).await,
            |_e, v| Ok(v)
        )
    }

    /// The canonical path.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn realpath<'e>(&self, env: &'e Env, path: String) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| vfs.realpath(cred, &path).await,
            |_e, v| Ok(v)
        )
    }

    /// Create a symbolic link `path` -> `target`.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn symlink<'e>(&self, env: &'e Env, target: String, path: String) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| vfs.symlink(cred, &target, &path).await,
            |_e, v| Ok(v)
        )
    }

    /// The target of a symbolic link.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn readlink<'e>(&self, env: &'e Env, path: String) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| vfs.readlink(cred, &path).await,
            |_e, v| Ok(v)
        )
    }

    /// Create a hard link.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn link<'e>(&self, env: &'e Env, from: String, to: String) -> Result<Object<'e>> {
        op!(
            self,
            env,
            |vfs, cred| vfs.link(cred, &from, &to).await,
            |_e, v| Ok(v)
        )
    }

    /// Change permission bits.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn chmod<'e>(&self, env: &'e Env, path: String, mode: u32) -> Result<Object<'e>> {
        let attr = SetAttr {
            perm: Some(mode & 0o7777),
            ..Default::default()
        };
        op!(
            self,
            env,
            |vfs, cred| vfs.set_attr(cred, &path, true, attr, "chmod").await,
            |_e, v| Ok(v)
        )
    }

    /// Change owner and group.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn chown<'e>(&self, env: &'e Env, path: String, uid: u32, gid: u32) -> Result<Object<'e>> {
        let attr = SetAttr {
            uid: Some(uid),
            gid: Some(gid),
            ..Default::default()
        };
        op!(
            self,
            env,
            |vfs, cred| vfs.set_attr(cred, &path, true, attr, "chown").await,
            |_e, v| Ok(v)
        )
    }

    /// Set access and modification times (seconds since the epoch, as Node's `fs.utimes`).
    #[napi(ts_return_type = "Promise<void>")]
    pub fn utimes<'e>(
        &self,
        env: &'e Env,
        path: String,
        atime: f64,
        mtime: f64,
    ) -> Result<Object<'e>> {
        let attr = SetAttr {
            atime_ns: Some(ns_from_secs(atime)),
            mtime_ns: Some(ns_from_secs(mtime)),
            ..Default::default()
        };
        op!(
            self,
            env,
            |vfs, cred| vfs.set_attr(cred, &path, true, attr, "utime").await,
            |_e, v| Ok(v)
        )
    }

    /// Set a file's length.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn truncate<'e>(&self, env: &'e Env, path: String, length: f64) -> Result<Object<'e>> {
        if length.is_nan() || length < 0.0 {
            let e = CoreError::errno(Errno::EINVAL, "truncate", path);
            return Err(super::error::to_js(env, &e));
        }
        let len = length as u64;
        op!(
            self,
            env,
            |vfs, cred| vfs.truncate(cred, &path, len).await,
            |_e, v| Ok(v)
        )
    }
}

/// A new, empty in-memory filesystem: mount it with `mountFs` or a `{ path, driver }` mount;
/// it is native, so the kernel reaches it without JS round trips.
#[napi]
pub fn create_native_memory_fs() -> JsFs {
    let fs = Arc::new(MemFs::new());
    JsFs {
        target: Target::Standalone {
            vfs: Arc::new(Vfs::new(fs.clone())),
            fs,
            read_only: false,
        },
        cred: Cred::ROOT,
    }
}

/// A host directory as a filesystem, confined to it (see `createHostDirBackend`): mount it
/// with `mountFs` or a `{ path, driver }` mount. `ENOENT`/`ENOTDIR` if `hostPath` is not a
/// directory.
#[napi]
pub fn create_native_host_dir(env: Env, host_path: String, read_only: bool) -> Result<JsFs> {
    let dir = crate::kernel::vfs::hostdir::HostDir::open(&host_path)
        .map_err(|e| CoreError::errno(e, "open", host_path.clone()));
    let dir = super::error::sync(&env, dir)?;
    let fs: Arc<dyn FileSystem> = Arc::new(dir);
    Ok(JsFs::over(fs, read_only))
}

/// `{ plugin: { id: "s3", config } }` of a mount.
#[napi(object)]
pub struct S3MountConfig {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix shown as the mount's root.
    pub prefix: Option<String>,
    /// Region (default `us-east-1`).
    pub region: Option<String>,
    /// Endpoint of an S3-compatible server (path-style requests).
    pub endpoint: Option<String>,
    /// Access key id (with `secretAccessKey`); none: unsigned requests.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<String>,
    /// Largest file buffered for writing, in bytes (default 1 GiB).
    pub max_file_bytes: Option<f64>,
}

/// An S3 bucket (or a prefix of one) as a filesystem (see `src/mounts/s3.rs`): mount it with
/// `mountFs` or a `{ path, driver }` mount. Nothing is requested until the first operation: a
/// wrong bucket is `ENOENT` there, wrong credentials `EACCES`.
#[napi]
pub fn create_native_s3(env: Env, config: S3MountConfig, read_only: bool) -> Result<JsFs> {
    let credentials = match (config.access_key_id, config.secret_access_key) {
        (Some(id), Some(secret)) => Some((id, secret)),
        (None, None) => None,
        _ => {
            let e = CoreError::api(
                ApiCode::InvalidOptions,
                "s3 credentials need both accessKeyId and secretAccessKey",
            );
            return super::error::sync(&env, Err(e));
        }
    };
    let cfg = crate::mounts::s3::S3Config {
        bucket: config.bucket,
        prefix: config.prefix,
        region: config.region,
        endpoint: config.endpoint,
        credentials,
        max_file_bytes: config.max_file_bytes.map(|b| b.max(0.0) as u64),
    };
    let s3 = crate::mounts::s3::S3Fs::new(cfg)
        .map_err(|m| CoreError::api(ApiCode::InvalidOptions, format!("s3 mount: {m}")));
    let s3 = super::error::sync(&env, s3)?;
    let fs: Arc<dyn FileSystem> = Arc::new(s3);
    Ok(JsFs::over(fs, read_only))
}
