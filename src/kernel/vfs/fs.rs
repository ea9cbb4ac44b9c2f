//! The contract every filesystem backend implements, and the plain data that crosses it.
//!
//! Backends see paths relative to their own root ("/" is the mount point). They walk those paths
//! themselves but never follow a symbolic link or cross into a nested mount on their own: when a
//! walk reaches one, the backend answers with a [`Redirect`] and the [`Vfs`](super::Vfs) continues
//! resolution in the VM's whole namespace. That keeps symlinks, `..` and mounts correct across
//! backends, keeps loop detection in one place, and lets one backend be mounted in many places.

use async_trait::async_trait;
use bytes::Bytes;

use crate::kernel::errno::Errno;

/// An inode number, unique within one filesystem.
pub type Ino = u64;

/// The type of a filesystem object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A character device (`/dev/null`).
    CharDevice,
}

impl FileType {
    /// The `S_IFMT` bits of `st_mode` for this type.
    pub fn mode_bits(self) -> u32 {
        match self {
            FileType::File => 0o100000,
            FileType::Dir => 0o040000,
            FileType::Symlink => 0o120000,
            FileType::CharDevice => 0o020000,
        }
    }
}

/// Metadata of one filesystem object, as `lstat(2)`/`stat(2)` report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    /// What the object is.
    pub file_type: FileType,
    /// Permission bits, including setuid/setgid/sticky (`0o7777` mask).
    pub perm: u32,
    /// Inode number.
    pub ino: Ino,
    /// Number of hard links (directories: 2 + subdirectories).
    pub nlink: u32,
    /// Owner user id.
    pub uid: u32,
    /// Owner group id.
    pub gid: u32,
    /// Size in bytes (symlinks: length of the target; directories: 4096).
    pub size: u64,
    /// Last access, nanoseconds since the Unix epoch.
    pub atime_ns: i64,
    /// Last content modification.
    pub mtime_ns: i64,
    /// Last status change.
    pub ctime_ns: i64,
    /// Creation.
    pub birthtime_ns: i64,
}

impl Stat {
    /// The full `st_mode`: type bits and permission bits.
    pub fn mode(&self) -> u32 {
        self.file_type.mode_bits() | self.perm
    }
}

/// One entry of a directory listing, with the entry's own (not followed) metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's name (no slashes).
    pub name: String,
    /// `lstat` of the entry.
    pub stat: Stat,
}

/// Who is acting: the owner of anything created, and whether the VM's `fs` permission policy
/// applies (it does to guest processes, not to the host's own API calls).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cred {
    /// Effective user id.
    pub uid: u32,
    /// Effective group id.
    pub gid: u32,
    /// A guest process acts: the VM's `permissions.fs` is asked.
    pub guest: bool,
}

impl Cred {
    /// uid 0.
    pub const ROOT: Cred = Cred {
        uid: 0,
        gid: 0,
        guest: false,
    };
    /// The VM's default account, `user` (1000:1000), as the host API uses it.
    pub const USER: Cred = Cred {
        uid: 1000,
        gid: 1000,
        guest: false,
    };
    /// A guest process running as `user`: subject to the VM's `fs` permission policy.
    pub const GUEST: Cred = Cred {
        uid: 1000,
        gid: 1000,
        guest: true,
    };
}

/// Where an operation applies inside one backend, and the facts the backend needs to honour.
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'a> {
    /// Path relative to the backend's root; always starts with `/`. May hold `.`, `..` and
    /// symlinks, which the backend resolves (answering [`Redirect`] where it must).
    pub path: &'a str,
    /// Canonical backend-relative paths where other filesystems are mounted on top of this one.
    pub nested: &'a [Box<str>],
    /// Who acts.
    pub cred: Cred,
    /// The mount is read-only: any change to an object reached in this backend is `EROFS`.
    pub read_only: bool,
}

