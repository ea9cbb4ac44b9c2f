//! An S3 bucket (or a prefix of one) as a filesystem backend, through `object_store`.
//!
//! * Objects under `bucket/prefix` are files; a directory is a common prefix (S3 has none of its
//!   own). `mkdir` writes a zero-byte marker object `<dir>/.agentos-dir` (hidden from listings)
//!   so an empty directory exists; `object_store` paths cannot end in `/`, so the usual
//!   `<dir>/` marker cannot be written, but such markers made by other tools are honoured.
//!   Removing the last file of a directory re-creates its parent's marker, so the directory
//!   stays, as on POSIX.
//! * Reads are ranged GETs of 4 MiB blocks, with a tiny per-object cache of the last few blocks
//!   and of the object's size (refreshed by a HEAD after [`META_TTL`]), so `cat` of a large
//!   object streams instead of downloading it per `read(2)`.
//! * Writes. The [`FileSystem`] contract is path-based with offsets and has no `close`, so
//!   "upload on close" maps as follows: a whole-content write (`WritePos::Truncate`, which
//!   `writeFile` and `open(O_TRUNC)` use) and `truncate` upload before they return (errors
//!   reach the caller); positioned and appending writes (a process writing through a file
//!   descriptor) go to an in-memory dirty buffer (at most `max_file_bytes`, else `EFBIG`) that
//!   is uploaded once the file has seen no write for [`QUIET`], i.e. shortly after the writer
//!   stops. The VM reads its own writes from the buffer at once; other S3 clients see them
//!   after the upload. A failed background upload is logged and retried after the next write
//!   or a rename/unlink of the file. Objects above [`MULTIPART_THRESHOLD`] are uploaded with a
//!   multipart upload.
//! * `rename` is copy + delete (object by object for a directory), not atomic.
//! * Symbolic and hard links cannot be created (`EPERM`); `chmod`/`chown` to anything but the
//!   fixed `0644`/`0755` and `user` ownership is `EPERM`; times cannot be set and are ignored.
//! * There are no symlinks, so paths resolve lexically, except that `x/..` checks that `x` is a
//!   directory; `..` above the root and nested mounts answer with a [`Redirect`].
//! * Credentials and endpoint come only from the mount's config, never from the host's
//!   environment or instance metadata; without credentials requests are unsigned (public
//!   buckets).
//!
//! This module is a sanctioned exception of `clippy.toml`: it talks to the configured S3
//! endpoint over the host network (through `object_store`'s HTTP client; no listed host API is
//! called here directly).

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as OPath;
use object_store::{ObjectStore, PutPayload};
use parking_lot::Mutex;

use crate::kernel::errno::Errno;
use crate::kernel::vfs::fs::{
    Cred, Ctx, DirEntry, FileSystem, FileType, FsErr, FsResult, Redirect, SetAttr, Stat, WriteOpts,
    WritePos,
};

/// Name of the zero-byte object that keeps an empty directory in existence.
pub const DIR_MARKER: &str = ".agentos-dir";
/// Objects larger than this are uploaded as a multipart upload, in parts of this size.
pub const MULTIPART_THRESHOLD: usize = 8 << 20;
/// Size of a ranged GET.
const BLOCK: u64 = 4 << 20;
/// Cached blocks per object.
const CACHED_BLOCKS: usize = 4;
/// How long a cached object size is trusted before a new HEAD.
pub const META_TTL: Duration = Duration::from_secs(2);
/// A dirty buffer is uploaded once it has seen no write for this long.
pub const QUIET: Duration = Duration::from_millis(150);

/// Where the bucket is and how to reach it.
#[derive(Clone, Debug, Default)]
pub struct S3Config {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix the mount shows (without leading or trailing `/`; empty: the whole bucket).
    pub prefix: Option<String>,
    /// Region (default `us-east-1`).
    pub region: Option<String>,
    /// Endpoint URL of an S3-compatible server (path-style requests; `http://` allowed).
    pub endpoint: Option<String>,
    /// Access key id and secret; `None`: unsigned requests.
    pub credentials: Option<(String, String)>,
    /// Largest file the mount buffers for writing (default 1 GiB).
    pub max_file_bytes: Option<u64>,
}

/// An S3 bucket as a filesystem backend (cheap to clone: a handle).
#[derive(Clone)]
pub struct S3Fs {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for S3Fs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Fs")
            .field("bucket", &self.inner.bucket)
            .field("prefix", &self.inner.base)
            .finish()
    }
}

struct Dirty {
    data: Vec<u8>,
    gen: u64,
    last_write: Instant,
    flusher: bool,
    mtime_ns: i64,
}

struct Cached {
    size: u64,
    mtime_ns: i64,
    checked: Instant,
    blocks: Vec<(u64, Bytes)>,
}

struct Inner {
    store: AmazonS3,
    bucket: String,
    base: Vec<String>,
    max_file_bytes: u64,
    dirty: Mutex<HashMap<String, Dirty>>,
    cache: Mutex<HashMap<String, Cached>>,
    /// Serialises uploads and deletions, so an older background upload never lands after a
    /// newer write or a deletion.
    upload: tokio::sync::Mutex<()>,
    gen: std::sync::atomic::AtomicU64,
}

/// What a path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File { size: u64, mtime_ns: i64 },
    Dir,
    Missing,
}

/// The kernel's errno for an `object_store` error.
fn os_errno(e: &object_store::Error) -> Errno {
    use object_store::Error as E;
    match e {
        E::NotFound { .. } => Errno::ENOENT,
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => Errno::EACCES,
        E::AlreadyExists { .. } => Errno::EEXIST,
        E::NotSupported { .. } | E::NotImplemented => Errno::ENOTSUP,
        // Listing errors arrive as `Generic` with the HTTP status only in the message.
        E::Generic { .. } => {
            let m = e.to_string();
            if m.contains("NoSuchBucket") || m.contains("404 Not Found") {
                Errno::ENOENT
            } else if m.contains("403 Forbidden") || m.contains("401 Unauthorized") {
                Errno::EACCES
            } else {
                Errno::EIO
            }
        }
        _ => Errno::EIO,
    }
}

