//! A host directory exposed to the VM, read-write or read-only, confined to its root.
//!
//! Confinement does not rely on checking paths: every operation walks its path one component at
//! a time from a descriptor of the root, each step an `openat`/`fstatat` relative to the
//! previous directory with `O_NOFOLLOW` / `AT_SYMLINK_NOFOLLOW`. A host symlink is therefore
//! never followed on the host: it is reported to the VM as a symlink and the walk answers with a
//! [`Redirect`], so the [`Vfs`](super::Vfs) resolves it in the VM's namespace (an absolute link
//! to `/etc/passwd` means the VM's `/etc/passwd`). `..` pops the walk's own stack of directory
//! descriptors and becomes [`Redirect::Up`] at the root; the host's `..` is never looked up. A
//! directory swapped for a symlink between two steps makes the next `openat` fail (`ENOTDIR` or
//! `ELOOP`) or is seen as a symlink, instead of being followed. `openat2` is not used (gVisor may
//! lack it).
//!
//! Every host call blocks, so each operation runs on tokio's blocking pool
//! (`spawn_blocking`), never on the sidecar's async workers.
//!
//! Ownership is the VM's, not the host's: the host files keep whatever owner the host process
//! gives them, and the VM sees the creator of each object it made (or the last `chown`), and
//! the owner given to [`HostDir::open_as`] (default: `user`, 1000:1000) for everything else.
//!
//! This is the sanctioned `mounts/host_dir` exception of `clippy.toml`: host filesystem access
//! happens here through `rustix` only.

use super::path::{check_entry_name, create_mode, join_rest};
use std::collections::HashMap;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use parking_lot::Mutex;
use rustix::fs::{AtFlags, Mode, OFlags, Timespec, Timestamps};

use super::fs::{
    Cred, Ctx, DirEntry, FileSystem, FileType, FsErr, FsResult, Redirect, SetAttr, Stat, WriteOpts,
    WritePos,
};
use crate::kernel::errno::Errno;

/// The kernel's errno for a host one (`EIO` for anything the VM has no name for).
fn host_errno(e: rustix::io::Errno) -> Errno {
    use rustix::io::Errno as H;
    match e {
        H::PERM => Errno::EPERM,
        H::NOENT => Errno::ENOENT,
        H::INTR => Errno::EINTR,
        H::BADF => Errno::EBADF,
        H::AGAIN => Errno::EAGAIN,
        H::NOMEM => Errno::ENOMEM,
        H::ACCESS => Errno::EACCES,
        H::BUSY | H::TXTBSY => Errno::EBUSY,
        H::EXIST => Errno::EEXIST,
        H::XDEV => Errno::EXDEV,
        H::NOTDIR => Errno::ENOTDIR,
        H::ISDIR => Errno::EISDIR,
        H::INVAL => Errno::EINVAL,
        H::MFILE | H::NFILE => Errno::EMFILE,
        H::FBIG => Errno::EFBIG,
        H::NOSPC | H::DQUOT => Errno::ENOSPC,
        H::SPIPE => Errno::ESPIPE,
        H::ROFS => Errno::EROFS,
        H::MLINK => Errno::EMLINK,
        H::NAMETOOLONG => Errno::ENAMETOOLONG,
        H::NOSYS => Errno::ENOSYS,
        H::NOTEMPTY => Errno::ENOTEMPTY,
        H::LOOP => Errno::ELOOP,
        H::OPNOTSUPP => Errno::ENOTSUP,
        _ => Errno::EIO,
    }
}

fn fs_err(e: rustix::io::Errno) -> FsErr {
    FsErr::Errno(host_errno(e))
}

/// A host directory as a filesystem backend.
pub struct HostDir {
    inner: Arc<Inner>,
}

struct Inner {
    /// `O_PATH` descriptor of the root, opened once; every walk starts here.
    root: OwnedFd,
    /// Owner shown for objects the VM did not create or `chown`.
    owner: Cred,
    /// VM ownership by host `(dev, ino)`.
    owners: Mutex<HashMap<(u64, u64), (u32, u32)>>,
}

impl std::fmt::Debug for HostDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostDir")
            .field("root_fd", &self.inner.root.as_raw_fd())
            .field("owner", &self.inner.owner)
            .finish()
    }
}

impl HostDir {
    /// Expose the host directory `host_path` (which must exist and be a directory; it is opened
    /// now, so later changes to what the path names on the host do not move the mount). Objects
    /// the VM did not create appear owned by the VM's default account, `user` (1000:1000); see
    /// [`HostDir::open_as`].
    pub fn open(host_path: impl AsRef<Path>) -> Result<HostDir, Errno> {
        Self::open_as(host_path, Cred::USER)
    }