/// Where path resolution must continue, outside what the backend can resolve on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redirect {
    /// A symlink with an absolute target: continue at this absolute VM path.
    Global(String),
    /// A symlink with a relative target: continue at this backend-relative path (the canonical
    /// prefix walked so far, the link's target, and the rest of the path).
    Local(String),
    /// The walk reached a nested mount point: continue at this backend-relative path (pure
    /// canonical components), which now belongs to the nested mount.
    Mount(String),
    /// `..` climbed above the backend's root: continue at the mount point's parent with this
    /// remainder.
    Up(String),
}

/// Why a backend operation did not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FsErr {
    /// It failed.
    Errno(Errno),
    /// Resolution must continue elsewhere.
    Redirect(Redirect),
}

impl From<Errno> for FsErr {
    fn from(e: Errno) -> Self {
        FsErr::Errno(e)
    }
}

/// Result of a backend operation.
pub type FsResult<T> = Result<T, FsErr>;

/// Where a write puts its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WritePos {
    /// Replace the whole content.
    Truncate,
    /// Append at the end.
    Append,
    /// Write at this offset (zero-filling any gap), keeping the rest.
    At(u64),
}

/// How a write treats the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteOpts {
    /// Where the bytes go.
    pub pos: WritePos,
    /// Create the file with these permission bits if it does not exist (`None`: `ENOENT`).
    pub create: Option<u32>,
    /// With `create`, fail with `EEXIST` if the file exists (`O_EXCL`).
    pub exclusive: bool,
}

/// Attributes to change (`None` leaves one as it is).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// New permission bits.
    pub perm: Option<u32>,
    /// New owner.
    pub uid: Option<u32>,
    /// New group.
    pub gid: Option<u32>,
    /// New access time (ns).
    pub atime_ns: Option<i64>,
    /// New modification time (ns).
    pub mtime_ns: Option<i64>,
}

/// A filesystem backend: the in-memory filesystem, a confined host directory, an S3 bucket, or
/// a user's JavaScript object. One conformance suite (`vfs::conformance`) checks all of them.
#[async_trait]
pub trait FileSystem: Send + Sync + 'static {
    /// `stat` (follow the last symlink) or `lstat`.
    async fn stat(&self, at: Ctx<'_>, follow: bool) -> FsResult<Stat>;
    /// The canonical backend-relative path of `at` (every symlink followed).
    async fn realpath(&self, at: Ctx<'_>) -> FsResult<String>;
    /// Read `len` bytes (all, if `None`) from `offset`.
    async fn read(&self, at: Ctx<'_>, offset: u64, len: Option<u64>) -> FsResult<Bytes>;
    /// Write `data` as `opts` says; returns the file's new size.
    async fn write(&self, at: Ctx<'_>, data: Bytes, opts: WriteOpts) -> FsResult<u64>;
    /// Set a file's length, zero-filling when it grows.
    async fn truncate(&self, at: Ctx<'_>, len: u64) -> FsResult<()>;
    /// List a directory (without `.` and `..`), in name order.
    async fn read_dir(&self, at: Ctx<'_>) -> FsResult<Vec<DirEntry>>;
    /// Create a directory with permission bits `perm`.
    async fn mkdir(&self, at: Ctx<'_>, perm: u32) -> FsResult<()>;
    /// Remove an empty directory.
    async fn rmdir(&self, at: Ctx<'_>) -> FsResult<()>;
    /// Remove a non-directory.
    async fn unlink(&self, at: Ctx<'_>) -> FsResult<()>;
    /// `rename(2)`: both paths in this backend.
    async fn rename(&self, from: Ctx<'_>, to: Ctx<'_>) -> FsResult<()>;
    /// Create a hard link `to` for the existing `from`.
    async fn link(&self, from: Ctx<'_>, to: Ctx<'_>) -> FsResult<()>;
    /// Create a symbolic link at `at` pointing to `target`.
    async fn symlink(&self, target: &str, at: Ctx<'_>) -> FsResult<()>;
    /// The target of a symbolic link.
    async fn readlink(&self, at: Ctx<'_>) -> FsResult<String>;
    /// Change attributes of `at` (following the last symlink when `follow`).
    async fn set_attr(&self, at: Ctx<'_>, follow: bool, attr: SetAttr) -> FsResult<()>;
}