fn os_err(e: object_store::Error) -> FsErr {
    tracing::debug!(error = %e, "s3 request failed");
    FsErr::Errno(os_errno(&e))
}

fn now_ns() -> i64 {
    chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
}

fn ts_ns(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_nanos_opt().unwrap_or(0)
}

/// FNV-1a of the key: a stable inode number.
fn ino_of(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h | 1
}

fn stat_of(kind: Kind, key: &str, nlink: u32) -> Stat {
    let (file_type, perm, size, t) = match kind {
        Kind::File { size, mtime_ns } => (FileType::File, 0o644, size, mtime_ns),
        _ => (FileType::Dir, 0o755, 4096, 0),
    };
    Stat {
        file_type,
        perm,
        ino: ino_of(key),
        nlink,
        uid: Cred::USER.uid,
        gid: Cred::USER.gid,
        size,
        atime_ns: t,
        mtime_ns: t,
        ctime_ns: t,
        birthtime_ns: t,
    }
}

/// A path resolved to its components below the mount root.
struct Resolved {
    comps: Vec<String>,
    /// A trailing `/`, `.` or `..`: the target must be a directory.
    must_dir: bool,
    /// Prefixes that `..` climbed out of: each must be a directory.
    climbed: Vec<Vec<String>>,
}

fn resolve(at: &Ctx<'_>) -> FsResult<Resolved> {
    let parts: Vec<&str> = at.path.split('/').filter(|c| !c.is_empty()).collect();
    let mut comps: Vec<String> = Vec::new();
    let mut climbed = Vec::new();
    let mut must_dir = at.path.len() > 1 && at.path.ends_with('/');
    for (i, &c) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        match c {
            "." => must_dir |= last,
            ".." => {
                if comps.is_empty() {
                    return Err(FsErr::Redirect(Redirect::Up(
                        crate::kernel::vfs::path::join_rest(String::new(), &parts[i + 1..]),
                    )));
                }
                climbed.push(comps.clone());
                comps.pop();
                must_dir |= last;
            }
            name => {
                if name.len() > 255 {
                    return Err(Errno::ENAMETOOLONG.into());
                }
                comps.push(name.to_owned());
                if !at.nested.is_empty() {
                    let here = format!("/{}", comps.join("/"));
                    if at.nested.iter().any(|m| **m == *here) {
                        return Err(FsErr::Redirect(Redirect::Mount(
                            crate::kernel::vfs::path::join_rest(here, &parts[i + 1..]),
                        )));
                    }
                }
            }
        }
    }
    Ok(Resolved {
        comps,
        must_dir,
        climbed,
    })
}

fn check_name(path: &str) -> FsResult<()> {
    crate::kernel::vfs::path::check_entry_name(path).map_err(FsErr::Errno)
}

