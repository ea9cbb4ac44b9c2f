//! The in-memory filesystem: an inode table with structural sharing.
//!
//! The whole state (inode table, directory maps, file contents) is made of persistent
//! structures: `imbl` maps whose nodes are shared between copies and `Bytes` buffers that are
//! shared until written. [`MemFs::fork`] is therefore O(1) and leaves both copies independent
//! (copy-on-write), which is how every new VM gets its root tree and how snapshots and forks of
//! a VM will work. A read takes the state's read lock only to find the inode and clone a `Bytes`
//! handle (no copy); a write takes the write lock for the time it takes to link the change in.
//! No lock is ever held across an `.await`.
//!
//! Access times are not updated by reads (like a `noatime` mount), so reads never write.

use super::path::{check_entry_name, create_mode, join_rest};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use parking_lot::RwLock;

use super::fs::{
    Cred, Ctx, DirEntry, FileSystem, FileType, FsErr, FsResult, Ino, Redirect, SetAttr, Stat,
    WriteOpts, WritePos,
};
use crate::kernel::errno::Errno;

/// The root directory's inode number.
pub const ROOT_INO: Ino = 1;

/// Byte limits of one in-memory filesystem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FsLimits {
    /// Largest size one file may reach (`EFBIG` beyond it).
    pub max_file_bytes: u64,
    /// Largest total of all file sizes (`ENOSPC` beyond it).
    pub max_total_bytes: u64,
}

impl FsLimits {
    /// No limits.
    pub const UNLIMITED: FsLimits = FsLimits {
        max_file_bytes: u64::MAX,
        max_total_bytes: u64::MAX,
    };
}

/// Special files backed by code rather than bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    /// `/dev/null`: reads are empty, writes vanish.
    Null,
    /// `/dev/zero`: reads give zeros, writes vanish.
    Zero,
    /// `/dev/urandom` (and `/dev/random`): reads give random bytes from the host's generator.
    Urandom,
}

#[derive(Clone, Debug)]
enum Body {
    File(Bytes),
    Dir(imbl::OrdMap<Arc<str>, Ino>),
    Symlink(Arc<str>),
    Device(Device),
}

#[derive(Clone, Copy, Debug)]
struct Meta {
    perm: u32,
    uid: u32,
    gid: u32,
    nlink: u32,
    atime: i64,
    mtime: i64,
    ctime: i64,
    btime: i64,
}

#[derive(Clone, Debug)]
struct Inode {
    meta: Meta,
    body: Body,
}

impl Inode {
    fn file_type(&self) -> FileType {
        match self.body {
            Body::File(_) => FileType::File,
            Body::Dir(_) => FileType::Dir,
            Body::Symlink(_) => FileType::Symlink,
            Body::Device(_) => FileType::CharDevice,
        }
    }

    fn size(&self) -> u64 {
        match &self.body {
            Body::File(b) => b.len() as u64,
            Body::Dir(_) => 4096,
            Body::Symlink(t) => t.len() as u64,
            Body::Device(_) => 0,
        }
    }

    fn stat(&self, ino: Ino) -> Stat {
        Stat {
            file_type: self.file_type(),
            perm: self.meta.perm,
            ino,
            nlink: self.meta.nlink,
            uid: self.meta.uid,
            gid: self.meta.gid,
            size: self.size(),
            atime_ns: self.meta.atime,
            mtime_ns: self.meta.mtime,
            ctime_ns: self.meta.ctime,
            birthtime_ns: self.meta.btime,
        }
    }
}

#[derive(Clone, Debug)]
struct State {
    inodes: imbl::HashMap<Ino, Inode>,
    next_ino: Ino,
    bytes_used: u64,
}

/// Nanoseconds since the Unix epoch, from the host clock.
pub(crate) fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn new_meta(perm: u32, cred: Cred, nlink: u32) -> Meta {
    let t = now_ns();
    Meta {
        perm: perm & 0o7777,
        uid: cred.uid,
        gid: cred.gid,
        nlink,
        atime: t,
        mtime: t,
        ctime: t,
        btime: t,
    }
}

