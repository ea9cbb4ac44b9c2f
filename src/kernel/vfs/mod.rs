//! The VM's filesystem namespace: a mount table over filesystem backends, and the operations the
//! rest of the kernel and the host API use (absolute VM paths in, `crate::Error`s out).
//!
//! Path resolution is shared between the [`Vfs`] and the backends: a backend walks the part of a
//! path that lies inside it and hands back a [`Redirect`] at a symlink, a nested mount point or
//! a `..` above its root; the `Vfs` then continues in the whole namespace. Symlink loops end
//! with `ELOOP` after [`MAX_SYMLINKS`] links, as on Linux.

pub mod fs;
pub mod hostdir;
pub mod memfs;
pub mod path;
pub mod rootfs;

#[cfg(test)]
pub mod conformance;

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::RwLock;

pub use fs::{
    Cred, Ctx, DirEntry, FileSystem, FileType, FsErr, FsResult, Ino, Redirect, SetAttr, Stat,
    WriteOpts, WritePos,
};
pub use memfs::{FsLimits, MemFs};

use crate::error::{Error, Result};
use crate::kernel::errno::Errno;

type BoxFut<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Symbolic links followed in one resolution before `ELOOP` (Linux: 40).
pub const MAX_SYMLINKS: u32 = 40;

/// One filesystem mounted at a point of the namespace.
struct Mount {
    point: String,
    fs: Arc<dyn FileSystem>,
    read_only: bool,
    /// Mount points strictly below this one, relative to it.
    nested: Vec<Box<str>>,
}

/// The mount table: replaced whole on every change, so readers clone one `Arc` and never wait.
struct MountTable {
    /// Longest mount point first.
    mounts: Vec<Mount>,
}

impl MountTable {
    fn build(mut entries: Vec<(String, Arc<dyn FileSystem>, bool)>) -> MountTable {
        entries.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        let points: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
        let mounts = entries
            .into_iter()
            .map(|(point, fs, read_only)| {
                let nested = points
                    .iter()
                    .filter_map(|p| relative_below(&point, p))
                    .map(Box::from)
                    .collect();
                Mount {
                    point,
                    fs,
                    read_only,
                    nested,
                }
            })
            .collect();
        MountTable { mounts }
    }

    /// The mount whose point is the longest literal prefix of `path`, and the rest of the path.
    fn find<'p>(&self, path: &'p str) -> (&Mount, &'p str) {
        for m in &self.mounts {
            if m.point == "/" {
                return (m, path);
            }
            if let Some(rest) = path.strip_prefix(m.point.as_str()) {
                if rest.is_empty() {
                    return (m, "/");
                }
                if rest.starts_with('/') {
                    return (m, rest);
                }
            }
        }
        // The root mount is always present and matches everything.
        let root = &self.mounts[self.mounts.len() - 1];
        (root, path)
    }
}

/// `p` relative to `point` when `p` lies strictly below it.
fn relative_below<'a>(point: &str, p: &'a str) -> Option<&'a str> {
    if point == "/" {
        return (p != "/").then_some(p);
    }
    let rest = p.strip_prefix(point)?;
    (rest.starts_with('/') && rest.len() > 1).then_some(rest)
}

/// Where resolution continues after a backend's redirect.
fn next_path(m: &Mount, r: Redirect, symlinks: &mut u32, steps: &mut u32) -> Result<String, Errno> {
    *steps += 1;
    if *steps > 4 * MAX_SYMLINKS {
        return Err(Errno::ELOOP);
    }
    match r {
        Redirect::Global(p) => {
            *symlinks += 1;
            (*symlinks <= MAX_SYMLINKS).then_some(p).ok_or(Errno::ELOOP)
        }
        Redirect::Local(rel) => {
            *symlinks += 1;
            (*symlinks <= MAX_SYMLINKS)
                .then(|| path::join(&m.point, &rel))
                .ok_or(Errno::ELOOP)
        }
        Redirect::Mount(rel) => Ok(path::join(&m.point, &rel)),
        Redirect::Up(rest) => Ok(path::join(path::parent(&m.point), &rest)),
    }
}