impl S3Fs {
    /// A backend for `config`. Nothing is requested yet: a wrong bucket or credentials show as
    /// `ENOENT`/`EACCES` on the first operation.
    pub fn new(config: S3Config) -> Result<S3Fs, String> {
        if config.bucket.is_empty() {
            return Err("bucket must not be empty".into());
        }
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(config.region.as_deref().unwrap_or("us-east-1"));
        if let Some(ep) = &config.endpoint {
            b = b
                .with_endpoint(ep)
                .with_allow_http(ep.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        b = match &config.credentials {
            Some((id, secret)) => b.with_access_key_id(id).with_secret_access_key(secret),
            // Never fall back to the host's instance metadata or environment.
            None => b.with_skip_signature(true),
        };
        let store = b.build().map_err(|e| e.to_string())?;
        let base = config
            .prefix
            .as_deref()
            .unwrap_or("")
            .split('/')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(S3Fs {
            inner: Arc::new(Inner {
                store,
                bucket: config.bucket,
                base,
                max_file_bytes: config.max_file_bytes.unwrap_or(1 << 30),
                dirty: Mutex::new(HashMap::new()),
                cache: Mutex::new(HashMap::new()),
                upload: tokio::sync::Mutex::new(()),
                gen: std::sync::atomic::AtomicU64::new(1),
            }),
        })
    }

    /// Upload every dirty buffer now.
    pub async fn sync(&self) -> FsResult<()> {
        let keys: Vec<String> = self.inner.dirty.lock().keys().cloned().collect();
        for k in keys {
            self.inner.flush(&k).await?;
        }
        Ok(())
    }
}

impl Inner {
    fn path(&self, comps: &[String]) -> OPath {
        OPath::from_iter(self.base.iter().chain(comps.iter()).map(String::as_str))
    }

    /// One level of the directory `comps`, by delimiter (the bucket's root lists with no
    /// prefix at all).
    async fn list_dir(&self, comps: &[String]) -> FsResult<object_store::ListResult> {
        let path = self.path(comps);
        let prefix = (!(comps.is_empty() && self.base.is_empty())).then_some(&path);
        self.store.list_with_delimiter(prefix).await.map_err(os_err)
    }

    fn key(&self, comps: &[String]) -> String {
        self.path(comps).to_string()
    }

    fn marker(&self, comps: &[String]) -> OPath {
        self.path(comps).child(DIR_MARKER)
    }

    fn invalidate(&self, key: &str) {
        self.cache.lock().remove(key);
    }

    /// Whether a dirty (not yet uploaded) file lives under the directory `key`.
    fn dirty_below(&self, key: &str) -> bool {
        let pre = if key.is_empty() {
            String::new()
        } else {
            format!("{key}/")
        };
        self.dirty.lock().keys().any(|k| k.starts_with(&pre))
    }

    async fn kind(&self, comps: &[String]) -> FsResult<Kind> {
        if comps.is_empty() {
            return Ok(Kind::Dir);
        }
        let key = self.key(comps);
        if let Some(d) = self.dirty.lock().get(&key) {
            return Ok(Kind::File {
                size: d.data.len() as u64,
                mtime_ns: d.mtime_ns,
            });
        }
        match self.store.head(&self.path(comps)).await {
            Ok(m) => {
                return Ok(Kind::File {
                    size: m.size,
                    mtime_ns: ts_ns(m.last_modified),
                })
            }
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(os_err(e)),
        }
        if self.dirty_below(&key) {
            return Ok(Kind::Dir);
        }
        let path = self.path(comps);
        let mut list = self.store.list(Some(&path));
        match list.next().await {
            Some(Ok(_)) => Ok(Kind::Dir),
            Some(Err(e)) => Err(os_err(e)),
            None => Ok(Kind::Missing),
        }
    }

    /// The error for a missing `comps`: `ENOTDIR` if an ancestor is a file, else `ENOENT`.
    async fn missing(&self, comps: &[String]) -> FsErr {
        for i in (1..comps.len()).rev() {
            match self.kind(&comps[..i]).await {
                Ok(Kind::Missing) => continue,
                Ok(Kind::File { .. }) => return Errno::ENOTDIR.into(),
                Ok(Kind::Dir) => return Errno::ENOENT.into(),
                Err(e) => return e,
            }
        }
        Errno::ENOENT.into()
    }

    /// Resolve and find what the path names (`..` checked, a trailing slash on a file is
    /// `ENOTDIR`).
    async fn lookup(&self, at: &Ctx<'_>) -> FsResult<(Resolved, Kind)> {
        let r = resolve(at)?;
        for c in &r.climbed {
            match self.kind(c).await? {
                Kind::Dir => {}
                Kind::File { .. } => return Err(Errno::ENOTDIR.into()),
                Kind::Missing => return Err(self.missing(c).await),
            }
        }
        let k = self.kind(&r.comps).await?;
        if r.must_dir && matches!(k, Kind::File { .. }) {
            return Err(Errno::ENOTDIR.into());
        }
        Ok((r, k))
    }

    /// `lookup` that requires the object to exist.
    async fn existing(&self, at: &Ctx<'_>) -> FsResult<(Resolved, Kind)> {
        let (r, k) = self.lookup(at).await?;
        if k == Kind::Missing {
            return Err(self.missing(&r.comps).await);
        }
        Ok((r, k))
    }

    /// The parent of a new entry must be a directory.
    async fn parent_ok(&self, comps: &[String]) -> FsResult<()> {
        if comps.len() <= 1 {
            return Ok(());
        }
        let parent = &comps[..comps.len() - 1];
        match self.kind(parent).await? {
            Kind::Dir => Ok(()),
            Kind::File { .. } => Err(Errno::ENOTDIR.into()),
            Kind::Missing => Err(self.missing(parent).await),
        }
    }

    /// Keep the parent directory of a removed entry in existence.
    async fn keep_parent(&self, comps: &[String]) -> FsResult<()> {
        if comps.len() <= 1 {
            return Ok(());
        }
        self.store
            .put(&self.marker(&comps[..comps.len() - 1]), PutPayload::new())
            .await
            .map_err(os_err)?;
        Ok(())
    }

    /// Upload `data` as the object `path`: one PUT, or a multipart upload above the threshold.
    async fn put(&self, path: &OPath, data: Bytes) -> FsResult<()> {
        if data.len() <= MULTIPART_THRESHOLD {
            self.store
                .put(path, PutPayload::from(data))
                .await
                .map_err(os_err)?;
            return Ok(());
        }
        let mut up = self.store.put_multipart(path).await.map_err(os_err)?;
        let mut result = Ok(());
        let mut off = 0;
        while off < data.len() {
            let end = (off + MULTIPART_THRESHOLD).min(data.len());
            if let Err(e) = up.put_part(PutPayload::from(data.slice(off..end))).await {
                result = Err(e);
                break;
            }
            off = end;
        }
        match result {
            Ok(()) => {
                up.complete().await.map_err(os_err)?;
                Ok(())
            }
            Err(e) => {
                let _ = up.abort().await;
                Err(os_err(e))
            }
        }
    }

    /// Upload the dirty buffer of `key` (if any) now.
    async fn flush(&self, key: &str) -> FsResult<()> {
        let _g = self.upload.lock().await;
        let snap = {
            let d = self.dirty.lock();
            d.get(key).map(|d| (Bytes::copy_from_slice(&d.data), d.gen))
        };
        let Some((data, gen)) = snap else {
            return Ok(());
        };
        let path = OPath::from(key);
        self.put(&path, data).await?;
        self.invalidate(key);
        let mut d = self.dirty.lock();
        if d.get(key).is_some_and(|x| x.gen == gen) {
            d.remove(key);
        }
        Ok(())
    }

    /// Flush every dirty buffer at or below `key`.
    async fn flush_below(&self, key: &str) -> FsResult<()> {
        let pre = format!("{key}/");
        let keys: Vec<String> = self
            .dirty
            .lock()
            .keys()
            .filter(|k| *k == key || k.starts_with(&pre))
            .cloned()
            .collect();
        for k in keys {
            self.flush(&k).await?;
        }
        Ok(())
    }

    /// Background upload of `key` once it is quiet.
    async fn flusher(weak: Weak<Inner>, key: String) {
        loop {
            tokio::time::sleep(QUIET).await;
            let Some(me) = weak.upgrade() else { return };
            let wait = {
                let mut d = me.dirty.lock();
                let Some(x) = d.get_mut(&key) else { return };
                let idle = x.last_write.elapsed();
                if idle >= QUIET {
                    x.flusher = false;
                    None
                } else {
                    Some(())
                }
            };
            if wait.is_some() {
                continue;
            }
            if let Err(e) = me.flush(&key).await {
                tracing::warn!(bucket = %me.bucket, key = %key, error = ?e, "s3 upload failed; retried on the next write");
            }
            return;
        }
    }

    /// The whole current content of `key` (dirty buffer or object).
    async fn content(&self, key: &str) -> FsResult<Vec<u8>> {
        if let Some(d) = self.dirty.lock().get(key) {
            return Ok(d.data.clone());
        }
        let r = self.store.get(&OPath::from(key)).await.map_err(os_err)?;
        Ok(r.bytes().await.map_err(os_err)?.to_vec())
    }

    /// Size and mtime of `key` for reading (cached for `META_TTL`).
    async fn meta(&self, key: &str) -> FsResult<Option<(u64, i64)>> {
        if let Some(c) = self.cache.lock().get(key) {
            if c.checked.elapsed() < META_TTL {
                return Ok(Some((c.size, c.mtime_ns)));
            }
        }
        match self.store.head(&OPath::from(key)).await {
            Ok(m) => {
                let (size, mtime_ns) = (m.size, ts_ns(m.last_modified));
                let mut cache = self.cache.lock();
                let c = cache.entry(key.to_owned()).or_insert(Cached {
                    size,
                    mtime_ns,
                    checked: Instant::now(),
                    blocks: Vec::new(),
                });
                if c.size != size || c.mtime_ns != mtime_ns {
                    c.blocks.clear();
                }
                c.size = size;
                c.mtime_ns = mtime_ns;
                c.checked = Instant::now();
                Ok(Some((size, mtime_ns)))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(os_err(e)),
        }
    }

    async fn block(&self, key: &str, idx: u64, size: u64) -> FsResult<Bytes> {
        if let Some(c) = self.cache.lock().get(key) {
            if let Some((_, b)) = c.blocks.iter().find(|(i, _)| *i == idx) {
                return Ok(b.clone());
            }
        }
        let start = idx * BLOCK;
        let end = (start + BLOCK).min(size);
        let b = self
            .store
            .get_range(&OPath::from(key), start..end)
            .await
            .map_err(os_err)?;
        if let Some(c) = self.cache.lock().get_mut(key) {
            if c.blocks.len() >= CACHED_BLOCKS {
                c.blocks.remove(0);
            }
            c.blocks.push((idx, b.clone()));
        }
        Ok(b)
    }
}

/// Apply a write to a buffer.
fn apply(buf: &mut Vec<u8>, data: &[u8], pos: WritePos) {
    let off = match pos {
        WritePos::Truncate => {
            buf.clear();
            0
        }
        WritePos::Append => buf.len(),
        WritePos::At(o) => o as usize,
    };
    let end = off + data.len();
    if buf.len() < end {
        buf.resize(end, 0);
    }
    buf[off..end].copy_from_slice(data);
}

/// The operations, run on the S3 runtime by the [`FileSystem`] impl below.
impl S3Fs {
    async fn do_stat(&self, at: Ctx<'_>, _follow: bool) -> FsResult<Stat> {
        let me = &self.inner;
        let (r, k) = me.existing(&at).await?;
        let key = me.key(&r.comps);
        let nlink = match k {
            Kind::Dir => 2 + me.list_dir(&r.comps).await?.common_prefixes.len() as u32,
            _ => 1,
        };
        Ok(stat_of(k, &key, nlink))
    }

    async fn do_realpath(&self, at: Ctx<'_>) -> FsResult<String> {
        let (r, _) = self.inner.existing(&at).await?;
        Ok(format!("/{}", r.comps.join("/")))
    }

    async fn do_read(&self, at: Ctx<'_>, offset: u64, len: Option<u64>) -> FsResult<Bytes> {
        let me = &self.inner;
        let r = resolve(&at)?;
        if r.must_dir || !r.climbed.is_empty() {
            // Rare shapes: take the full lookup for the right errors.
            let (_, k) = me.existing(&at).await?;
            if k == Kind::Dir {
                return Err(Errno::EISDIR.into());
            }
        }
        if r.comps.is_empty() {
            return Err(Errno::EISDIR.into());
        }
        let key = me.key(&r.comps);
        if let Some(d) = me.dirty.lock().get(&key) {
            let n = d.data.len() as u64;
            let s = offset.min(n) as usize;
            let e = len.map_or(n, |l| offset.saturating_add(l).min(n)) as usize;
            return Ok(Bytes::copy_from_slice(&d.data[s..e]));
        }
        let Some((size, _)) = me.meta(&key).await? else {
            return Err(match me.kind(&r.comps).await? {
                Kind::Dir => Errno::EISDIR.into(),
                _ => me.missing(&r.comps).await,
            });
        };
        let end = len.map_or(size, |l| offset.saturating_add(l).min(size));
        if offset >= end {
            return Ok(Bytes::new());
        }
        if len.is_none() || end - offset > BLOCK {
            return me
                .store
                .get_range(&OPath::from(key.as_str()), offset..end)
                .await
                .map_err(os_err);
        }
        let (first, last) = (offset / BLOCK, (end - 1) / BLOCK);
        let mut out = Vec::with_capacity((end - offset) as usize);
        for idx in first..=last {
            let b = me.block(&key, idx, size).await?;
            let bs = idx * BLOCK;
            let s = (offset.max(bs) - bs) as usize;
            let e = ((end.min(bs + BLOCK) - bs) as usize).min(b.len());
            if s < e {
                out.extend_from_slice(&b[s..e]);
            }
        }
        Ok(Bytes::from(out))
    }

    async fn do_write(&self, at: Ctx<'_>, data: Bytes, opts: WriteOpts) -> FsResult<u64> {
        let me = &self.inner;
        let (r, k) = me.lookup(&at).await?;
        if r.comps.is_empty() {
            return Err(Errno::EISDIR.into());
        }
        match k {
            Kind::Dir => return Err(Errno::EISDIR.into()),
            Kind::Missing => {
                crate::kernel::vfs::path::create_mode(at.path, opts.create, at.read_only)?;
                me.parent_ok(&r.comps).await?;
            }
            Kind::File { .. } => {
                if opts.create.is_some() && opts.exclusive {
                    return Err(Errno::EEXIST.into());
                }
                if at.read_only {
                    return Err(Errno::EROFS.into());
                }
            }
        }
        let key = me.key(&r.comps);
        let mut buf = match (opts.pos, k) {
            (WritePos::Truncate, _) | (_, Kind::Missing) => Vec::new(),
            _ => me.content(&key).await?,
        };
        let new_len = match opts.pos {
            WritePos::Truncate => data.len() as u64,
            WritePos::Append => buf.len() as u64 + data.len() as u64,
            WritePos::At(o) => (buf.len() as u64).max(o.saturating_add(data.len() as u64)),
        };
        if new_len > me.max_file_bytes {
            return Err(Errno::EFBIG.into());
        }
        if opts.pos == WritePos::Truncate {
            // A whole-content write is complete: upload it now.
            let _g = me.upload.lock().await;
            me.dirty.lock().remove(&key);
            me.put(&OPath::from(key.as_str()), data).await?;
            me.invalidate(&key);
            return Ok(new_len);
        }
        let gen = me.gen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let spawn = {
            let mut d = me.dirty.lock();
            if let Some(x) = d.get_mut(&key) {
                // Another write got here first: apply on top of the buffer.
                buf = std::mem::take(&mut x.data);
            }
            apply(&mut buf, &data, opts.pos);
            let len = buf.len() as u64;
            let e = d.entry(key.clone()).or_insert(Dirty {
                data: Vec::new(),
                gen,
                last_write: Instant::now(),
                flusher: false,
                mtime_ns: 0,
            });
            e.data = buf;
            e.gen = gen;
            e.last_write = Instant::now();
            e.mtime_ns = now_ns();
            let spawn = !e.flusher;
            e.flusher = true;
            drop(d);
            me.invalidate(&key);
            (spawn, len)
        };
        if spawn.0 {
            tokio::spawn(Inner::flusher(Arc::downgrade(&self.inner), key));
        }
        Ok(spawn.1)
    }

    async fn do_truncate(&self, at: Ctx<'_>, len: u64) -> FsResult<()> {
        let me = &self.inner;
        let (r, k) = me.existing(&at).await?;
        if k == Kind::Dir {
            return Err(Errno::EISDIR.into());
        }
        if at.read_only {
            return Err(Errno::EROFS.into());
        }
        if len > me.max_file_bytes {
            return Err(Errno::EFBIG.into());
        }
        let key = me.key(&r.comps);
        me.flush(&key).await?;
        let mut buf = me.content(&key).await?;
        buf.resize(len as usize, 0);
        let _g = me.upload.lock().await;
        me.put(&OPath::from(key.as_str()), Bytes::from(buf)).await?;
        me.invalidate(&key);
        Ok(())
    }

    async fn do_read_dir(&self, at: Ctx<'_>) -> FsResult<Vec<DirEntry>> {
        let me = &self.inner;
        let (r, k) = me.existing(&at).await?;
        if k != Kind::Dir {
            return Err(Errno::ENOTDIR.into());
        }
        let path = me.path(&r.comps);
        let list = me.list_dir(&r.comps).await?;
        let mut out: std::collections::BTreeMap<String, Stat> = Default::default();
        for o in list.objects {
            let Some(name) = o.location.filename() else {
                continue;
            };
            if o.location == path || name == DIR_MARKER {
                continue;
            }
            let kind = Kind::File {
                size: o.size,
                mtime_ns: ts_ns(o.last_modified),
            };
            out.insert(name.to_owned(), stat_of(kind, o.location.as_ref(), 1));
        }
        for p in list.common_prefixes {
            let Some(name) = p.filename() else { continue };
            out.insert(name.to_owned(), stat_of(Kind::Dir, p.as_ref(), 2));
        }
        // Files written but not yet uploaded.
        let key = path.to_string();
        let pre = if key.is_empty() {
            String::new()
        } else {
            format!("{key}/")
        };
        for (k, d) in me.dirty.lock().iter() {
            let Some(rest) = k.strip_prefix(&pre) else {
                continue;
            };
            match rest.split_once('/') {
                None => {
                    let kind = Kind::File {
                        size: d.data.len() as u64,
                        mtime_ns: d.mtime_ns,
                    };
                    out.insert(rest.to_owned(), stat_of(kind, k, 1));
                }
                Some((dir, _)) => {
                    out.entry(dir.to_owned())
                        .or_insert_with(|| stat_of(Kind::Dir, &format!("{pre}{dir}"), 2));
                }
            }
        }
        Ok(out
            .into_iter()
            .map(|(name, stat)| DirEntry { name, stat })
            .collect())
    }

    async fn do_mkdir(&self, at: Ctx<'_>, _perm: u32) -> FsResult<()> {
        let me = &self.inner;
        let (r, k) = me.lookup(&at).await?;
        if k != Kind::Missing {
            return Err(Errno::EEXIST.into());
        }
        check_name(at.path)?;
        me.parent_ok(&r.comps).await?;
        if at.read_only {
            return Err(Errno::EROFS.into());
        }
        me.store
            .put(&me.marker(&r.comps), PutPayload::new())
            .await
            .map_err(os_err)?;
        Ok(())
    }

    async fn do_rmdir(&self, at: Ctx<'_>) -> FsResult<()> {
        check_name(at.path)?;
        let me = &self.inner;
        let (r, k) = me.existing(&at).await?;
        if k != Kind::Dir {
            return Err(Errno::ENOTDIR.into());
        }
        if at.read_only {
            return Err(Errno::EROFS.into());
        }
        let path = me.path(&r.comps);
        if me.dirty_below(path.as_ref()) {
            return Err(Errno::ENOTEMPTY.into());
        }
        let mut list = me.store.list(Some(&path));
        while let Some(o) = list.next().await {
            let o = o.map_err(os_err)?;
            if o.location != me.marker(&r.comps) && o.location != path {
                return Err(Errno::ENOTEMPTY.into());
            }
        }
        drop(list);
        let _g = me.upload.lock().await;
        match me.store.delete(&me.marker(&r.comps)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(os_err(e)),
        }
        me.keep_parent(&r.comps).await
    }

    async fn do_unlink(&self, at: Ctx<'_>) -> FsResult<()> {
        check_name(at.path)?;
        let me = &self.inner;
        let (r, k) = me.existing(&at).await?;
        if k == Kind::Dir {
            return Err(Errno::EISDIR.into());
        }
        if at.read_only {
            return Err(Errno::EROFS.into());
        }
        let key = me.key(&r.comps);
        let _g = me.upload.lock().await;
        me.dirty.lock().remove(&key);
        me.invalidate(&key);
        match me.store.delete(&OPath::from(key.as_str())).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(os_err(e)),
        }
        me.keep_parent(&r.comps).await
    }

    async fn do_rename(&self, from: Ctx<'_>, to: Ctx<'_>) -> FsResult<()> {
        check_name(from.path)?;
        check_name(to.path)?;
        let me = &self.inner;
        let (src, sk) = me.existing(&from).await?;
        let (dst, dk) = me.lookup(&to).await?;
        if src.comps == dst.comps {
            return Ok(());
        }
        match (sk, dk) {
            (Kind::File { .. }, Kind::Dir) => return Err(Errno::EISDIR.into()),
            (Kind::Dir, Kind::File { .. }) => return Err(Errno::ENOTDIR.into()),
            (Kind::Dir, _) if dst.comps.starts_with(&src.comps) => return Err(Errno::EINVAL.into()),
            (_, Kind::Missing) => me.parent_ok(&dst.comps).await?,
            _ => {}
        }
        if dk == Kind::Dir {
            let dpath = me.path(&dst.comps);
            let mut list = me.store.list(Some(&dpath));
            while let Some(o) = list.next().await {
                if o.map_err(os_err)?.location != me.marker(&dst.comps) {
                    return Err(Errno::ENOTEMPTY.into());
                }
            }
        }
        if from.read_only || to.read_only {
            return Err(Errno::EROFS.into());
        }
        let skey = me.key(&src.comps);
        me.flush_below(&skey).await?;
        let _g = me.upload.lock().await;
        let spath = me.path(&src.comps);
        let dpath = me.path(&dst.comps);
        if matches!(sk, Kind::File { .. }) {
            me.store.copy(&spath, &dpath).await.map_err(os_err)?;
            me.store.delete(&spath).await.map_err(os_err)?;
            me.invalidate(&skey);
            me.invalidate(dpath.as_ref());
        } else {
            let mut objs = Vec::new();
            let mut list = me.store.list(Some(&spath));
            while let Some(o) = list.next().await {
                objs.push(o.map_err(os_err)?.location);
            }
            drop(list);
            let skey_pre = format!("{skey}/");
            for o in &objs {
                let rel = o.as_ref().strip_prefix(&skey_pre).unwrap_or(o.as_ref());
                let target = OPath::from(format!("{dpath}/{rel}"));
                me.store.copy(o, &target).await.map_err(os_err)?;
                me.invalidate(target.as_ref());
            }
            // The destination exists even if the source was an implicit (marker-less) dir.
            me.store
                .put(&me.marker(&dst.comps), PutPayload::new())
                .await
                .map_err(os_err)?;
            for o in &objs {
                me.store.delete(o).await.map_err(os_err)?;
                me.invalidate(o.as_ref());
            }
        }
        me.keep_parent(&src.comps).await
    }

    async fn do_link(&self, from: Ctx<'_>, to: Ctx<'_>) -> FsResult<()> {
        self.inner.existing(&from).await?;
        if to.read_only {
            return Err(Errno::EROFS.into());
        }
        Err(Errno::EPERM.into())
    }

    async fn do_symlink(&self, _target: &str, at: Ctx<'_>) -> FsResult<()> {
        let (_, k) = self.inner.lookup(&at).await?;
        if k != Kind::Missing {
            return Err(Errno::EEXIST.into());
        }
        if at.read_only {
            return Err(Errno::EROFS.into());
        }
        Err(Errno::EPERM.into())
    }

    async fn do_readlink(&self, at: Ctx<'_>) -> FsResult<String> {
        self.inner.existing(&at).await?;
        Err(Errno::EINVAL.into())
    }

    async fn do_set_attr(&self, at: Ctx<'_>, _follow: bool, attr: SetAttr) -> FsResult<()> {
        let (_, k) = self.inner.existing(&at).await?;
        if at.read_only {
            return Err(Errno::EROFS.into());
        }
        let perm = if k == Kind::Dir { 0o755 } else { 0o644 };
        if attr.perm.is_some_and(|p| p & 0o7777 != perm)
            || attr.uid.is_some_and(|u| u != Cred::USER.uid)
            || attr.gid.is_some_and(|g| g != Cred::USER.gid)
        {
            return Err(Errno::EPERM.into());
        }
        // Times cannot be set on objects: accepted and ignored.
        Ok(())
    }
}

/// The backend's own runtime: guest `node` runs system calls synchronously on its own thread,
/// outside any runtime with an I/O driver, so every operation (and each background upload) runs
/// here and the caller awaits its join handle, which works from any executor.
fn runtime() -> Option<&'static tokio::runtime::Runtime> {
    static RT: std::sync::OnceLock<Option<tokio::runtime::Runtime>> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("agentos-s3")
            .enable_all()
            .build()
            .ok()
    })
    .as_ref()
}