/// The result of walking a path: the chain of directories entered, and how it ended.
enum Walked<'p> {
    /// The path names an existing object; `stack` holds `(ino, name)` from the root down to it
    /// (empty for the root itself).
    Found { stack: Vec<(Ino, &'p str)> },
    /// Everything but the last component exists; `stack` leads to the parent directory.
    Missing {
        stack: Vec<(Ino, &'p str)>,
        name: &'p str,
    },
}

fn top(stack: &[(Ino, &str)]) -> Ino {
    stack.last().map_or(ROOT_INO, |e| e.0)
}

fn canonical(stack: &[(Ino, &str)]) -> String {
    if stack.is_empty() {
        return "/".to_owned();
    }
    let mut s = String::new();
    for (_, name) in stack {
        s.push('/');
        s.push_str(name);
    }
    s
}

impl State {
    fn empty() -> Self {
        let mut inodes = imbl::HashMap::new();
        inodes.insert(
            ROOT_INO,
            Inode {
                meta: new_meta(0o755, Cred::ROOT, 2),
                body: Body::Dir(imbl::OrdMap::new()),
            },
        );
        State {
            inodes,
            next_ino: ROOT_INO + 1,
            bytes_used: 0,
        }
    }

    fn node(&self, ino: Ino) -> Result<&Inode, Errno> {
        self.inodes.get(&ino).ok_or(Errno::EIO)
    }

    fn node_mut(&mut self, ino: Ino) -> Result<&mut Inode, Errno> {
        self.inodes.get_mut(&ino).ok_or(Errno::EIO)
    }

    fn dir(&self, ino: Ino) -> Result<&imbl::OrdMap<Arc<str>, Ino>, Errno> {
        match &self.node(ino)?.body {
            Body::Dir(d) => Ok(d),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn dir_mut(&mut self, ino: Ino) -> Result<&mut imbl::OrdMap<Arc<str>, Ino>, Errno> {
        match &mut self.node_mut(ino)?.body {
            Body::Dir(d) => Ok(d),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// Walk `path` from the root. Symlinks (except a last one when `!follow_last`), `..` above
    /// the root and nested mount points end the walk with a [`Redirect`].
    fn walk<'p>(
        &self,
        path: &'p str,
        nested: &[Box<str>],
        follow_last: bool,
    ) -> FsResult<Walked<'p>> {
        let trailing_slash = path.len() > 1 && path.ends_with('/');
        let follow_last = follow_last || trailing_slash;
        let comps: Vec<&'p str> = path.split('/').filter(|c| !c.is_empty()).collect();
        let mut stack: Vec<(Ino, &'p str)> = Vec::with_capacity(comps.len());
        for (i, &c) in comps.iter().enumerate() {
            let last = i + 1 == comps.len();
            let dir = self.dir(top(&stack))?;
            match c {
                "." => {}
                ".." => {
                    if stack.pop().is_none() {
                        return Err(FsErr::Redirect(Redirect::Up(join_rest(
                            String::new(),
                            &comps[i + 1..],
                        ))));
                    }
                }
                name => {
                    if name.len() > 255 {
                        return Err(Errno::ENAMETOOLONG.into());
                    }
                    let Some(&child) = dir.get(name) else {
                        if last {
                            return Ok(Walked::Missing { stack, name });
                        }
                        return Err(Errno::ENOENT.into());
                    };
                    let node = self.node(child)?;
                    if let Body::Symlink(target) = &node.body {
                        if !last || follow_last {
                            let rest = &comps[i + 1..];
                            let next = if target.starts_with('/') {
                                Redirect::Global(join_rest(target.to_string(), rest))
                            } else {
                                let base = join_rest(canonical(&stack), &[target]);
                                Redirect::Local(join_rest(base, rest))
                            };
                            return Err(FsErr::Redirect(next));
                        }
                    }
                    let is_dir = matches!(node.body, Body::Dir(_));
                    stack.push((child, name));
                    if is_dir && !nested.is_empty() {
                        let here = canonical(&stack);
                        if nested.iter().any(|m| **m == *here) {
                            let rest = &comps[i + 1..];
                            return Err(FsErr::Redirect(Redirect::Mount(join_rest(here, rest))));
                        }
                    }
                }
            }
        }
        if trailing_slash && !matches!(self.node(top(&stack))?.body, Body::Dir(_)) {
            return Err(Errno::ENOTDIR.into());
        }
        Ok(Walked::Found { stack })
    }

    fn found<'p>(&self, at: &Ctx<'p>, follow: bool) -> FsResult<Vec<(Ino, &'p str)>> {
        match self.walk(at.path, at.nested, follow)? {
            Walked::Found { stack } => Ok(stack),
            Walked::Missing { .. } => Err(Errno::ENOENT.into()),
        }
    }

    fn alloc(&mut self, inode: Inode) -> Ino {
        let ino = self.next_ino;
        self.next_ino += 1;
        self.inodes.insert(ino, inode);
        ino
    }

    /// Link a new inode under `parent` as `name`.
    fn create(&mut self, parent: Ino, name: &str, inode: Inode) -> Result<Ino, Errno> {
        let is_dir = matches!(inode.body, Body::Dir(_));
        let ino = self.alloc(inode);
        let t = now_ns();
        let p = self.node_mut(parent)?;
        p.meta.mtime = t;
        p.meta.ctime = t;
        if is_dir {
            p.meta.nlink += 1;
        }
        self.dir_mut(parent)?.insert(Arc::from(name), ino);
        Ok(ino)
    }

    /// Drop one link to `ino`, freeing it when none is left.
    fn drop_link(&mut self, ino: Ino) -> Result<(), Errno> {
        let node = self.node_mut(ino)?;
        let gone = match node.body {
            Body::Dir(_) => true,
            _ => {
                node.meta.nlink = node.meta.nlink.saturating_sub(1);
                node.meta.ctime = now_ns();
                node.meta.nlink == 0
            }
        };
        if gone {
            if let Some(old) = self.inodes.remove(&ino) {
                if let Body::File(b) = old.body {
                    self.bytes_used = self.bytes_used.saturating_sub(b.len() as u64);
                }
            }
        }
        Ok(())
    }

    /// Unlink `name` from `parent` (the entry must exist).
    fn remove_entry(&mut self, parent: Ino, name: &str, child: Ino) -> Result<(), Errno> {
        let child_is_dir = matches!(self.node(child)?.body, Body::Dir(_));
        self.dir_mut(parent)?.remove(name);
        let t = now_ns();
        let p = self.node_mut(parent)?;
        p.meta.mtime = t;
        p.meta.ctime = t;
        if child_is_dir {
            p.meta.nlink = p.meta.nlink.saturating_sub(1);
        }
        self.drop_link(child)
    }
}

/// An in-memory filesystem. Cheap to create, O(1) to [`fork`](MemFs::fork).
pub struct MemFs {
    state: RwLock<State>,
    limits: FsLimits,
}

impl Default for MemFs {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MemFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.state.read();
        f.debug_struct("MemFs")
            .field("inodes", &st.inodes.len())
            .field("bytes_used", &st.bytes_used)
            .field("limits", &self.limits)
            .finish()
    }
}

fn into_mut(b: Bytes) -> BytesMut {
    b.try_into_mut()
        .unwrap_or_else(|shared| BytesMut::from(&shared[..]))
}

impl MemFs {
    /// An empty filesystem (a root directory, mode 0755, owned by root), without limits.
    pub fn new() -> Self {
        Self::with_limits(FsLimits::UNLIMITED)
    }

    /// An empty filesystem with byte limits.
    pub fn with_limits(limits: FsLimits) -> Self {
        MemFs {
            state: RwLock::new(State::empty()),
            limits,
        }
    }

    /// An independent copy in O(1): both share structure until one of them changes it.
    pub fn fork(&self, limits: FsLimits) -> MemFs {
        MemFs {
            state: RwLock::new(self.state.read().clone()),
            limits,
        }
    }

    /// Stop charging the files present now against the byte limits (a VM's root is not
    /// charged for the template it starts from).
    pub fn forgive_existing(&self) {
        self.state.write().bytes_used = 0;
    }

    /// Total bytes held by regular files.
    pub fn bytes_used(&self) -> u64 {
        self.state.read().bytes_used
    }

    /// Create a device node (used to populate `/dev`).
    pub fn mknod(&self, at: Ctx<'_>, device: Device, perm: u32) -> FsResult<()> {
        let mut st = self.state.write();
        match st.walk(at.path, at.nested, false)? {
            Walked::Found { .. } => Err(Errno::EEXIST.into()),
            Walked::Missing { stack, name } => {
                if at.read_only {
                    return Err(Errno::EROFS.into());
                }
                let inode = Inode {
                    meta: new_meta(perm, at.cred, 1),
                    body: Body::Device(device),
                };
                st.create(top(&stack), name, inode)?;
                Ok(())
            }
        }
    }

    fn stat_sync(&self, at: Ctx<'_>, follow: bool) -> FsResult<Stat> {
        let st = self.state.read();
        let ino = top(&st.found(&at, follow)?);
        Ok(st.node(ino)?.stat(ino))
    }

    fn realpath_sync(&self, at: Ctx<'_>) -> FsResult<String> {
        let st = self.state.read();
        Ok(canonical(&st.found(&at, true)?))
    }

    fn read_sync(&self, at: Ctx<'_>, offset: u64, len: Option<u64>) -> FsResult<Bytes> {
        let st = self.state.read();
        let ino = top(&st.found(&at, true)?);
        match &st.node(ino)?.body {
            Body::File(b) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX).min(b.len());
                let end = match len {
                    Some(n) => start.saturating_add(usize::try_from(n).unwrap_or(usize::MAX)),
                    None => b.len(),
                }
                .min(b.len());
                Ok(b.slice(start..end))
            }
            Body::Dir(_) => Err(Errno::EISDIR.into()),
            Body::Device(Device::Null) => Ok(Bytes::new()),
            Body::Device(dev) => {
                // Endless devices: a read must say how much it wants.
                let n = usize::try_from(len.ok_or(Errno::EFBIG)?).map_err(|_| Errno::EFBIG)?;
                let n = n.min(1 << 20);
                let mut buf = vec![0u8; n];
                if *dev == Device::Urandom {
                    getrandom::fill(&mut buf).map_err(|_| Errno::EIO)?;
                }
                Ok(Bytes::from(buf))
            }
            Body::Symlink(_) => Err(Errno::ELOOP.into()),
        }
    }

    fn write_sync(&self, at: Ctx<'_>, data: Bytes, opts: WriteOpts) -> FsResult<u64> {
        let limits = self.limits;
        let mut st = self.state.write();
        let ino = match st.walk(at.path, at.nested, true)? {
            Walked::Found { stack } => {
                if opts.create.is_some() && opts.exclusive {
                    return Err(Errno::EEXIST.into());
                }
                top(&stack)
            }
            Walked::Missing { stack, name } => {
                let perm = create_mode(at.path, opts.create, at.read_only)?;
                let size = data.len() as u64;
                if size > limits.max_file_bytes {
                    return Err(Errno::EFBIG.into());
                }
                if st.bytes_used.saturating_add(size) > limits.max_total_bytes {
                    return Err(Errno::ENOSPC.into());
                }
                let offset_gap = match opts.pos {
                    WritePos::At(off) => off,
                    _ => 0,
                };
                let content = if offset_gap == 0 {
                    data
                } else {
                    let mut m =
                        BytesMut::zeroed(usize::try_from(offset_gap).map_err(|_| Errno::EFBIG)?);
                    m.extend_from_slice(&data);
                    m.freeze()
                };
                let new_size = content.len() as u64;
                if new_size > limits.max_file_bytes {
                    return Err(Errno::EFBIG.into());
                }
                st.bytes_used += new_size;
                let inode = Inode {
                    meta: new_meta(perm, at.cred, 1),
                    body: Body::File(content),
                };
                st.create(top(&stack), name, inode)?;
                return Ok(new_size);
            }
        };
        let used = st.bytes_used;
        let node = st.node_mut(ino)?;
        let old = match &mut node.body {
            Body::File(b) => b,
            Body::Dir(_) => return Err(Errno::EISDIR.into()),
            Body::Device(_) => return Ok(0),
            Body::Symlink(_) => return Err(Errno::ELOOP.into()),
        };
        if at.read_only {
            return Err(Errno::EROFS.into());
        }
        let old_size = old.len() as u64;
        let new_size = match opts.pos {
            WritePos::Truncate => data.len() as u64,
            WritePos::Append => old_size + data.len() as u64,
            WritePos::At(off) => old_size.max(off.saturating_add(data.len() as u64)),
        };
        if new_size > limits.max_file_bytes {
            return Err(Errno::EFBIG.into());
        }
        if new_size > old_size && used.saturating_add(new_size - old_size) > limits.max_total_bytes
        {
            return Err(Errno::ENOSPC.into());
        }
        let current = std::mem::take(old);
        *old = match opts.pos {
            WritePos::Truncate => data,
            WritePos::Append if current.is_empty() => data,
            WritePos::Append => {
                let mut m = into_mut(current);
                m.extend_from_slice(&data);
                m.freeze()
            }
            WritePos::At(off) => {
                let off = usize::try_from(off).map_err(|_| Errno::EFBIG)?;
                let mut m = into_mut(current);
                let end = off + data.len();
                if m.len() < end {
                    m.resize(end, 0);
                }
                m[off..end].copy_from_slice(&data);
                m.freeze()
            }
        };
        let t = now_ns();
        node.meta.mtime = t;
        node.meta.ctime = t;
        // Saturating: files of the template are not charged, so replacing one credits nothing.
        st.bytes_used = used.saturating_sub(old_size).saturating_add(new_size);
        Ok(new_size)
    }

    fn truncate_sync(&self, at: Ctx<'_>, len: u64) -> FsResult<()> {
        let limits = self.limits;
        let mut st = self.state.write();
        let ino = top(&st.found(&at, true)?);
        let used = st.bytes_used;
        let node = st.node_mut(ino)?;
        let Body::File(b) = &mut node.body else {
            return Err(match node.body {
                Body::Dir(_) => Errno::EISDIR,
                _ => Errno::EINVAL,
            }
            .into());
        };
        if at.read_only {
            return Err(Errno::EROFS.into());
        }
        let old_size = b.len() as u64;
        if len > limits.max_file_bytes {
            return Err(Errno::EFBIG.into());
        }
        if len > old_size && used.saturating_add(len - old_size) > limits.max_total_bytes {
            return Err(Errno::ENOSPC.into());
        }
        let new_len = usize::try_from(len).map_err(|_| Errno::EFBIG)?;
        if new_len < b.len() {
            b.truncate(new_len);
        } else if new_len > b.len() {
            let mut m = into_mut(std::mem::take(b));
            m.resize(new_len, 0);
            *b = m.freeze();
        }
        let t = now_ns();
        node.meta.mtime = t;
        node.meta.ctime = t;
        st.bytes_used = used.saturating_sub(old_size).saturating_add(len);
        Ok(())
    }

    fn read_dir_sync(&self, at: Ctx<'_>) -> FsResult<Vec<DirEntry>> {
        let st = self.state.read();
        let ino = top(&st.found(&at, true)?);
        let dir = st.dir(ino)?;
        let mut out = Vec::with_capacity(dir.len());
        for (name, &child) in dir.iter() {
            out.push(DirEntry {
                name: name.to_string(),
                stat: st.node(child)?.stat(child),
            });
        }
        Ok(out)
    }

    fn mkdir_sync(&self, at: Ctx<'_>, perm: u32) -> FsResult<()> {
        let mut st = self.state.write();
        match st.walk(at.path, at.nested, false)? {
            Walked::Found { .. } => Err(Errno::EEXIST.into()),
            Walked::Missing { stack, name } => {
                if at.read_only {
                    return Err(Errno::EROFS.into());
                }
                let inode = Inode {
                    meta: new_meta(perm, at.cred, 2),
                    body: Body::Dir(imbl::OrdMap::new()),
                };
                st.create(top(&stack), name, inode)?;
                Ok(())
            }
        }
    }

    fn rmdir_sync(&self, at: Ctx<'_>) -> FsResult<()> {
        check_entry_name(at.path)?;
        let mut st = self.state.write();
        let stack = st.found(&at, false)?;
        let (ino, name) = *stack.last().ok_or(Errno::EBUSY)?;
        let parent = top(&stack[..stack.len() - 1]);
        if !st.dir(ino)?.is_empty() {
            return Err(Errno::ENOTEMPTY.into());
        }
        if at.read_only {
            return Err(Errno::EROFS.into());
        }
        st.remove_entry(parent, name, ino)?;
        Ok(())
    }

    fn unlink_sync(&self, at: Ctx<'_>) -> FsResult<()> {
        let mut st = self.state.write();
        let stack = st.found(&at, false)?;
        let (ino, name) = *stack.last().ok_or(Errno::EISDIR)?;
        if matches!(st.node(ino)?.body, Body::Dir(_)) {
            return Err(Errno::EISDIR.into());
        }
        if at.read_only {
            return Err(Errno::EROFS.into());
        }
        let parent = top(&stack[..stack.len() - 1]);
        st.remove_entry(parent, name, ino)?;
        Ok(())
    }

    fn rename_sync(&self, from: Ctx<'_>, to: Ctx<'_>) -> FsResult<()> {
        check_entry_name(from.path)?;
        check_entry_name(to.path)?;
        let mut st = self.state.write();
        let from_stack = st.found(&from, false)?;
        let (src, src_name) = *from_stack.last().ok_or(Errno::EBUSY)?;
        let src_parent = top(&from_stack[..from_stack.len() - 1]);
        let (dst_parent, dst_name, existing, to_stack) = match st.walk(to.path, to.nested, false)? {
            Walked::Found { stack } => {
                let (ino, name) = *stack.last().ok_or(Errno::EBUSY)?;
                (top(&stack[..stack.len() - 1]), name, Some(ino), stack)
            }
            Walked::Missing { stack, name } => (top(&stack), name, None, stack),
        };
        if existing == Some(src) {
            return Ok(());
        }
        let src_is_dir = matches!(st.node(src)?.body, Body::Dir(_));
        // A directory cannot move into itself or below itself.
        if src_is_dir && to_stack.iter().any(|(ino, _)| *ino == src) {
            return Err(Errno::EINVAL.into());
        }
        if let Some(dst) = existing {
            match (&st.node(dst)?.body, src_is_dir) {
                (Body::Dir(entries), true) => {
                    if !entries.is_empty() {
                        return Err(Errno::ENOTEMPTY.into());
                    }
                }
                (Body::Dir(_), false) => return Err(Errno::EISDIR.into()),
                (_, true) => return Err(Errno::ENOTDIR.into()),
                (_, false) => {}
            }
        }
        if from.read_only || to.read_only {
            return Err(Errno::EROFS.into());
        }
        if let Some(dst) = existing {
            st.remove_entry(dst_parent, dst_name, dst)?;
        }
        st.dir_mut(src_parent)?.remove(src_name);
        st.dir_mut(dst_parent)?.insert(Arc::from(dst_name), src);
        let t = now_ns();
        for p in [src_parent, dst_parent] {
            let n = st.node_mut(p)?;
            n.meta.mtime = t;
            n.meta.ctime = t;
        }
        if src_is_dir && src_parent != dst_parent {
            let sp = st.node_mut(src_parent)?;
            sp.meta.nlink = sp.meta.nlink.saturating_sub(1);
            st.node_mut(dst_parent)?.meta.nlink += 1;
        }
        st.node_mut(src)?.meta.ctime = t;
        Ok(())
    }

    fn link_sync(&self, from: Ctx<'_>, to: Ctx<'_>) -> FsResult<()> {
        let mut st = self.state.write();
        let src = top(&st.found(&from, false)?);
        if matches!(st.node(src)?.body, Body::Dir(_)) {
            return Err(Errno::EPERM.into());
        }
        match st.walk(to.path, to.nested, false)? {
            Walked::Found { .. } => Err(Errno::EEXIST.into()),
            Walked::Missing { stack, name } => {
                if from.read_only || to.read_only {
                    return Err(Errno::EROFS.into());
                }
                let parent = top(&stack);
                let t = now_ns();
                let node = st.node_mut(src)?;
                node.meta.nlink += 1;
                node.meta.ctime = t;
                st.dir_mut(parent)?.insert(Arc::from(name), src);
                let p = st.node_mut(parent)?;
                p.meta.mtime = t;
                p.meta.ctime = t;
                Ok(())
            }
        }
    }

    fn symlink_sync(&self, target: &str, at: Ctx<'_>) -> FsResult<()> {
        if target.is_empty() {
            return Err(Errno::ENOENT.into());
        }
        let mut st = self.state.write();
        match st.walk(at.path, at.nested, false)? {
            Walked::Found { .. } => Err(Errno::EEXIST.into()),
            Walked::Missing { stack, name } => {
                if at.read_only {
                    return Err(Errno::EROFS.into());
                }
                let inode = Inode {
                    meta: new_meta(0o777, at.cred, 1),
                    body: Body::Symlink(Arc::from(target)),
                };
                st.create(top(&stack), name, inode)?;
                Ok(())
            }
        }
    }

    fn readlink_sync(&self, at: Ctx<'_>) -> FsResult<String> {
        let st = self.state.read();
        let ino = top(&st.found(&at, false)?);
        match &st.node(ino)?.body {
            Body::Symlink(t) => Ok(t.to_string()),
            _ => Err(Errno::EINVAL.into()),
        }
    }

    fn set_attr_sync(&self, at: Ctx<'_>, follow: bool, attr: SetAttr) -> FsResult<()> {
        let mut st = self.state.write();
        let ino = top(&st.found(&at, follow)?);
        if at.read_only {
            return Err(Errno::EROFS.into());
        }
        let node = st.node_mut(ino)?;
        let m = &mut node.meta;
        if let Some(p) = attr.perm {
            m.perm = p & 0o7777;
        }
        if let Some(u) = attr.uid {
            m.uid = u;
        }
        if let Some(g) = attr.gid {
            m.gid = g;
        }
        if let Some(a) = attr.atime_ns {
            m.atime = a;
        }
        if let Some(t) = attr.mtime_ns {
            m.mtime = t;
        }
        m.ctime = now_ns();
        Ok(())
    }
}

#[async_trait]
impl FileSystem for MemFs {
    async fn stat(&self, at: Ctx<'_>, follow: bool) -> FsResult<Stat> {
        self.stat_sync(at, follow)
    }
    async fn realpath(&self, at: Ctx<'_>) -> FsResult<String> {
        self.realpath_sync(at)
    }
    async fn read(&self, at: Ctx<'_>, offset: u64, len: Option<u64>) -> FsResult<Bytes> {
        self.read_sync(at, offset, len)
    }
    async fn write(&self, at: Ctx<'_>, data: Bytes, opts: WriteOpts) -> FsResult<u64> {
        self.write_sync(at, data, opts)
    }
    async fn truncate(&self, at: Ctx<'_>, len: u64) -> FsResult<()> {
        self.truncate_sync(at, len)
    }
    async fn read_dir(&self, at: Ctx<'_>) -> FsResult<Vec<DirEntry>> {
        self.read_dir_sync(at)
    }
    async fn mkdir(&self, at: Ctx<'_>, perm: u32) -> FsResult<()> {
        self.mkdir_sync(at, perm)
    }
    async fn rmdir(&self, at: Ctx<'_>) -> FsResult<()> {
        self.rmdir_sync(at)
    }
    async fn unlink(&self, at: Ctx<'_>) -> FsResult<()> {
        self.unlink_sync(at)
    }
    async fn rename(&self, from: Ctx<'_>, to: Ctx<'_>) -> FsResult<()> {
        self.rename_sync(from, to)
    }
    async fn link(&self, from: Ctx<'_>, to: Ctx<'_>) -> FsResult<()> {
        self.link_sync(from, to)
    }
    async fn symlink(&self, target: &str, at: Ctx<'_>) -> FsResult<()> {
        self.symlink_sync(target, at)
    }
    async fn readlink(&self, at: Ctx<'_>) -> FsResult<String> {
        self.readlink_sync(at)
    }
    async fn set_attr(&self, at: Ctx<'_>, follow: bool, attr: SetAttr) -> FsResult<()> {
        self.set_attr_sync(at, follow, attr)
    }
}

/// Synchronous helpers for building trees at start-up (the VM template), where no runtime runs.
impl MemFs {
    /// `mkdir` owned by `cred`, synchronously.
    pub fn mkdir_now(&self, path: &str, perm: u32, cred: Cred) -> FsResult<()> {
        self.mkdir_sync(ctx_at(path, cred), perm)
    }

    /// Create or replace a file owned by `cred`, synchronously.
    pub fn write_now(
        &self,
        path: &str,
        data: impl Into<Bytes>,
        perm: u32,
        cred: Cred,
    ) -> FsResult<()> {
        let opts = WriteOpts {
            pos: WritePos::Truncate,
            create: Some(perm),
            exclusive: false,
        };
        self.write_sync(ctx_at(path, cred), data.into(), opts)
            .map(|_| ())
    }

    /// Create a symlink owned by `cred`, synchronously.
    pub fn symlink_now(&self, target: &str, path: &str, cred: Cred) -> FsResult<()> {
        self.symlink_sync(target, ctx_at(path, cred))
    }

    /// `lstat`, synchronously.
    pub fn stat_now(&self, at: Ctx<'_>) -> FsResult<Stat> {
        self.stat_sync(at, false)
    }

    /// Create a device node, synchronously.
    pub fn mknod_now(&self, path: &str, device: Device, perm: u32) -> FsResult<()> {
        self.mknod(ctx_at(path, Cred::ROOT), device, perm)
    }
}

fn ctx_at(path: &str, cred: Cred) -> Ctx<'_> {
    Ctx {
        path,
        nested: &[],
        cred,
        read_only: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::vfs::Vfs;

    const U: Cred = Cred::USER;

    #[tokio::test]
    async fn forks_are_independent_copies() {
        let base = Arc::new(MemFs::new());
        let vfs = Vfs::new(base.clone());
        vfs.write_file(U, "/d/f", Bytes::from_static(b"original"))
            .await
            .unwrap();
        let copy = Vfs::new(Arc::new(base.fork(FsLimits::UNLIMITED)));
        copy.write_file(U, "/d/f", Bytes::from_static(b"changed"))
            .await
            .unwrap();
        copy.write_file(U, "/d/new", Bytes::new()).await.unwrap();
        vfs.unlink(U, "/d/f").await.unwrap();
        assert_eq!(&copy.read_file(U, "/d/f").await.unwrap()[..], b"changed");
        assert!(!vfs.exists(U, "/d/new").await.unwrap());
        assert!(!vfs.exists(U, "/d/f").await.unwrap());
    }

    #[tokio::test]
    async fn reads_share_the_stored_bytes() {
        let fs = Arc::new(MemFs::new());
        let vfs = Vfs::new(fs.clone());
        let data = Bytes::from(vec![7u8; 1 << 20]);
        let ptr = data.as_ptr();
        vfs.write_file(U, "/big", data).await.unwrap();
        let read = vfs.read_file(U, "/big").await.unwrap();
        assert_eq!(
            read.as_ptr(),
            ptr,
            "a read hands out the stored buffer, not a copy"
        );
        // Writing after a reader took a handle copies (the reader keeps its view).
        let at = WriteOpts {
            pos: WritePos::At(0),
            create: None,
            exclusive: false,
        };
        vfs.write(U, "/big", Bytes::from_static(b"x"), at)
            .await
            .unwrap();
        assert_eq!(read[0], 7);
        assert_eq!(vfs.read_file(U, "/big").await.unwrap()[0], b'x');
    }

    #[tokio::test]
    async fn byte_limits() {
        let fs = Arc::new(MemFs::with_limits(FsLimits {
            max_file_bytes: 10,
            max_total_bytes: 15,
        }));
        let vfs = Vfs::new(fs.clone());
        vfs.write_file(U, "/a", Bytes::from_static(b"0123456789"))
            .await
            .unwrap();
        let e = vfs
            .write_file(U, "/b", Bytes::from_static(b"01234567890"))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "EFBIG");
        let append = WriteOpts {
            pos: WritePos::Append,
            create: None,
            exclusive: false,
        };
        assert_eq!(
            vfs.write(U, "/a", Bytes::from_static(b"x"), append)
                .await
                .unwrap_err()
                .code(),
            "EFBIG"
        );
        vfs.write_file(U, "/b", Bytes::from_static(b"01234"))
            .await
            .unwrap();
        assert_eq!(
            vfs.write_file(U, "/c", Bytes::from_static(b"x"))
                .await
                .unwrap_err()
                .code(),
            "ENOSPC"
        );
        assert_eq!(vfs.truncate(U, "/b", 6).await.unwrap_err().code(), "ENOSPC");
        assert_eq!(fs.bytes_used(), 15);
        // Hard links do not count twice; freeing the last link returns the space.
        vfs.link(U, "/a", "/a2").await.unwrap();
        vfs.unlink(U, "/a").await.unwrap();
        assert_eq!(fs.bytes_used(), 15);
        vfs.unlink(U, "/a2").await.unwrap();
        assert_eq!(fs.bytes_used(), 5);
        vfs.write_file(U, "/c", Bytes::from_static(b"0123456789"))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn dev_null_swallows_writes() {
        let vfs = Vfs::new(crate::kernel::vfs::rootfs::new_root(FsLimits::UNLIMITED));
        vfs.write_file(U, "/dev/null", Bytes::from_static(b"gone"))
            .await
            .unwrap();
        assert!(vfs.read_file(U, "/dev/null").await.unwrap().is_empty());
        let st = vfs.stat(U, "/dev/null", true).await.unwrap();
        assert_eq!((st.file_type, st.mode()), (FileType::CharDevice, 0o020666));
    }
}