/// Run one backend operation on `$path`, following redirects through the mount table.
macro_rules! dispatch {
    ($self:expr, $cred:expr, $path:expr, $syscall:expr, |$fs:ident, $at:ident| $call:expr) => {{
        let orig: &str = $path;
        let mut cur: Cow<'_, str> = Cow::Borrowed(orig);
        let (mut symlinks, mut steps) = (0u32, 0u32);
        loop {
            let table = $self.table();
            let (m, rel) = table.find(&cur);
            let $at = Ctx {
                path: rel,
                nested: &m.nested,
                cred: $cred,
                read_only: m.read_only,
            };
            let $fs = &*m.fs;
            match $call.await {
                Ok(v) => break Ok(v),
                Err(FsErr::Errno(e)) => break Err(Error::errno(e, $syscall, orig)),
                Err(FsErr::Redirect(r)) => match next_path(m, r, &mut symlinks, &mut steps) {
                    Ok(p) => cur = Cow::Owned(p),
                    Err(e) => break Err(Error::errno(e, $syscall, orig)),
                },
            }
        }
    }};
}

/// An entry of [`Vfs::read_dir_recursive`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeEntry {
    /// Absolute VM path.
    pub path: String,
    /// `lstat` of the entry.
    pub stat: Stat,
}

/// A VM's filesystem namespace.
pub struct Vfs {
    table: RwLock<Arc<MountTable>>,
    /// The VM's permission policy; its `fs` check is asked for guests' operations.
    policy: RwLock<Option<Arc<crate::permissions::Policy>>>,
    /// The root filesystem, kept typed so mount points can be created synchronously.
    root: Arc<MemFs>,
}

impl std::fmt::Debug for Vfs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let points: Vec<String> = self
            .table()
            .mounts
            .iter()
            .map(|m| m.point.clone())
            .collect();
        f.debug_struct("Vfs").field("mounts", &points).finish()
    }
}

impl Vfs {
    /// A namespace with `root` mounted at `/`.
    pub fn new(root: Arc<MemFs>) -> Vfs {
        let table = MountTable::build(vec![("/".to_owned(), root.clone(), false)]);
        Vfs {
            table: RwLock::new(Arc::new(table)),
            policy: RwLock::new(None),
            root,
        }
    }

    /// A namespace whose `/` is `fs` (a standalone backend operated on by path, as a host
    /// directory handle is before it is mounted anywhere). Nothing can be mounted in it.
    pub fn over(fs: Arc<dyn FileSystem>, read_only: bool) -> Vfs {
        let table = MountTable::build(vec![("/".to_owned(), fs, read_only)]);
        Vfs {
            table: RwLock::new(Arc::new(table)),
            policy: RwLock::new(None),
            root: Arc::new(MemFs::new()),
        }
    }

    /// Set the VM's permission policy (its `fs` check applies to guest credentials).
    pub fn set_policy(&self, policy: Option<Arc<crate::permissions::Policy>>) {
        *self.policy.write() = policy;
    }

    /// `EACCES` unless the policy lets a guest do `op` on `path` (no check for the host).
    async fn allowed(
        &self,
        cred: Cred,
        op: &'static str,
        syscall: &'static str,
        path: &str,
    ) -> Result<()> {
        if !cred.guest {
            return Ok(());
        }
        let policy = self.policy.read().clone();
        match policy {
            // Boxed: every filesystem future would otherwise carry the check's state inline,
            // and the shell nests those futures deeply.
            Some(p) if p.checks_fs() => Box::pin(p.check_fs(op, syscall, path)).await,
            _ => Ok(()),
        }
    }

    fn table(&self) -> Arc<MountTable> {
        self.table.read().clone()
    }

    /// The root filesystem.
    pub fn root(&self) -> &Arc<MemFs> {
        &self.root
    }

    /// Mount `fs` at `point`. The point must not be mounted already (`EBUSY`); when it lies in
    /// the root filesystem and does not exist, it is created as a directory, as `mkdir -p`
    /// would (an existing non-directory there is `ENOTDIR`).
    pub fn mount(&self, point: &str, fs: Arc<dyn FileSystem>, read_only: bool) -> Result<()> {
        let point = path::mount_point(point)?;
        let mut guard = self.table.write();
        if guard.mounts.iter().any(|m| m.point == point) {
            return Err(Error::errno(Errno::EBUSY, "mount", point));
        }
        if guard.find(&point).0.point == "/" {
            self.make_root_dirs(&point)?;
        }
        let mut entries: Vec<_> = guard
            .mounts
            .iter()
            .map(|m| (m.point.clone(), m.fs.clone(), m.read_only))
            .collect();
        entries.push((point, fs, read_only));
        *guard = Arc::new(MountTable::build(entries));
        Ok(())
    }