    /// Like [`HostDir::open`], showing objects the VM did not create as owned by `owner`.
    pub fn open_as(host_path: impl AsRef<Path>, owner: Cred) -> Result<HostDir, Errno> {
        let root = rustix::fs::open(
            host_path.as_ref(),
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(host_errno)?;
        Ok(HostDir {
            inner: Arc::new(Inner {
                root,
                owner,
                owners: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The owner shown for objects the VM did not create.
    pub fn owner(&self) -> Cred {
        self.inner.owner
    }

    async fn run<T, F>(&self, f: F) -> FsResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> FsResult<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|_| FsErr::Errno(Errno::EIO))?
    }
}

/// An owned copy of a [`Ctx`], to cross into the blocking pool.
#[derive(Clone)]
struct Req {
    path: String,
    nested: Vec<Box<str>>,
    cred: Cred,
    read_only: bool,
}

impl From<Ctx<'_>> for Req {
    fn from(c: Ctx<'_>) -> Self {
        Req {
            path: c.path.to_owned(),
            nested: c.nested.to_vec(),
            cred: c.cred,
            read_only: c.read_only,
        }
    }
}

/// Directories entered by a walk: `(descriptor, name)` from below the root down.
type Stack = Vec<(OwnedFd, String)>;

/// The result of a walk.
enum Walked {
    /// The path names an existing object: `leaf` is its name in the top directory of `stack`
    /// and its host `lstat`; `None` for the root itself.
    Found {
        stack: Stack,
        leaf: Option<(String, rustix::fs::Stat)>,
    },
    /// Everything but the last component exists.
    Missing { stack: Stack, name: String },
}

fn canonical(stack: &Stack, extra: Option<&str>) -> String {
    let mut s = String::new();
    for (_, name) in stack {
        s.push('/');
        s.push_str(name);
    }
    if let Some(e) = extra {
        s.push('/');
        s.push_str(e);
    }
    if s.is_empty() {
        s.push('/');
    }
    s
}

fn is_type(st: &rustix::fs::Stat, ty: rustix::fs::FileType) -> bool {
    rustix::fs::FileType::from_raw_mode(st.st_mode) == ty
}

fn is_dir(st: &rustix::fs::Stat) -> bool {
    is_type(st, rustix::fs::FileType::Directory)
}

fn is_symlink(st: &rustix::fs::Stat) -> bool {
    is_type(st, rustix::fs::FileType::Symlink)
}

fn key(st: &rustix::fs::Stat) -> (u64, u64) {
    #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
    (st.st_dev as u64, st.st_ino as u64)
}

fn ns(sec: i64, nsec: i64) -> i64 {
    sec.saturating_mul(1_000_000_000).saturating_add(nsec)
}

fn timespec(t_ns: Option<i64>) -> Timespec {
    match t_ns {
        Some(t) => Timespec {
            tv_sec: t.div_euclid(1_000_000_000),
            tv_nsec: t.rem_euclid(1_000_000_000) as _,
        },
        None => Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_OMIT,
        },
    }
}

/// Path components as the walk sees them.
fn components(path: &str) -> Vec<&str> {
    path.split('/').filter(|c| !c.is_empty()).collect()
}

impl Inner {
    fn top<'a>(&'a self, stack: &'a Stack) -> BorrowedFd<'a> {
        stack.last().map_or(self.root.as_fd(), |(fd, _)| fd.as_fd())
    }

    fn stat_of(&self, st: &rustix::fs::Stat) -> Stat {
        let file_type = match rustix::fs::FileType::from_raw_mode(st.st_mode) {
            rustix::fs::FileType::RegularFile => FileType::File,
            rustix::fs::FileType::Directory => FileType::Dir,
            rustix::fs::FileType::Symlink => FileType::Symlink,
            // FIFOs, sockets and devices: special files the VM can see but not use.
            _ => FileType::CharDevice,
        };
        let (uid, gid) = self
            .owners
            .lock()
            .get(&key(st))
            .copied()
            .unwrap_or((self.owner.uid, self.owner.gid));
        #[allow(clippy::useless_conversion, clippy::unnecessary_cast)]
        let stat = Stat {
            file_type,
            perm: st.st_mode & 0o7777,
            ino: st.st_ino as u64,
            nlink: u32::try_from(st.st_nlink).unwrap_or(u32::MAX),
            uid,
            gid,
            size: u64::try_from(st.st_size).unwrap_or(0),
            atime_ns: ns(st.st_atime as i64, st.st_atime_nsec as i64),
            mtime_ns: ns(st.st_mtime as i64, st.st_mtime_nsec as i64),
            ctime_ns: ns(st.st_ctime as i64, st.st_ctime_nsec as i64),
            birthtime_ns: ns(st.st_ctime as i64, st.st_ctime_nsec as i64),
        };
        stat
    }

    fn set_owner(&self, st: &rustix::fs::Stat, uid: u32, gid: u32) {
        self.owners.lock().insert(key(st), (uid, gid));
    }

    fn forget_owner(&self, st: &rustix::fs::Stat) {
        self.owners.lock().remove(&key(st));
    }

    /// Walk `req.path` from the root, never following a host symlink. Symlinks (except a last
    /// one when `!follow_last`), `..` above the root and nested mount points end the walk with
    /// a [`Redirect`].
    fn walk(&self, req: &Req, follow_last: bool) -> FsResult<Walked> {
        let path = req.path.as_str();
        let trailing_slash = path.len() > 1 && path.ends_with('/');
        let follow_last = follow_last || trailing_slash;
        let comps = components(path);
        let mut stack: Stack = Vec::new();
        let mut leaf: Option<(String, rustix::fs::Stat)> = None;
        for (i, &c) in comps.iter().enumerate() {
            let last = i + 1 == comps.len();
            let rest = &comps[i + 1..];
            match c {
                "." => {}
                ".." => {
                    if stack.pop().is_none() {
                        return Err(FsErr::Redirect(Redirect::Up(join_rest(
                            String::new(),
                            rest,
                        ))));
                    }
                }
                name => {
                    if name.len() > 255 {
                        return Err(Errno::ENAMETOOLONG.into());
                    }
                    let dir = self.top(&stack);
                    let st = match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
                        Ok(st) => st,
                        Err(rustix::io::Errno::NOENT) if last => {
                            return Ok(Walked::Missing {
                                stack,
                                name: name.to_owned(),
                            });
                        }
                        Err(e) => return Err(fs_err(e)),
                    };
                    if is_symlink(&st) && (!last || follow_last) {
                        let target = read_link(dir, name)?;
                        let next = if target.starts_with('/') {
                            Redirect::Global(join_rest(target, rest))
                        } else {
                            let base = join_rest(canonical(&stack, None), &[&target]);
                            Redirect::Local(join_rest(base, rest))
                        };
                        return Err(FsErr::Redirect(next));
                    }
                    if is_dir(&st) && !req.nested.is_empty() {
                        let here = canonical(&stack, Some(name));
                        if req.nested.iter().any(|m| **m == *here) {
                            return Err(FsErr::Redirect(Redirect::Mount(join_rest(here, rest))));
                        }
                    }
                    if last {
                        leaf = Some((name.to_owned(), st));
                    } else {
                        // Enter it. O_NOFOLLOW | O_DIRECTORY: if it was swapped for a symlink
                        // (or anything but a directory) since the stat, this fails instead of
                        // following it; the VM then sees the error, or a redirect below.
                        let fd = match rustix::fs::openat(
                            dir,
                            name,
                            OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                            Mode::empty(),
                        ) {
                            Ok(fd) => fd,
                            Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => {
                                return Err(Errno::ENOTDIR.into())
                            }
                            Err(e) => return Err(fs_err(e)),
                        };
                        stack.push((fd, name.to_owned()));
                    }
                }
            }
        }
        if leaf.is_none() {
            // The path ends at a directory already entered (the root, or `x/..`, `x/.`): name
            // it by its parent and name, like any other object.
            if let Some((fd, name)) = stack.pop() {
                let st = rustix::fs::fstat(&fd).map_err(fs_err)?;
                leaf = Some((name, st));
            }
        }
        if trailing_slash {
            if let Some((_, st)) = &leaf {
                if !is_dir(st) {
                    return Err(Errno::ENOTDIR.into());
                }
            }
        }
        Ok(Walked::Found { stack, leaf })
    }

    fn found(
        &self,
        req: &Req,
        follow: bool,
    ) -> FsResult<(Stack, Option<(String, rustix::fs::Stat)>)> {
        match self.walk(req, follow)? {
            Walked::Found { stack, leaf } => Ok((stack, leaf)),
            Walked::Missing { .. } => Err(Errno::ENOENT.into()),
        }
    }

    /// Open the object a walk found (the root when `leaf` is `None`), never following a
    /// symlink.
    fn open_found(
        &self,
        stack: &Stack,
        leaf: Option<&str>,
        flags: OFlags,
    ) -> Result<OwnedFd, rustix::io::Errno> {
        let flags = flags | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match leaf {
            Some(name) => rustix::fs::openat(self.top(stack), name, flags, Mode::empty()),
            None => rustix::fs::openat(&self.root, ".", flags, Mode::empty()),
        }
    }

    fn stat(&self, req: &Req, follow: bool) -> FsResult<Stat> {
        let (_, leaf) = self.found(req, follow)?;
        let st = match leaf {
            Some((_, st)) => st,
            None => rustix::fs::fstat(&self.root).map_err(fs_err)?,
        };
        Ok(self.stat_of(&st))
    }

    fn realpath(&self, req: &Req) -> FsResult<String> {
        let (stack, leaf) = self.found(req, true)?;
        Ok(canonical(&stack, leaf.as_ref().map(|(n, _)| n.as_str())))
    }

    fn read(&self, req: &Req, offset: u64, len: Option<u64>) -> FsResult<Bytes> {
        let (stack, leaf) = self.found(req, true)?;
        let Some((name, st)) = leaf else {
            return Err(Errno::EISDIR.into());
        };
        if is_dir(&st) {
            return Err(Errno::EISDIR.into());
        }
        if !is_type(&st, rustix::fs::FileType::RegularFile) {
            return Err(Errno::EINVAL.into());
        }
        let fd = self
            .open_found(&stack, Some(&name), OFlags::RDONLY | OFlags::NONBLOCK)
            .map_err(fs_err)?;
        let st = rustix::fs::fstat(&fd).map_err(fs_err)?;
        if !is_type(&st, rustix::fs::FileType::RegularFile) {
            return Err(Errno::EINVAL.into());
        }
        let size = u64::try_from(st.st_size).unwrap_or(0);
        let want = len.unwrap_or(u64::MAX);
        let hint = size.saturating_sub(offset).min(want).min(1 << 24);
        let mut out = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
        let mut pos = offset;
        let mut chunk = vec![0u8; 64 * 1024];
        while (out.len() as u64) < want {
            let room = want - out.len() as u64;
            let n = usize::try_from(room).unwrap_or(usize::MAX).min(chunk.len());
            let got = match rustix::io::pread(&fd, &mut chunk[..n], pos) {
                Ok(0) => break,
                Ok(got) => got,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(fs_err(e)),
            };
            out.extend_from_slice(&chunk[..got]);
            pos += got as u64;
        }
        Ok(Bytes::from(out))
    }

    fn write(&self, req: &Req, data: &[u8], opts: WriteOpts) -> FsResult<u64> {
        // A file created by someone else between the walk and the exclusive create: try again.
        for _ in 0..8 {
            match self.walk(req, true)? {
                Walked::Found { stack, leaf } => {
                    if opts.create.is_some() && opts.exclusive {
                        return Err(Errno::EEXIST.into());
                    }
                    let Some((name, st)) = leaf else {
                        return Err(Errno::EISDIR.into());
                    };
                    if is_dir(&st) {
                        return Err(Errno::EISDIR.into());
                    }
                    if !is_type(&st, rustix::fs::FileType::RegularFile) {
                        return Err(Errno::EINVAL.into());
                    }
                    if req.read_only {
                        return Err(Errno::EROFS.into());
                    }
                    let mut flags = OFlags::WRONLY | OFlags::NONBLOCK;
                    match opts.pos {
                        WritePos::Truncate => flags |= OFlags::TRUNC,
                        WritePos::Append => flags |= OFlags::APPEND,
                        WritePos::At(_) => {}
                    }
                    let fd = self
                        .open_found(&stack, Some(&name), flags)
                        .map_err(fs_err)?;
                    return write_data(&fd, data, opts.pos);
                }
                Walked::Missing { stack, name } => {
                    let perm = create_mode(&req.path, opts.create, req.read_only)?;
                    // O_EXCL: never follows a symlink planted in the meantime.
                    let fd = match rustix::fs::openat(
                        self.top(&stack),
                        name.as_str(),
                        OFlags::WRONLY
                            | OFlags::CREATE
                            | OFlags::EXCL
                            | OFlags::NOFOLLOW
                            | OFlags::CLOEXEC,
                        Mode::from_raw_mode(perm & 0o777),
                    ) {
                        Ok(fd) => fd,
                        Err(rustix::io::Errno::EXIST) if !opts.exclusive => continue,
                        Err(e) => return Err(fs_err(e)),
                    };
                    // The host's umask must not change the VM's mode.
                    rustix::fs::fchmod(&fd, Mode::from_raw_mode(perm & 0o7777)).map_err(fs_err)?;
                    let st = rustix::fs::fstat(&fd).map_err(fs_err)?;
                    self.set_owner(&st, req.cred.uid, req.cred.gid);
                    return write_data(&fd, data, opts.pos);
                }
            }
        }
        Err(Errno::EAGAIN.into())
    }

    fn truncate(&self, req: &Req, len: u64) -> FsResult<()> {
        let (stack, leaf) = self.found(req, true)?;
        let Some((name, st)) = leaf else {
            return Err(Errno::EISDIR.into());
        };
        if is_dir(&st) {
            return Err(Errno::EISDIR.into());
        }
        if !is_type(&st, rustix::fs::FileType::RegularFile) {
            return Err(Errno::EINVAL.into());
        }
        if req.read_only {
            return Err(Errno::EROFS.into());
        }
        let fd = self
            .open_found(&stack, Some(&name), OFlags::WRONLY | OFlags::NONBLOCK)
            .map_err(fs_err)?;
        rustix::fs::ftruncate(&fd, len).map_err(fs_err)
    }

    fn read_dir(&self, req: &Req) -> FsResult<Vec<DirEntry>> {
        let (stack, leaf) = self.found(req, true)?;
        if let Some((_, st)) = &leaf {
            if !is_dir(st) {
                return Err(Errno::ENOTDIR.into());
            }
        }
        let fd = self
            .open_found(
                &stack,
                leaf.as_ref().map(|(n, _)| n.as_str()),
                OFlags::RDONLY | OFlags::DIRECTORY,
            )
            .map_err(fs_err)?;
        let dir = rustix::fs::Dir::read_from(&fd).map_err(fs_err)?;
        let mut out = Vec::new();
        for entry in dir {
            let entry = entry.map_err(fs_err)?;
            let Ok(name) = entry.file_name().to_str() else {
                // Names that are not UTF-8 cannot be addressed from the VM.
                continue;
            };
            if name == "." || name == ".." {
                continue;
            }
            match rustix::fs::statat(&fd, name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => out.push(DirEntry {
                    name: name.to_owned(),
                    stat: self.stat_of(&st),
                }),
                // Removed while we listed it.
                Err(rustix::io::Errno::NOENT) => {}
                Err(e) => return Err(fs_err(e)),
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn mkdir(&self, req: &Req, perm: u32) -> FsResult<()> {
        match self.walk(req, false)? {
            Walked::Found { .. } => Err(Errno::EEXIST.into()),
            Walked::Missing { stack, name } => {
                if req.read_only {
                    return Err(Errno::EROFS.into());
                }
                let dir = self.top(&stack);
                rustix::fs::mkdirat(dir, name.as_str(), Mode::from_raw_mode(perm & 0o777))
                    .map_err(fs_err)?;
                // The host's umask must not change the VM's mode.
                chmod_at(dir, &name, perm & 0o7777)?;
                let st = rustix::fs::statat(dir, name.as_str(), AtFlags::SYMLINK_NOFOLLOW)
                    .map_err(fs_err)?;
                self.set_owner(&st, req.cred.uid, req.cred.gid);
                Ok(())
            }
        }
    }

    fn rmdir(&self, req: &Req) -> FsResult<()> {
        check_entry_name(&req.path)?;
        let (stack, leaf) = self.found(req, false)?;
        let (name, st) = leaf.ok_or(Errno::EBUSY)?;
        if !is_dir(&st) {
            return Err(Errno::ENOTDIR.into());
        }
        if req.read_only {
            return Err(Errno::EROFS.into());
        }
        rustix::fs::unlinkat(self.top(&stack), name.as_str(), AtFlags::REMOVEDIR)
            .map_err(fs_err)?;
        self.forget_owner(&st);
        Ok(())
    }

    fn unlink(&self, req: &Req) -> FsResult<()> {
        let (stack, leaf) = self.found(req, false)?;
        let (name, st) = leaf.ok_or(Errno::EISDIR)?;
        if is_dir(&st) {
            return Err(Errno::EISDIR.into());
        }
        if req.read_only {
            return Err(Errno::EROFS.into());
        }
        rustix::fs::unlinkat(self.top(&stack), name.as_str(), AtFlags::empty()).map_err(fs_err)?;
        if st.st_nlink <= 1 {
            self.forget_owner(&st);
        }
        Ok(())
    }

    fn rename(&self, from: &Req, to: &Req) -> FsResult<()> {
        check_entry_name(&from.path)?;
        check_entry_name(&to.path)?;
        let (from_stack, from_leaf) = self.found(from, false)?;
        let (from_name, _) = from_leaf.ok_or(Errno::EBUSY)?;
        let (to_stack, to_name, replaced) = match self.walk(to, false)? {
            Walked::Found { stack, leaf } => {
                let (name, st) = leaf.ok_or(Errno::EBUSY)?;
                (stack, name, Some(st))
            }
            Walked::Missing { stack, name } => (stack, name, None),
        };
        if from.read_only || to.read_only {
            return Err(Errno::EROFS.into());
        }
        rustix::fs::renameat(
            self.top(&from_stack),
            from_name.as_str(),
            self.top(&to_stack),
            to_name.as_str(),
        )
        .map_err(fs_err)?;
        if let Some(st) = replaced {
            if st.st_nlink <= 1 || is_dir(&st) {
                // Gone, unless the rename was a no-op onto the same object.
                if let Ok(now) = rustix::fs::statat(
                    self.top(&to_stack),
                    to_name.as_str(),
                    AtFlags::SYMLINK_NOFOLLOW,
                ) {
                    if key(&now) != key(&st) {
                        self.forget_owner(&st);
                    }
                }
            }
        }
        Ok(())
    }

    fn link(&self, from: &Req, to: &Req) -> FsResult<()> {
        let (from_stack, from_leaf) = self.found(from, false)?;
        let Some((from_name, st)) = from_leaf else {
            return Err(Errno::EPERM.into());
        };
        if is_dir(&st) {
            return Err(Errno::EPERM.into());
        }
        match self.walk(to, false)? {
            Walked::Found { .. } => Err(Errno::EEXIST.into()),
            Walked::Missing { stack, name } => {
                if from.read_only || to.read_only {
                    return Err(Errno::EROFS.into());
                }
                // Flags 0: a symlink source is linked itself, never followed.
                rustix::fs::linkat(
                    self.top(&from_stack),
                    from_name.as_str(),
                    self.top(&stack),
                    name.as_str(),
                    AtFlags::empty(),
                )
                .map_err(fs_err)
            }
        }
    }

    fn symlink(&self, target: &str, req: &Req) -> FsResult<()> {
        if target.is_empty() {
            return Err(Errno::ENOENT.into());
        }
        match self.walk(req, false)? {
            Walked::Found { .. } => Err(Errno::EEXIST.into()),
            Walked::Missing { stack, name } => {
                if req.read_only {
                    return Err(Errno::EROFS.into());
                }
                let dir = self.top(&stack);
                rustix::fs::symlinkat(target, dir, name.as_str()).map_err(fs_err)?;
                if let Ok(st) = rustix::fs::statat(dir, name.as_str(), AtFlags::SYMLINK_NOFOLLOW) {
                    self.set_owner(&st, req.cred.uid, req.cred.gid);
                }
                Ok(())
            }
        }
    }

    fn readlink(&self, req: &Req) -> FsResult<String> {
        let (stack, leaf) = self.found(req, false)?;
        let (name, st) = leaf.ok_or(Errno::EINVAL)?;
        if !is_symlink(&st) {
            return Err(Errno::EINVAL.into());
        }
        read_link(self.top(&stack), &name)
    }

    fn set_attr(&self, req: &Req, follow: bool, attr: SetAttr) -> FsResult<()> {
        let (stack, leaf) = self.found(req, follow)?;
        if req.read_only {
            return Err(Errno::EROFS.into());
        }
        let name = leaf.as_ref().map(|(n, _)| n.as_str());
        let st = match &leaf {
            Some((_, st)) => *st,
            None => rustix::fs::fstat(&self.root).map_err(fs_err)?,
        };
        if let Some(perm) = attr.perm {
            let (dir, n) = match name {
                Some(n) => (self.top(&stack), n),
                None => (self.root.as_fd(), "."),
            };
            chmod_at(dir, n, perm & 0o7777)?;
        }
        if attr.atime_ns.is_some() || attr.mtime_ns.is_some() {
            let times = Timestamps {
                last_access: timespec(attr.atime_ns),
                last_modification: timespec(attr.mtime_ns),
            };
            // AT_SYMLINK_NOFOLLOW always: a leaf swapped for a symlink gets its own times set,
            // never its target's.
            match name {
                Some(n) => {
                    rustix::fs::utimensat(self.top(&stack), n, &times, AtFlags::SYMLINK_NOFOLLOW)
                }
                None => rustix::fs::utimensat(&self.root, ".", &times, AtFlags::empty()),
            }
            .map_err(fs_err)?;
        }
        if attr.uid.is_some() || attr.gid.is_some() {
            let current = self.stat_of(&st);
            self.set_owner(
                &st,
                attr.uid.unwrap_or(current.uid),
                attr.gid.unwrap_or(current.gid),
            );
        }
        Ok(())
    }
}

/// `chmod` the object `name` in `dir` without a path lookup that could follow a symlink
/// swapped in meanwhile: open it `O_PATH | O_NOFOLLOW`, then change it through
/// `/proc/self/fd`, whose entry is bound to the opened inode. Without `/proc`, reopen it
/// `O_NOFOLLOW` for reading and `fchmod` (needs read permission on the host).
fn chmod_at(dir: BorrowedFd<'_>, name: &str, perm: u32) -> FsResult<()> {
    let mode = Mode::from_raw_mode(perm);
    let fd = rustix::fs::openat(
        dir,
        name,
        OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(fs_err)?;
    let st = rustix::fs::fstat(&fd).map_err(fs_err)?;
    if is_symlink(&st) {
        // Linux cannot change a symlink's mode either.
        return Err(Errno::ENOTSUP.into());
    }
    let proc_path = format!("/proc/self/fd/{}", fd.as_raw_fd());
    match rustix::fs::chmod(proc_path.as_str(), mode) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::NOENT) => {
            let real = rustix::fs::openat(
                dir,
                name,
                OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(fs_err)?;
            if key(&rustix::fs::fstat(&real).map_err(fs_err)?) != key(&st) {
                // Replaced in between: act as if it had vanished.
                return Err(Errno::ENOENT.into());
            }
            rustix::fs::fchmod(&real, mode).map_err(fs_err)
        }
        Err(e) => Err(fs_err(e)),
    }
}

fn read_link(dir: BorrowedFd<'_>, name: &str) -> FsResult<String> {
    let target = rustix::fs::readlinkat(dir, name, Vec::new()).map_err(fs_err)?;
    Ok(String::from_utf8_lossy(target.as_bytes()).into_owned())
}

/// Write all of `data` where `pos` says, through a descriptor opened with the matching flags;
/// returns the file's new size.
fn write_data(fd: &OwnedFd, data: &[u8], pos: WritePos) -> FsResult<u64> {
    let mut done = 0;
    while done < data.len() {
        let r = match pos {
            WritePos::At(off) => rustix::io::pwrite(fd, &data[done..], off + done as u64),
            WritePos::Truncate | WritePos::Append => rustix::io::write(fd, &data[done..]),
        };
        match r {
            Ok(0) => return Err(Errno::EIO.into()),
            Ok(n) => done += n,
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(fs_err(e)),
        }
    }
    let st = rustix::fs::fstat(fd).map_err(fs_err)?;
    Ok(u64::try_from(st.st_size).unwrap_or(0))
}

#[async_trait]
impl FileSystem for HostDir {
    async fn stat(&self, at: Ctx<'_>, follow: bool) -> FsResult<Stat> {
        let req = Req::from(at);
        self.run(move |fs| fs.stat(&req, follow)).await
    }
    async fn realpath(&self, at: Ctx<'_>) -> FsResult<String> {
        let req = Req::from(at);
        self.run(move |fs| fs.realpath(&req)).await
    }
    async fn read(&self, at: Ctx<'_>, offset: u64, len: Option<u64>) -> FsResult<Bytes> {
        let req = Req::from(at);
        self.run(move |fs| fs.read(&req, offset, len)).await
    }
    async fn write(&self, at: Ctx<'_>, data: Bytes, opts: WriteOpts) -> FsResult<u64> {
        let req = Req::from(at);
        self.run(move |fs| fs.write(&req, &data, opts)).await
    }
    async fn truncate(&self, at: Ctx<'_>, len: u64) -> FsResult<()> {
        let req = Req::from(at);
        self.run(move |fs| fs.truncate(&req, len)).await
    }
    async fn read_dir(&self, at: Ctx<'_>) -> FsResult<Vec<DirEntry>> {
        let req = Req::from(at);
        self.run(move |fs| fs.read_dir(&req)).await
    }
    async fn mkdir(&self, at: Ctx<'_>, perm: u32) -> FsResult<()> {
        let req = Req::from(at);
        self.run(move |fs| fs.mkdir(&req, perm)).await
    }
    async fn rmdir(&self, at: Ctx<'_>) -> FsResult<()> {
        let req = Req::from(at);
        self.run(move |fs| fs.rmdir(&req)).await
    }
    async fn unlink(&self, at: Ctx<'_>) -> FsResult<()> {
        let req = Req::from(at);
        self.run(move |fs| fs.unlink(&req)).await
    }
    async fn rename(&self, from: Ctx<'_>, to: Ctx<'_>) -> FsResult<()> {
        let (a, b) = (Req::from(from), Req::from(to));
        self.run(move |fs| fs.rename(&a, &b)).await
    }
    async fn link(&self, from: Ctx<'_>, to: Ctx<'_>) -> FsResult<()> {
        let (a, b) = (Req::from(from), Req::from(to));
        self.run(move |fs| fs.link(&a, &b)).await
    }
    async fn symlink(&self, target: &str, at: Ctx<'_>) -> FsResult<()> {
        let (target, req) = (target.to_owned(), Req::from(at));
        self.run(move |fs| fs.symlink(&target, &req)).await
    }
    async fn readlink(&self, at: Ctx<'_>) -> FsResult<String> {
        let req = Req::from(at);
        self.run(move |fs| fs.readlink(&req)).await
    }
    async fn set_attr(&self, at: Ctx<'_>, follow: bool, attr: SetAttr) -> FsResult<()> {
        let req = Req::from(at);
        self.run(move |fs| fs.set_attr(&req, follow, attr)).await
    }
}

#[cfg(test)]
// The tests prepare and inspect the host directory directly: the sanctioned `mounts/host_dir`
// exception of clippy.toml.
#[allow(clippy::disallowed_methods)]
mod tests {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::kernel::vfs::{conformance, MemFs, Vfs};

    const U: Cred = Cred::USER;

    /// A fresh host directory, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> TempDir {
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "agentos-hostdir-{tag}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A VM namespace (in-memory root holding its own `/etc/passwd`) with `dir` at `/mnt/host`.
    async fn vm_with(dir: &Path, read_only: bool) -> Vfs {
        let vfs = Vfs::new(Arc::new(MemFs::new()));
        vfs.write_file(U, "/etc/passwd", Bytes::from_static(b"vm passwd\n"))
            .await
            .unwrap();
        vfs.mkdir_all(U, "/mnt/host", 0o755).await.unwrap();
        vfs.mount(
            "/mnt/host",
            Arc::new(HostDir::open(dir).unwrap()),
            read_only,
        )
        .unwrap();
        vfs
    }

    async fn code<T: std::fmt::Debug>(r: crate::Result<T>) -> String {
        r.expect_err("expected an error").code().to_owned()
    }

    #[tokio::test]
    async fn conformance_read_write_mounted() {
        let tmp = TempDir::new("rw");
        let vfs = vm_with(&tmp.0, false).await;
        conformance::run_all(&vfs, "/mnt/host").await;
        // It all landed on the host.
        assert!(tmp.0.join("files/a.txt").is_file());
        assert!(std::fs::symlink_metadata(tmp.0.join("ln/abs")).is_err());
        assert!(std::fs::symlink_metadata(tmp.0.join("ln/chain"))
            .unwrap()
            .file_type()
            .is_symlink());
    }

    #[tokio::test]
    async fn conformance_read_only() {
        let tmp = TempDir::new("ro");
        prepare_read_only_at(&tmp).await;
        let vfs = vm_with(&tmp.0, true).await;
        conformance::read_only(&vfs, "/mnt/host").await;
    }

    async fn prepare_read_only_at(tmp: &TempDir) {
        let vfs = vm_with(&tmp.0, false).await;
        conformance::prepare_read_only(&vfs, "/mnt/host").await;
    }

    /// The suite in a subdirectory of the mount, on a multi-threaded runtime (the sidecar's).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn conformance_below_the_mount_point() {
        let tmp = TempDir::new("sub");
        let vfs = Vfs::new(Arc::new(MemFs::new()));
        vfs.mkdir_all(U, "/h", 0o755).await.unwrap();
        vfs.mount("/h", Arc::new(HostDir::open(&tmp.0).unwrap()), false)
            .unwrap();
        vfs.mkdir(U, "/h/sub", 0o755).await.unwrap();
        conformance::run_all(&vfs, "/h/sub").await;
    }

    #[tokio::test]
    async fn read_only_reads_and_refuses_writes() {
        let tmp = TempDir::new("ro");
        std::fs::create_dir_all(tmp.0.join("d/sub")).unwrap();
        std::fs::write(tmp.0.join("d/f"), b"0123456789").unwrap();
        std::os::unix::fs::symlink("f", tmp.0.join("d/ln")).unwrap();
        let vfs = vm_with(&tmp.0, true).await;
        let f = "/mnt/host/d/f";
        assert_eq!(&vfs.read_file(U, f).await.unwrap()[..], b"0123456789");
        assert_eq!(&vfs.pread(U, f, 2, Some(3)).await.unwrap()[..], b"234");
        assert_eq!(
            &vfs.read_file(U, "/mnt/host/d/ln").await.unwrap()[..],
            b"0123456789"
        );
        assert_eq!(vfs.readlink(U, "/mnt/host/d/ln").await.unwrap(), "f");
        assert_eq!(
            vfs.realpath(U, "/mnt/host/d/ln").await.unwrap(),
            "/mnt/host/d/f"
        );
        let names: Vec<String> = vfs
            .read_dir(U, "/mnt/host/d")
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["f", "ln", "sub"]);
        let st = vfs.stat(U, f, true).await.unwrap();
        assert_eq!((st.file_type, st.size, st.uid), (FileType::File, 10, 1000));
        assert_eq!(
            code(vfs.read_file(U, "/mnt/host/d/none").await).await,
            "ENOENT"
        );
        // Every change is EROFS.
        let data = || Bytes::from_static(b"x");
        assert_eq!(code(vfs.write_file(U, f, data()).await).await, "EROFS");
        assert_eq!(
            code(vfs.write_file(U, "/mnt/host/d/new", data()).await).await,
            "EROFS"
        );
        assert_eq!(code(vfs.truncate(U, f, 0).await).await, "EROFS");
        assert_eq!(
            code(vfs.mkdir(U, "/mnt/host/d/nd", 0o755).await).await,
            "EROFS"
        );
        assert_eq!(code(vfs.rmdir(U, "/mnt/host/d/sub").await).await, "EROFS");
        assert_eq!(code(vfs.unlink(U, f).await).await, "EROFS");
        assert_eq!(code(vfs.rename(U, f, "/mnt/host/d/g").await).await, "EROFS");
        assert_eq!(code(vfs.link(U, f, "/mnt/host/d/g").await).await, "EROFS");
        assert_eq!(
            code(vfs.symlink(U, "f", "/mnt/host/d/s").await).await,
            "EROFS"
        );
        let chmod = SetAttr {
            perm: Some(0o600),
            ..Default::default()
        };
        assert_eq!(
            code(vfs.set_attr(U, f, true, chmod, "chmod").await).await,
            "EROFS"
        );
        // Nothing changed on the host.
        assert_eq!(std::fs::read(tmp.0.join("d/f")).unwrap(), b"0123456789");
        assert_eq!(std::fs::read_dir(tmp.0.join("d")).unwrap().count(), 3);
    }

    #[tokio::test]
    async fn host_symlinks_resolve_in_the_vm_namespace() {
        let outer = TempDir::new("escape");
        let root = outer.0.join("a/b/root");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(outer.0.join("a/b/outside"), b"host secret").unwrap();
        std::fs::write(outer.0.join("a/outside"), b"host secret").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("abs")).unwrap();
        std::os::unix::fs::symlink("../../outside", root.join("rel")).unwrap();
        std::os::unix::fs::symlink("../outside", root.join("rel1")).unwrap();
        std::os::unix::fs::symlink("/", root.join("slash")).unwrap();
        let vfs = vm_with(&root, false).await;
        // Absolute: the VM's /etc/passwd, never the host's.
        assert_eq!(
            &vfs.read_file(U, "/mnt/host/abs").await.unwrap()[..],
            b"vm passwd\n"
        );
        assert_eq!(
            vfs.realpath(U, "/mnt/host/abs").await.unwrap(),
            "/etc/passwd"
        );
        assert_eq!(
            vfs.stat(U, "/mnt/host/abs", false).await.unwrap().file_type,
            FileType::Symlink
        );
        // Relative: `..` climbs the VM's tree (/mnt/host -> /mnt -> /), not the host's.
        assert_eq!(
            code(vfs.read_file(U, "/mnt/host/rel").await).await,
            "ENOENT"
        );
        assert_eq!(
            code(vfs.read_file(U, "/mnt/host/rel1").await).await,
            "ENOENT"
        );
        vfs.write_file(U, "/outside", Bytes::from_static(b"vm outside"))
            .await
            .unwrap();
        assert_eq!(
            &vfs.read_file(U, "/mnt/host/rel").await.unwrap()[..],
            b"vm outside"
        );
        // A link to "/" is the VM's root.
        assert_eq!(
            &vfs.read_file(U, "/mnt/host/slash/etc/passwd")
                .await
                .unwrap()[..],
            b"vm passwd\n"
        );
        // `..` in the VM path never climbs above the mount on the host.
        assert_eq!(
            &vfs.read_file(U, "/mnt/host/../host/../../etc/passwd")
                .await
                .unwrap()[..],
            b"vm passwd\n"
        );
        assert_eq!(
            code(vfs.read_file(U, "/mnt/host/../outside_nope").await).await,
            "ENOENT"
        );
        // Writing through the absolute link writes the VM's file, not the host's.
        vfs.write_file(U, "/mnt/host/abs", Bytes::from_static(b"changed"))
            .await
            .unwrap();
        assert_eq!(
            &vfs.read_file(U, "/etc/passwd").await.unwrap()[..],
            b"changed"
        );
        assert_eq!(
            std::fs::read(outer.0.join("a/b/outside")).unwrap(),
            b"host secret"
        );
        // The backend itself, asked directly, answers redirects rather than following.
        let fs = HostDir::open(&root).unwrap();
        let ctx = |path| Ctx {
            path,
            nested: &[],
            cred: U,
            read_only: false,
        };
        assert_eq!(
            fs.read(ctx("/abs"), 0, None).await.unwrap_err(),
            FsErr::Redirect(Redirect::Global("/etc/passwd".into()))
        );
        assert_eq!(
            fs.read(ctx("/rel"), 0, None).await.unwrap_err(),
            FsErr::Redirect(Redirect::Local("/../../outside".into()))
        );
        assert_eq!(
            fs.read(ctx("/.."), 0, None).await.unwrap_err(),
            FsErr::Redirect(Redirect::Up("/".into()))
        );
        assert_eq!(
            fs.stat(ctx("/../x/y"), true).await.unwrap_err(),
            FsErr::Redirect(Redirect::Up("/x/y".into()))
        );
    }

    #[tokio::test]
    async fn a_directory_swapped_for_a_symlink_does_not_escape() {
        let outer = TempDir::new("swap");
        let root = outer.0.join("root");
        std::fs::create_dir_all(root.join("d")).unwrap();
        std::fs::write(root.join("d/f"), b"inside").unwrap();
        std::fs::create_dir_all(outer.0.join("secret")).unwrap();
        std::fs::write(outer.0.join("secret/f"), b"host secret").unwrap();
        let vfs = vm_with(&root, false).await;
        assert_eq!(
            vfs.stat(U, "/mnt/host/d", true).await.unwrap().file_type,
            FileType::Dir
        );
        // Swap `d` for a host symlink to the host's root, then to a host directory outside.
        std::fs::remove_dir_all(root.join("d")).unwrap();
        std::os::unix::fs::symlink("/", root.join("d")).unwrap();
        let r = vfs.read_file(U, "/mnt/host/d/etc/passwd").await;
        match r {
            Ok(b) => assert_eq!(&b[..], b"vm passwd\n", "read the host's /etc/passwd"),
            Err(e) => assert!(["ENOENT", "ELOOP", "ENOTDIR"].contains(&e.code()), "{e}"),
        }
        std::fs::remove_file(root.join("d")).unwrap();
        std::os::unix::fs::symlink(outer.0.join("secret"), root.join("d")).unwrap();
        assert_eq!(
            code(vfs.read_file(U, "/mnt/host/d/f").await).await,
            "ENOENT"
        );
        assert_eq!(code(vfs.read_dir(U, "/mnt/host/d").await).await, "ENOENT");
        // The VM resolves the link to a VM path outside its tree: nothing there to write to
        // (write_file's `mkdir -p` meets the dangling link: EEXIST, as on Linux).
        let e = vfs
            .write_file(U, "/mnt/host/d/f", Bytes::from_static(b"pwned"))
            .await
            .unwrap_err();
        assert!(["ENOENT", "EEXIST"].contains(&e.code()), "{e}");
        assert_eq!(
            std::fs::read(outer.0.join("secret/f")).unwrap(),
            b"host secret"
        );

        // The race itself, at the backend: the walk entered `d` with O_NOFOLLOW, so a symlink
        // swapped in at the point it opens is refused, never followed.
        let inner = HostDir::open(&root).unwrap();
        std::fs::remove_file(root.join("d")).unwrap();
        std::fs::create_dir(root.join("d")).unwrap();
        let fd = rustix::fs::openat(
            &inner.inner.root,
            "d",
            OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .unwrap();
        drop(fd);
        std::fs::remove_dir(root.join("d")).unwrap();
        std::os::unix::fs::symlink("/", root.join("d")).unwrap();
        let e = rustix::fs::openat(
            &inner.inner.root,
            "d",
            OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .unwrap_err();
        assert!(
            matches!(e, rustix::io::Errno::NOTDIR | rustix::io::Errno::LOOP),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn hard_links_stay_inside() {
        let outer = TempDir::new("link");
        let root = outer.0.join("root");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(outer.0.join("outside"), b"host secret").unwrap();
        std::os::unix::fs::symlink(outer.0.join("outside"), root.join("to_outside")).unwrap();
        std::os::unix::fs::symlink(&outer.0, root.join("to_outer")).unwrap();
        let vfs = vm_with(&root, false).await;
        // A link target is a VM path: /etc/passwd is the VM's, on another mount.
        assert_eq!(
            code(vfs.link(U, "/etc/passwd", "/mnt/host/pw").await).await,
            "EXDEV"
        );
        // Through a host symlink to a host file outside: the VM resolves it to a VM path that
        // does not exist, never to the host file.
        assert_eq!(
            code(
                vfs.link(U, "/mnt/host/to_outer/outside", "/mnt/host/x")
                    .await
            )
            .await,
            "ENOENT"
        );
        // link(2) does not follow the last symlink: this links the symlink itself.
        vfs.link(U, "/mnt/host/to_outside", "/mnt/host/copy")
            .await
            .unwrap();
        let st = std::fs::symlink_metadata(root.join("copy")).unwrap();
        assert!(st.file_type().is_symlink());
        assert_eq!(
            code(vfs.read_file(U, "/mnt/host/copy").await).await,
            "ENOENT"
        );
        use std::os::unix::fs::MetadataExt;
        assert_eq!(
            std::fs::metadata(outer.0.join("outside")).unwrap().nlink(),
            1
        );
    }

    #[tokio::test]
    async fn attributes_never_reach_outside() {
        let outer = TempDir::new("attr");
        let root = outer.0.join("root");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(outer.0.join("outside"), b"host").unwrap();
        std::os::unix::fs::symlink(outer.0.join("outside"), root.join("ln")).unwrap();
        let before = std::fs::symlink_metadata(outer.0.join("outside")).unwrap();
        let vfs = vm_with(&root, false).await;
        let chmod = SetAttr {
            perm: Some(0o777),
            ..Default::default()
        };
        let utime = SetAttr {
            atime_ns: Some(1),
            mtime_ns: Some(1),
            ..Default::default()
        };
        // lchmod: not on Linux either.
        assert_eq!(
            code(
                vfs.set_attr(U, "/mnt/host/ln", false, chmod, "lchmod")
                    .await
            )
            .await,
            "ENOTSUP"
        );
        // Following it goes through the VM's namespace, where the host path does not exist.
        assert_eq!(
            code(vfs.set_attr(U, "/mnt/host/ln", true, chmod, "chmod").await).await,
            "ENOENT"
        );
        vfs.set_attr(U, "/mnt/host/ln", false, utime, "lutimes")
            .await
            .unwrap();
        let after = std::fs::symlink_metadata(outer.0.join("outside")).unwrap();
        assert_eq!(before.permissions(), after.permissions());
        assert_eq!(before.modified().unwrap(), after.modified().unwrap());
        assert_eq!(std::fs::read(outer.0.join("outside")).unwrap(), b"host");
    }

    #[tokio::test]
    async fn nested_mounts_inside_a_host_dir() {
        let tmp = TempDir::new("nested");
        std::fs::create_dir_all(tmp.0.join("sub/m")).unwrap();
        let vfs = vm_with(&tmp.0, false).await;
        vfs.mount("/mnt/host/sub/m", Arc::new(MemFs::new()), false)
            .unwrap();
        vfs.write_file(U, "/mnt/host/sub/m/f", Bytes::from_static(b"mem"))
            .await
            .unwrap();
        assert_eq!(
            &vfs.read_file(U, "/mnt/host/sub/./m/../m/f").await.unwrap()[..],
            b"mem"
        );
        // It went to the nested MemFs, not to the host directory under it.
        assert_eq!(std::fs::read_dir(tmp.0.join("sub/m")).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn owners_modes_and_errors() {
        let tmp = TempDir::new("meta");
        std::fs::write(tmp.0.join("pre"), b"x").unwrap();
        let fs = Arc::new(
            HostDir::open_as(
                &tmp.0,
                Cred {
                    uid: 5,
                    gid: 6,
                    guest: false,
                },
            )
            .unwrap(),
        );
        let vfs = Vfs::new(Arc::new(MemFs::new()));
        vfs.mkdir_all(U, "/m", 0o755).await.unwrap();
        vfs.mount("/m", fs, false).unwrap();
        let st = vfs.stat(U, "/m/pre", true).await.unwrap();
        assert_eq!((st.uid, st.gid), (5, 6));
        let opts = WriteOpts {
            pos: WritePos::Truncate,
            create: Some(0o600),
            exclusive: true,
        };
        vfs.write(Cred::ROOT, "/m/new", Bytes::from_static(b"abc"), opts)
            .await
            .unwrap();
        let st = vfs.stat(U, "/m/new", true).await.unwrap();
        assert_eq!((st.uid, st.perm, st.size), (0, 0o600, 3));
        vfs.mkdir(U, "/m/d", 0o700).await.unwrap();
        assert_eq!(vfs.stat(U, "/m/d", true).await.unwrap().perm, 0o700);
        assert_eq!(code(vfs.rmdir(U, "/m").await).await, "EBUSY");
        assert_eq!(code(vfs.read_file(U, "/m/pre/..").await).await, "ENOTDIR");
        assert_eq!(host_errno(rustix::io::Errno::ROFS), Errno::EROFS);
        assert_eq!(host_errno(rustix::io::Errno::LOOP), Errno::ELOOP);
        assert_eq!(host_errno(rustix::io::Errno::HOSTDOWN), Errno::EIO);
    }
}