async fn on_rt<T: Send + 'static>(
    f: impl std::future::Future<Output = FsResult<T>> + Send + 'static,
) -> FsResult<T> {
    let rt = runtime().ok_or(FsErr::Errno(Errno::EIO))?;
    rt.spawn(f).await.map_err(|_| FsErr::Errno(Errno::EIO))?
}

/// An owned [`Ctx`], to cross into the S3 runtime.
struct Owned {
    path: String,
    nested: Vec<Box<str>>,
    cred: Cred,
    read_only: bool,
}

impl Owned {
    fn of(c: &Ctx<'_>) -> Owned {
        Owned {
            path: c.path.to_owned(),
            nested: c.nested.to_vec(),
            cred: c.cred,
            read_only: c.read_only,
        }
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            path: &self.path,
            nested: &self.nested,
            cred: self.cred,
            read_only: self.read_only,
        }
    }
}

#[async_trait]
impl FileSystem for S3Fs {
    async fn stat(&self, at: Ctx<'_>, follow: bool) -> FsResult<Stat> {
        let (me, at) = (self.clone(), Owned::of(&at));
        on_rt(async move { me.do_stat(at.ctx(), follow).await }).await
    }
    async fn realpath(&self, at: Ctx<'_>) -> FsResult<String> {
        let (me, at) = (self.clone(), Owned::of(&at));
        on_rt(async move { me.do_realpath(at.ctx()).await }).await
    }
    async fn read(&self, at: Ctx<'_>, offset: u64, len: Option<u64>) -> FsResult<Bytes> {
        let (me, at) = (self.clone(), Owned::of(&at));
        on_rt(async move { me.do_read(at.ctx(), offset, len).await }).await
    }
    async fn write(&self, at: Ctx<'_>, data: Bytes, opts: WriteOpts) -> FsResult<u64> {
        let (me, at) = (self.clone(), Owned::of(&at));
        on_rt(async move { me.do_write(at.ctx(), data, opts).await }).await
    }
    async fn truncate(&self, at: Ctx<'_>, len: u64) -> FsResult<()> {
        let (me, at) = (self.clone(), Owned::of(&at));
        on_rt(async move { me.do_truncate(at.ctx(), len).await }).await
    }
    async fn read_dir(&self, at: Ctx<'_>) -> FsResult<Vec<DirEntry>> {
        let (me, at) = (self.clone(), Owned::of(&at));
        on_rt(async move { me.do_read_dir(at.ctx()).await }).await
    }
    async fn mkdir(&self, at: Ctx<'_>, perm: u32) -> FsResult<()> {
        let (me, at) = (self.clone(), Owned::of(&at));
        on_rt(async move { me.do_mkdir(at.ctx(), perm).await }).await
    }
    async fn rmdir(&self, at: Ctx<'_>) -> FsResult<()> {
        let (me, at) = (self.clone(), Owned::of(&at));
        on_rt(async move { me.do_rmdir(at.ctx()).await }).await
    }
    async fn unlink(&self, at: Ctx<'_>) -> FsResult<()> {
        let (me, at) = (self.clone(), Owned::of(&at));
        on_rt(async move { me.do_unlink(at.ctx()).await }).await
    }
    async fn rename(&self, from: Ctx<'_>, to: Ctx<'_>) -> FsResult<()> {
        let (me, from, to) = (self.clone(), Owned::of(&from), Owned::of(&to));
        on_rt(async move { me.do_rename(from.ctx(), to.ctx()).await }).await
    }
    async fn link(&self, from: Ctx<'_>, to: Ctx<'_>) -> FsResult<()> {
        let (me, from, to) = (self.clone(), Owned::of(&from), Owned::of(&to));
        on_rt(async move { me.do_link(from.ctx(), to.ctx()).await }).await
    }
    async fn symlink(&self, target: &str, at: Ctx<'_>) -> FsResult<()> {
        let (me, at, target) = (self.clone(), Owned::of(&at), target.to_owned());
        on_rt(async move { me.do_symlink(&target, at.ctx()).await }).await
    }
    async fn readlink(&self, at: Ctx<'_>) -> FsResult<String> {
        let (me, at) = (self.clone(), Owned::of(&at));
        on_rt(async move { me.do_readlink(at.ctx()).await }).await
    }
    async fn set_attr(&self, at: Ctx<'_>, follow: bool, attr: SetAttr) -> FsResult<()> {
        let (me, at) = (self.clone(), Owned::of(&at));
        on_rt(async move { me.do_set_attr(at.ctx(), follow, attr).await }).await
    }
}