    fn make_root_dirs(&self, point: &str) -> Result<()> {
        let mut prefix = String::new();
        for c in point.split('/').filter(|c| !c.is_empty()) {
            prefix.push('/');
            prefix.push_str(c);
            // Look before creating: a mkdir that finds the directory already there would still
            // copy the (shared, copy-on-write) path to it, and every VM mounts on template dirs.
            let at = Ctx {
                path: &prefix,
                nested: &[],
                cred: Cred::ROOT,
                read_only: false,
            };
            if matches!(self.root.stat_now(at), Ok(st) if st.file_type == FileType::Dir) {
                continue;
            }
            match self.root.mkdir_now(&prefix, 0o755, Cred::ROOT) {
                Ok(()) => {}
                Err(FsErr::Errno(Errno::EEXIST)) => {
                    let at = Ctx {
                        path: &prefix,
                        nested: &[],
                        cred: Cred::ROOT,
                        read_only: false,
                    };
                    match self.root.stat_now(at) {
                        Ok(st) if st.file_type == FileType::Dir => {}
                        // A symlink or file in the way: the mount still works by its exact path.
                        Ok(st) if st.file_type == FileType::Symlink => return Ok(()),
                        _ => return Err(Error::errno(Errno::ENOTDIR, "mount", point)),
                    }
                }
                Err(_) => return Ok(()),
            }
        }
        Ok(())
    }

    /// Remove the mount at `point` (`EINVAL` if nothing is mounted there, `EBUSY` for `/` or
    /// while other mounts lie below it).
    pub fn unmount(&self, point: &str) -> Result<()> {
        let point = path::mount_point(point)?;
        let mut guard = self.table.write();
        if point == "/" {
            return Err(Error::errno(Errno::EBUSY, "umount", point));
        }
        if !guard.mounts.iter().any(|m| m.point == point) {
            return Err(Error::errno(Errno::EINVAL, "umount", point));
        }
        if guard
            .mounts
            .iter()
            .any(|m| relative_below(&point, &m.point).is_some())
        {
            return Err(Error::errno(Errno::EBUSY, "umount", point));
        }
        let entries = guard
            .mounts
            .iter()
            .filter(|m| m.point != point)
            .map(|m| (m.point.clone(), m.fs.clone(), m.read_only))
            .collect();
        *guard = Arc::new(MountTable::build(entries));
        Ok(())
    }

    /// Drop every mount, releasing the backends (used when the VM is disposed).
    pub fn clear(&self) {
        let root: Arc<dyn FileSystem> = Arc::new(MemFs::new());
        *self.table.write() = Arc::new(MountTable::build(vec![("/".to_owned(), root, true)]));
    }

    /// `stat` (`follow`) or `lstat`.
    pub async fn stat(&self, cred: Cred, path: &str, follow: bool) -> Result<Stat> {
        self.allowed(cred, "stat", if follow { "stat" } else { "lstat" }, path)
            .await?;
        let syscall = if follow { "stat" } else { "lstat" };
        path::check_absolute(path, syscall)?;
        dispatch!(self, cred, path, syscall, |fs, at| fs.stat(at, follow))
    }

    /// Whether `path` resolves to anything (following symlinks). Any error means `false`.
    pub async fn exists(&self, cred: Cred, path: &str) -> Result<bool> {
        path::check_absolute(path, "access")?;
        Ok(self.stat(cred, path, true).await.is_ok())
    }

