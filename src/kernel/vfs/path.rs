//! VM path checks and the small lexical helpers path resolution needs.
//!
//! Resolution itself (symlinks, `..`, mounts) is physical and happens in the backends and the
//! [`Vfs`](super::Vfs); nothing here interprets `..` lexically except [`parent`] of a mount point,
//! which is canonical by construction.

use crate::error::{Error, Result};
use crate::kernel::errno::Errno;

/// Longest accepted path, in bytes (Linux `PATH_MAX` minus the NUL).
pub const PATH_MAX: usize = 4095;
/// Longest accepted path component, in bytes (Linux `NAME_MAX`).
pub const NAME_MAX: usize = 255;

/// Check a path handed to the kernel by the host API or a guest: absolute, non-empty, no NUL
/// byte (`EINVAL`), within `PATH_MAX`/`NAME_MAX` (`ENAMETOOLONG`).
pub fn check_absolute(path: &str, syscall: &'static str) -> Result<()> {
    if path.is_empty() || path.contains('\0') || !path.starts_with('/') {
        return Err(Error::errno(Errno::EINVAL, syscall, path));
    }
    if path.len() > PATH_MAX || path.split('/').any(|c| c.len() > NAME_MAX) {
        return Err(Error::errno(Errno::ENAMETOOLONG, syscall, path));
    }
    Ok(())
}

/// Canonical form of a mount point: absolute, single slashes, no trailing slash, and no `.` or
/// `..` components (`EINVAL` otherwise: mount points are named exactly).
pub fn mount_point(path: &str) -> Result<String> {
    check_absolute(path, "mount")?;
    let mut out = String::with_capacity(path.len());
    for c in path.split('/').filter(|c| !c.is_empty()) {
        if c == "." || c == ".." {
            return Err(Error::errno(Errno::EINVAL, "mount", path));
        }
        out.push('/');
        out.push_str(c);
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

/// `p` (absolute) with `//`, `.` and `..` resolved lexically (never above `/`), as Node's
/// `path.resolve` does, without looking at the filesystem.
pub fn normalize(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            x => out.push(x),
        }
    }
    format!("/{}", out.join("/"))
}

/// Join `rel` (which starts with `/` or is empty) under the absolute `base`.
pub fn join(base: &str, rel: &str) -> String {
    let rel = rel.trim_start_matches('/');
    if rel.is_empty() {
        return base.to_owned();
    }
    if base.ends_with('/') {
        format!("{base}{rel}")
    } else {
        format!("{base}/{rel}")
    }
}

/// The parent of a canonical absolute path (`/` for `/`).
pub fn parent(path: &str) -> &str {
    match path.trim_end_matches('/').rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// Split a path into its lexical parent and last component, ignoring trailing slashes.
/// Returns `None` for the root.
pub fn split_last(path: &str) -> Option<(&str, &str)> {
    let trimmed = path.trim_end_matches('/');
    let i = trimmed.rfind('/')?;
    let name = &trimmed[i + 1..];
    if name.is_empty() {
        return None;
    }
    let dir = if i == 0 { "/" } else { &trimmed[..i] };
    Some((dir, name))
}

/// `base` followed by the components `rest` (a path a walk redirects to).
pub(crate) fn join_rest(mut base: String, rest: &[&str]) -> String {
    for c in rest {
        if !base.ends_with('/') {
            base.push('/');
        }
        base.push_str(c);
    }
    if base.is_empty() {
        base.push('/');
    }
    base
}

/// The last component of a raw path, ignoring trailing slashes (`None` for the root).
pub(crate) fn last_component(path: &str) -> Option<&str> {
    path.split('/').rfind(|c| !c.is_empty())
}

/// Whether a write to the missing file `path` may create it: the mode to create it with, or
/// `ENOENT` (no `create`), `EISDIR` (a trailing slash names a directory), `EROFS`.
pub(crate) fn create_mode(path: &str, create: Option<u32>, read_only: bool) -> Result<u32, Errno> {
    let perm = create.ok_or(Errno::ENOENT)?;
    if path.ends_with('/') {
        return Err(Errno::EISDIR);
    }
    if read_only {
        return Err(Errno::EROFS);
    }
    Ok(perm)
}

/// Whether the last component of `path` may name a new or removed entry: not the root
/// (`EBUSY`), not `.` or `..` (`EINVAL`).
pub(crate) fn check_entry_name(path: &str) -> Result<(), Errno> {
    match last_component(path) {
        None => Err(Errno::EBUSY),
        Some("." | "..") => Err(Errno::EINVAL),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_only() {
        assert!(check_absolute("/a/b", "open").is_ok());
        for bad in ["", "a/b", "./a", "/a\0b"] {
            assert_eq!(
                check_absolute(bad, "open").unwrap_err().code(),
                "EINVAL",
                "{bad:?}"
            );
        }
        let long = format!("/{}", "x".repeat(256));
        assert_eq!(
            check_absolute(&long, "open").unwrap_err().code(),
            "ENAMETOOLONG"
        );
        let deep = "/ab".repeat(2000);
        assert_eq!(
            check_absolute(&deep, "open").unwrap_err().code(),
            "ENAMETOOLONG"
        );
    }

    #[test]
    fn mount_points_are_canonical() {
        assert_eq!(mount_point("/mnt//data/").unwrap(), "/mnt/data");
        assert_eq!(mount_point("/").unwrap(), "/");
        assert!(mount_point("/mnt/../etc").is_err());
    }

    #[test]
    fn lexical_helpers() {
        assert_eq!(join("/", "/a"), "/a");
        assert_eq!(join("/mnt", "/a/b"), "/mnt/a/b");
        assert_eq!(join("/mnt", "/"), "/mnt");
        assert_eq!(parent("/mnt/x"), "/mnt");
        assert_eq!(parent("/mnt"), "/");
        assert_eq!(parent("/"), "/");
        assert_eq!(split_last("/a/b/"), Some(("/a", "b")));
        assert_eq!(split_last("/a"), Some(("/", "a")));
        assert_eq!(split_last("/"), None);
    }
}