#[cfg(test)]
// The tests start a real S3-compatible server (s3rver, an npm devDependency) as a child process
// on a loopback port: a sanctioned host-process and host-network exception of clippy.toml.
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;
    use crate::kernel::vfs::{conformance, MemFs, Vfs};

    const U: Cred = Cred::USER;

    /// s3rver on a free loopback port with bucket `bucket`, killed on drop.
    struct Server {
        child: std::process::Child,
        dir: std::path::PathBuf,
        endpoint: String,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn server() -> Option<Server> {
        let bin = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("node_modules/s3rver/bin/s3rver.js");
        if !bin.exists() {
            eprintln!("skipped: s3rver is not installed (npm install)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("agentos-s3-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let child = std::process::Command::new("node")
            .arg(&bin)
            .args([
                "-d",
                dir.to_str().unwrap(),
                "-a",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .args(["--silent", "--configure-bucket", "bucket"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let s = Server {
            child,
            dir,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("s3rver did not start");
    }

    fn fs(s: &Server, prefix: Option<&str>) -> S3Fs {
        S3Fs::new(S3Config {
            bucket: "bucket".into(),
            prefix: prefix.map(str::to_owned),
            endpoint: Some(s.endpoint.clone()),
            credentials: Some(("S3RVER".into(), "S3RVER".into())),
            ..Default::default()
        })
        .unwrap()
    }

    async fn vm_with(s3: S3Fs, read_only: bool) -> Vfs {
        let vfs = Vfs::new(Arc::new(MemFs::new()));
        vfs.mkdir_all(U, "/mnt/s3", 0o755).await.unwrap();
        vfs.mount("/mnt/s3", Arc::new(s3), read_only).unwrap();
        vfs
    }

    /// The conformance suite, except symlinks, hard links and attributes (S3 has none of them:
    /// `EPERM`, checked below).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn conformance_applicable_parts() {
        let Some(s) = server() else { return };
        let vfs = vm_with(fs(&s, Some("pre/fix")), false).await;
        let b = "/mnt/s3";
        conformance::files(&vfs, b).await;
        conformance::directories(&vfs, b).await;
        conformance::removal(&vfs, b).await;
        conformance::rename(&vfs, b).await;
        conformance::ranges(&vfs, b).await;
        conformance::dots(&vfs, b).await;
        conformance::bad_paths(&vfs, b).await;
        let f = "/mnt/s3/files/a.txt";
        let code = |r: crate::Result<()>| r.unwrap_err().code().to_owned();
        assert_eq!(code(vfs.symlink(U, "x", "/mnt/s3/ln").await), "EPERM");
        assert_eq!(code(vfs.link(U, f, "/mnt/s3/hl").await), "EPERM");
        let chmod = SetAttr {
            perm: Some(0o600),
            ..Default::default()
        };
        assert_eq!(
            code(vfs.set_attr(U, f, true, chmod, "chmod").await),
            "EPERM"
        );
    }

    /// The read half on a read-only mount (`conformance::read_only` without its symlink, which
    /// S3 cannot hold): reads work, every change is `EROFS` and changes nothing.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn read_only_mount_is_erofs() {
        let Some(s) = server() else { return };
        let rw = vm_with(fs(&s, Some("ro")), false).await;
        rw.write_file(U, "/mnt/s3/f", Bytes::from_static(b"data"))
            .await
            .unwrap();
        rw.write_file(U, "/mnt/s3/d/g", Bytes::from_static(b"more"))
            .await
            .unwrap();
        let vfs = vm_with(fs(&s, Some("ro")), true).await;
        let b = "/mnt/s3";
        let p = |x: &str| format!("{b}/{x}");
        assert_eq!(&vfs.read_file(U, &p("f")).await.unwrap()[..], b"data");
        assert_eq!(
            &vfs.pread(U, &p("d/g"), 1, Some(2)).await.unwrap()[..],
            b"or"
        );
        let names: Vec<String> = vfs
            .read_dir(U, b)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["d", "f"]);
        let code = |r: crate::Error| r.code().to_owned();
        let data = Bytes::from_static(b"x");
        let create = WriteOpts {
            pos: WritePos::Truncate,
            create: Some(0o644),
            exclusive: false,
        };
        let chmod = SetAttr {
            perm: Some(0o600),
            ..Default::default()
        };
        let rofs = [
            code(
                vfs.write(U, &p("f"), data.clone(), create)
                    .await
                    .unwrap_err(),
            ),
            code(
                vfs.write(U, &p("new"), data.clone(), create)
                    .await
                    .unwrap_err(),
            ),
            code(vfs.truncate(U, &p("f"), 0).await.unwrap_err()),
            code(vfs.mkdir(U, &p("d2"), 0o755).await.unwrap_err()),
            code(vfs.unlink(U, &p("f")).await.unwrap_err()),
            code(vfs.unlink(U, &p("d/g")).await.unwrap_err()),
            code(vfs.rmdir(U, &p("d")).await.unwrap_err()),
            code(vfs.rename(U, &p("f"), &p("f2")).await.unwrap_err()),
            code(vfs.symlink(U, "f", &p("ln2")).await.unwrap_err()),
            code(vfs.link(U, &p("f"), &p("f3")).await.unwrap_err()),
            code(
                vfs.set_attr(U, &p("f"), true, chmod, "chmod")
                    .await
                    .unwrap_err(),
            ),
        ];
        assert!(rofs.iter().all(|c| c == "EROFS"), "{rofs:?}");
        assert_eq!(&vfs.read_file(U, &p("f")).await.unwrap()[..], b"data");
        assert_eq!(
            code(vfs.stat(U, &p("new"), true).await.unwrap_err()),
            "ENOENT"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fd_writes_upload_after_quiet_and_large_files_use_multipart() {
        let Some(s) = server() else { return };
        let s3 = fs(&s, None);
        let store = s3.inner.store.clone();
        let vfs = vm_with(s3, false).await;
        let at = |o| WriteOpts {
            pos: WritePos::At(o),
            create: Some(0o644),
            exclusive: false,
        };
        vfs.write(U, "/mnt/s3/w", Bytes::from_static(b"abc"), at(0))
            .await
            .unwrap();
        vfs.write(U, "/mnt/s3/w", Bytes::from_static(b"def"), at(3))
            .await
            .unwrap();
        assert_eq!(&vfs.read_file(U, "/mnt/s3/w").await.unwrap()[..], b"abcdef");
        tokio::time::sleep(QUIET * 4).await;
        let got = store
            .get(&OPath::from("w"))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(&got[..], b"abcdef");
        let big: Vec<u8> = (0..(MULTIPART_THRESHOLD * 2 + 12345))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        vfs.write_file(U, "/mnt/s3/d/big", Bytes::from(big.clone()))
            .await
            .unwrap();
        assert_eq!(vfs.read_file(U, "/mnt/s3/d/big").await.unwrap(), big);
        let mid = vfs
            .pread(U, "/mnt/s3/d/big", 4_000_000, Some(300_000))
            .await
            .unwrap();
        assert_eq!(&mid[..], &big[4_000_000..4_300_000]);
    }
}