    /// The canonical absolute path of `path`.
    pub async fn realpath(&self, cred: Cred, path: &str) -> Result<String> {
        self.allowed(cred, "stat", "realpath", path).await?;
        path::check_absolute(path, "realpath")?;
        let mut cur: Cow<'_, str> = Cow::Borrowed(path);
        let (mut symlinks, mut steps) = (0u32, 0u32);
        loop {
            let table = self.table();
            let (m, rel) = table.find(&cur);
            let at = Ctx {
                path: rel,
                nested: &m.nested,
                cred,
                read_only: m.read_only,
            };
            match m.fs.realpath(at).await {
                Ok(p) => return Ok(path::join(&m.point, &p)),
                Err(FsErr::Errno(e)) => return Err(Error::errno(e, "realpath", path)),
                Err(FsErr::Redirect(r)) => match next_path(m, r, &mut symlinks, &mut steps) {
                    Ok(p) => cur = Cow::Owned(p),
                    Err(e) => return Err(Error::errno(e, "realpath", path)),
                },
            }
        }
    }

    /// The whole content of a file.
    pub async fn read_file(&self, cred: Cred, path: &str) -> Result<Bytes> {
        self.pread(cred, path, 0, None).await
    }

    /// `len` bytes (or all) from `offset`.
    pub async fn pread(
        &self,
        cred: Cred,
        path: &str,
        offset: u64,
        len: Option<u64>,
    ) -> Result<Bytes> {
        self.allowed(cred, "read", "open", path).await?;
        path::check_absolute(path, "open")?;
        dispatch!(self, cred, path, "open", |fs, at| fs.read(at, offset, len))
    }

    /// Write `data` as `opts` says; returns the new size.
    pub async fn write(&self, cred: Cred, path: &str, data: Bytes, opts: WriteOpts) -> Result<u64> {
        self.allowed(cred, "write", "open", path).await?;
        path::check_absolute(path, "open")?;
        dispatch!(self, cred, path, "open", |fs, at| fs.write(
            at,
            data.clone(),
            opts
        ))
    }

    /// Create or replace a file (mode 0644), creating missing parent directories first.
    pub async fn write_file(&self, cred: Cred, path: &str, data: Bytes) -> Result<()> {
        let opts = WriteOpts {
            pos: WritePos::Truncate,
            create: Some(0o644),
            exclusive: false,
        };
        match self.write(cred, path, data.clone(), opts).await {
            Err(e) if e.errno_value() == Some(Errno::ENOENT) => {
                if let Some((dir, _)) = path::split_last(path) {
                    self.mkdir_all(cred, dir, 0o755).await?;
                }
                self.write(cred, path, data, opts).await.map(|_| ())
            }
            other => other.map(|_| ()),
        }
    }

    /// Set a file's length.
    pub async fn truncate(&self, cred: Cred, path: &str, len: u64) -> Result<()> {
        self.allowed(cred, "truncate", "open", path).await?;
        path::check_absolute(path, "truncate")?;
        dispatch!(self, cred, path, "truncate", |fs, at| fs.truncate(at, len))
    }

    /// List a directory in name order (mount points below it appear as the directories they
    /// sit on).
    pub async fn read_dir(&self, cred: Cred, path: &str) -> Result<Vec<DirEntry>> {
        self.allowed(cred, "readdir", "scandir", path).await?;
        path::check_absolute(path, "scandir")?;
        dispatch!(self, cred, path, "scandir", |fs, at| fs.read_dir(at))
    }

    /// Create one directory.
    pub async fn mkdir(&self, cred: Cred, path: &str, perm: u32) -> Result<()> {
        self.allowed(cred, "mkdir", "mkdir", path).await?;
        path::check_absolute(path, "mkdir")?;
        dispatch!(self, cred, path, "mkdir", |fs, at| fs.mkdir(at, perm))
    }

    /// `mkdir -p`: create every missing directory of `path`; existing directories are fine, an
    /// existing non-directory is `EEXIST` (for the last component) or `ENOTDIR`.
    pub async fn mkdir_all(&self, cred: Cred, path: &str, perm: u32) -> Result<()> {
        path::check_absolute(path, "mkdir")?;
        match self.mkdir(cred, path, perm).await {
            Ok(()) => return Ok(()),
            Err(e) if e.errno_value() == Some(Errno::ENOENT) => {}
            Err(e) if e.errno_value() == Some(Errno::EEXIST) => {
                return match self.stat(cred, path, true).await {
                    Ok(st) if st.file_type == FileType::Dir => Ok(()),
                    _ => Err(e),
                };
            }
            Err(e) => return Err(e),
        }
        let mut prefix = String::with_capacity(path.len());
        for c in path.split('/').filter(|c| !c.is_empty()) {
            prefix.push('/');
            prefix.push_str(c);
            match self.mkdir(cred, &prefix, perm).await {
                Ok(()) => {}
                Err(e) if e.errno_value() == Some(Errno::EEXIST) => {
                    match self.stat(cred, &prefix, true).await {
                        Ok(st) if st.file_type == FileType::Dir => {}
                        Ok(_) => return Err(Error::errno(Errno::ENOTDIR, "mkdir", path)),
                        Err(e) => return Err(e),
                    }
                }
                Err(e) => {
                    return Err(Error::errno(
                        e.errno_value().unwrap_or(Errno::EIO),
                        "mkdir",
                        path,
                    ))
                }
            }
        }
        Ok(())
    }

    /// Remove an empty directory.
    pub async fn rmdir(&self, cred: Cred, path: &str) -> Result<()> {
        self.allowed(cred, "rm", "rmdir", path).await?;
        path::check_absolute(path, "rmdir")?;
        dispatch!(self, cred, path, "rmdir", |fs, at| fs.rmdir(at))
    }

    /// Remove a non-directory.
    pub async fn unlink(&self, cred: Cred, path: &str) -> Result<()> {
        self.allowed(cred, "rm", "unlink", path).await?;
        path::check_absolute(path, "unlink")?;
        dispatch!(self, cred, path, "unlink", |fs, at| fs.unlink(at))
    }

    /// Remove `path`; with `recursive`, a directory and everything below it (`rm -r`; symlinks
    /// are removed, never followed). Without it, a directory must be empty.
    pub async fn remove(&self, cred: Cred, path: &str, recursive: bool) -> Result<()> {
        let st = self.stat(cred, path, false).await?;
        if st.file_type != FileType::Dir {
            return self.unlink(cred, path).await;
        }
        if recursive {
            // Depth-first, iteratively, so deep trees cannot exhaust the stack.
            let mut stack = vec![(path.to_owned(), false)];
            while let Some((dir, listed)) = stack.pop() {
                if listed {
                    self.rmdir(cred, &dir).await?;
                    continue;
                }
                stack.push((dir.clone(), true));
                for e in self.read_dir(cred, &dir).await? {
                    let child = path::join(&dir, &e.name);
                    if e.stat.file_type == FileType::Dir {
                        stack.push((child, false));
                    } else {
                        self.unlink(cred, &child).await?;
                    }
                }
            }
            return Ok(());
        }
        self.rmdir(cred, path).await
    }

    /// Resolve the directory part of `path` to (mount, canonical backend-relative path of the
    /// entry), without following the last component.
    async fn resolve_entry(
        &self,
        cred: Cred,
        path: &str,
        syscall: &'static str,
    ) -> Result<(Arc<MountTable>, usize, String)> {
        let Some((dir, name)) = path::split_last(path) else {
            return Err(Error::errno(Errno::EBUSY, syscall, path));
        };
        if name == "." || name == ".." {
            return Err(Error::errno(Errno::EINVAL, syscall, path));
        }
        let dir = self
            .realpath(cred, dir)
            .await
            .map_err(|e| Error::errno(e.errno_value().unwrap_or(Errno::EIO), syscall, path))?;
        let full = path::join(&dir, name);
        let table = self.table();
        let (m, rel) = table.find(&full);
        let idx = table
            .mounts
            .iter()
            .position(|x| std::ptr::eq(x, m))
            .unwrap_or(table.mounts.len() - 1);
        let rel = rel.to_owned();
        Ok((table, idx, rel))
    }

    /// `rename(2)`. Across mounts: `EXDEV`.
    pub async fn rename(&self, cred: Cred, from: &str, to: &str) -> Result<()> {
        self.allowed(cred, "rename", "rename", from).await?;
        self.allowed(cred, "rename", "rename", to).await?;
        self.two_path(cred, from, to, "rename", |fs, a, b| fs.rename(a, b))
            .await
    }

    /// Create a hard link `to` for `from`. Across mounts: `EXDEV`.
    pub async fn link(&self, cred: Cred, from: &str, to: &str) -> Result<()> {
        self.allowed(cred, "link", "link", from).await?;
        self.allowed(cred, "link", "link", to).await?;
        self.two_path(cred, from, to, "link", |fs, a, b| fs.link(a, b))
            .await
    }

    async fn two_path<F>(
        &self,
        cred: Cred,
        from: &str,
        to: &str,
        syscall: &'static str,
        op: F,
    ) -> Result<()>
    where
        F: for<'a> Fn(&'a dyn FileSystem, Ctx<'a>, Ctx<'a>) -> BoxFut<'a, FsResult<()>>,
    {
        path::check_absolute(from, syscall)?;
        path::check_absolute(to, syscall)?;
        let err = |e: Errno| Error::errno2(e, syscall, from, to);
        for _ in 0..MAX_SYMLINKS {
            let (table, i, a) = self.resolve_entry(cred, from, syscall).await?;
            let (table2, j, b) = self.resolve_entry(cred, to, syscall).await?;
            if !Arc::ptr_eq(&table, &table2) {
                continue;
            }
            if i != j {
                return Err(err(Errno::EXDEV));
            }
            let m = &table.mounts[i];
            let ca = Ctx {
                path: &a,
                nested: &m.nested,
                cred,
                read_only: m.read_only,
            };
            let cb = Ctx {
                path: &b,
                nested: &m.nested,
                cred,
                read_only: m.read_only,
            };
            match op(&*m.fs, ca, cb).await {
                Ok(()) => return Ok(()),
                Err(FsErr::Errno(e)) => return Err(err(e)),
                // The tree changed under us (a directory became a symlink): resolve again.
                Err(FsErr::Redirect(_)) => continue,
            }
        }
        Err(err(Errno::ELOOP))
    }

    /// Create a symbolic link at `path` pointing to `target` (stored as given).
    pub async fn symlink(&self, cred: Cred, target: &str, path: &str) -> Result<()> {
        self.allowed(cred, "symlink", "symlink", path).await?;
        path::check_absolute(path, "symlink")?;
        if target.contains('\0') {
            return Err(Error::errno2(Errno::EINVAL, "symlink", target, path));
        }
        let r: Result<()> = dispatch!(self, cred, path, "symlink", |fs, at| fs.symlink(target, at));
        r.map_err(|e| {
            Error::errno2(
                e.errno_value().unwrap_or(Errno::EIO),
                "symlink",
                target,
                path,
            )
        })
    }

    /// The target of a symbolic link.
    pub async fn readlink(&self, cred: Cred, path: &str) -> Result<String> {
        self.allowed(cred, "readlink", "readlink", path).await?;
        path::check_absolute(path, "readlink")?;
        dispatch!(self, cred, path, "readlink", |fs, at| fs.readlink(at))
    }

    /// Change attributes (`chmod`, `chown`, `utimes`).
    pub async fn set_attr(
        &self,
        cred: Cred,
        path: &str,
        follow: bool,
        attr: SetAttr,
        syscall: &'static str,
    ) -> Result<()> {
        self.allowed(cred, syscall, syscall, path).await?;
        path::check_absolute(path, syscall)?;
        dispatch!(self, cred, path, syscall, |fs, at| fs
            .set_attr(at, follow, attr))
    }

    /// Every entry below `path`, breadth first: directories are descended (symlinks are not)
    /// while their depth is below `max_depth` (0 lists only `path`'s own entries); names in
    /// `exclude` are skipped entirely.
    pub async fn read_dir_recursive(
        &self,
        cred: Cred,
        path: &str,
        max_depth: Option<u32>,
        exclude: &[String],
    ) -> Result<Vec<TreeEntry>> {
        let mut out = Vec::new();
        let mut queue = VecDeque::from([(path.to_owned(), 0u32)]);
        while let Some((dir, depth)) = queue.pop_front() {
            for e in self.read_dir(cred, &dir).await? {
                if exclude.contains(&e.name) {
                    continue;
                }
                let child = path::join(&dir, &e.name);
                if e.stat.file_type == FileType::Dir && max_depth.is_none_or(|m| depth < m) {
                    queue.push_back((child.clone(), depth + 1));
                }
                out.push(TreeEntry {
                    path: child,
                    stat: e.stat,
                });
            }
        }
        Ok(out)
    }

    /// Copy `from` to `to` recursively, keeping modes, owners and symlinks (used by `move`
    /// across mounts).
    pub async fn copy_tree(&self, cred: Cred, from: &str, to: &str) -> Result<()> {
        let mut stack = vec![(from.to_owned(), to.to_owned())];
        while let Some((src, dst)) = stack.pop() {
            let st = self.stat(cred, &src, false).await?;
            match st.file_type {
                FileType::Symlink => {
                    let target = self.readlink(cred, &src).await?;
                    self.symlink(cred, &target, &dst).await?;
                    continue;
                }
                FileType::Dir => {
                    self.mkdir(cred, &dst, st.perm).await?;
                    for e in self.read_dir(cred, &src).await? {
                        stack.push((path::join(&src, &e.name), path::join(&dst, &e.name)));
                    }
                }
                FileType::File | FileType::CharDevice => {
                    let data = self.read_file(cred, &src).await?;
                    let opts = WriteOpts {
                        pos: WritePos::Truncate,
                        create: Some(st.perm),
                        exclusive: true,
                    };
                    self.write(cred, &dst, data, opts).await?;
                }
            }
            let attr = SetAttr {
                perm: Some(st.perm),
                uid: Some(st.uid),
                gid: Some(st.gid),
                atime_ns: Some(st.atime_ns),
                mtime_ns: Some(st.mtime_ns),
            };
            self.set_attr(cred, &dst, false, attr, "chmod").await?;
        }
        Ok(())
    }

    /// Move `from` to `to`: a `rename`, or copy and delete when they are on different mounts.
    pub async fn move_path(&self, cred: Cred, from: &str, to: &str) -> Result<()> {
        match self.rename(cred, from, to).await {
            Err(e) if e.errno_value() == Some(Errno::EXDEV) => {
                if self.stat(cred, to, false).await.is_ok() {
                    self.remove(cred, to, false).await?;
                }
                self.copy_tree(cred, from, to).await?;
                self.remove(cred, from, true).await
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: Cred = Cred::USER;

    fn vm_like() -> (Vfs, Arc<MemFs>, Arc<MemFs>) {
        let vfs = Vfs::new(Arc::new(MemFs::new()));
        let (a, b) = (Arc::new(MemFs::new()), Arc::new(MemFs::new()));
        vfs.mount("/mnt/a", a.clone(), false).unwrap();
        vfs.mount("/mnt/b", b.clone(), true).unwrap();
        vfs.root().mkdir_now("/tmp", 0o1777, Cred::ROOT).unwrap();
        (vfs, a, b)
    }

    #[tokio::test]
    async fn rename_and_link_across_mounts_are_exdev() {
        let (vfs, _, _) = vm_like();
        vfs.write_file(U, "/mnt/a/f", Bytes::from_static(b"x"))
            .await
            .unwrap();
        let e = vfs.rename(U, "/mnt/a/f", "/tmp/f").await.unwrap_err();
        assert_eq!(e.code(), "EXDEV");
        assert_eq!((e.path(), e.dest()), (Some("/mnt/a/f"), Some("/tmp/f")));
        assert_eq!(
            vfs.link(U, "/mnt/a/f", "/f").await.unwrap_err().code(),
            "EXDEV"
        );
        vfs.move_path(U, "/mnt/a/f", "/f").await.unwrap();
        assert_eq!(&vfs.read_file(U, "/f").await.unwrap()[..], b"x");
    }

    #[tokio::test]
    async fn symlinks_and_dotdot_cross_mount_boundaries() {
        let (vfs, a, _) = vm_like();
        vfs.write_file(U, "/etc/conf", Bytes::from_static(b"root"))
            .await
            .unwrap();
        vfs.write_file(U, "/mnt/a/inner", Bytes::from_static(b"a"))
            .await
            .unwrap();
        // `..` above a mount's root continues in the parent filesystem.
        assert_eq!(
            &vfs.read_file(U, "/mnt/a/../../etc/conf").await.unwrap()[..],
            b"root"
        );
        // Absolute and relative symlinks inside a mount resolve in the VM's namespace.
        vfs.symlink(U, "/etc/conf", "/mnt/a/abs").await.unwrap();
        vfs.symlink(U, "../../etc/conf", "/mnt/a/rel")
            .await
            .unwrap();
        assert_eq!(&vfs.read_file(U, "/mnt/a/abs").await.unwrap()[..], b"root");
        assert_eq!(&vfs.read_file(U, "/mnt/a/rel").await.unwrap()[..], b"root");
        // A symlink in the root filesystem leads into a mount, even through `..`.
        vfs.symlink(U, "mnt/a", "/into").await.unwrap();
        assert_eq!(&vfs.read_file(U, "/into/inner").await.unwrap()[..], b"a");
        vfs.mkdir_all(U, "/mnt/x", 0o755).await.unwrap();
        assert_eq!(
            &vfs.read_file(U, "/mnt/x/../a/inner").await.unwrap()[..],
            b"a"
        );
        assert_eq!(
            vfs.realpath(U, "/into/inner").await.unwrap(),
            "/mnt/a/inner"
        );
        // The mounted filesystem holds only its own files.
        assert_eq!(a.bytes_used(), 1);
    }

    #[tokio::test]
    async fn read_only_mounts_only_refuse_changes_that_land_in_them() {
        let (vfs, _, b) = vm_like();
        let seed = Vfs::new(b.clone());
        seed.write_file(U, "/f", Bytes::from_static(b"ro"))
            .await
            .unwrap();
        seed.symlink(U, "/tmp/out", "/link").await.unwrap();
        assert_eq!(&vfs.read_file(U, "/mnt/b/f").await.unwrap()[..], b"ro");
        assert_eq!(
            vfs.write_file(U, "/mnt/b/f", Bytes::new())
                .await
                .unwrap_err()
                .code(),
            "EROFS"
        );
        assert_eq!(vfs.unlink(U, "/mnt/b/f").await.unwrap_err().code(), "EROFS");
        assert_eq!(
            vfs.rename(U, "/mnt/b/f", "/mnt/b/g")
                .await
                .unwrap_err()
                .code(),
            "EROFS"
        );
        // A symlink in the read-only mount pointing out of it leads to a writable place.
        vfs.write_file(U, "/mnt/b/link", Bytes::from_static(b"ok"))
            .await
            .unwrap();
        assert_eq!(&vfs.read_file(U, "/tmp/out").await.unwrap()[..], b"ok");
    }

    #[tokio::test]
    async fn mount_table_rules() {
        let (vfs, a, _) = vm_like();
        assert_eq!(
            vfs.mount("/mnt/a", a.clone(), false).unwrap_err().code(),
            "EBUSY"
        );
        vfs.mount("/mnt/a/nested", Arc::new(MemFs::new()), false)
            .unwrap();
        assert_eq!(vfs.unmount("/mnt/a").unwrap_err().code(), "EBUSY");
        vfs.write_file(U, "/mnt/a/nested/f", Bytes::new())
            .await
            .unwrap();
        assert!(!Vfs::new(a.clone()).exists(U, "/nested/f").await.unwrap());
        vfs.unmount("/mnt/a/nested").unwrap();
        vfs.unmount("/mnt/a").unwrap();
        assert_eq!(vfs.unmount("/mnt/a").unwrap_err().code(), "EINVAL");
        assert_eq!(vfs.unmount("/").unwrap_err().code(), "EBUSY");
        assert_eq!(
            vfs.mount("/mnt/../x", a, false).unwrap_err().code(),
            "EINVAL"
        );
        // Mount points appear as directories in the parent.
        let names: Vec<String> = vfs
            .read_dir(U, "/mnt")
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[tokio::test]
    async fn cleared_namespace_is_empty_and_read_only() {
        let (vfs, _, _) = vm_like();
        vfs.clear();
        assert_eq!(
            vfs.read_file(U, "/mnt/a/f").await.unwrap_err().code(),
            "ENOENT"
        );
        assert_eq!(
            vfs.write_file(U, "/x", Bytes::new())
                .await
                .unwrap_err()
                .code(),
            "EROFS"
        );
    }
}
