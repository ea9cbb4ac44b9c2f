//! One conformance suite for every filesystem backend (object_store's `integration.rs` shape):
//! each function takes a [`Vfs`] and a directory `base` where the backend under test is
//! mounted, and checks POSIX behaviour through the whole resolution path. Later backends
//! (host_dir, s3, JS drivers) call the same functions.

use bytes::Bytes;

use super::{Cred, FileType, SetAttr, Vfs, WriteOpts, WritePos};
use crate::kernel::errno::Errno;

const C: Cred = Cred::USER;

fn p(base: &str, rel: &str) -> String {
    super::path::join(base, rel)
}

async fn code<T: std::fmt::Debug>(r: crate::Result<T>) -> String {
    r.expect_err("expected an error").code().to_owned()
}

/// Run every read-write check.
pub async fn run_all(vfs: &Vfs, base: &str) {
    files(vfs, base).await;
    directories(vfs, base).await;
    removal(vfs, base).await;
    rename(vfs, base).await;
    symlinks(vfs, base).await;
    hard_links(vfs, base).await;
    attributes(vfs, base).await;
    ranges(vfs, base).await;
    dots(vfs, base).await;
    bad_paths(vfs, base).await;
}

/// Create, read, replace; errors for missing files, directories and non-directories.
pub async fn files(vfs: &Vfs, base: &str) {
    let f = p(base, "files/a.txt");
    vfs.write_file(C, &f, Bytes::from_static(b"hello"))
        .await
        .unwrap();
    assert_eq!(&vfs.read_file(C, &f).await.unwrap()[..], b"hello");
    vfs.write_file(C, &f, Bytes::from_static(b"bye"))
        .await
        .unwrap();
    assert_eq!(&vfs.read_file(C, &f).await.unwrap()[..], b"bye");
    let st = vfs.stat(C, &f, true).await.unwrap();
    assert_eq!(
        (st.file_type, st.size, st.perm, st.nlink),
        (FileType::File, 3, 0o644, 1)
    );
    assert_eq!(
        code(vfs.read_file(C, &p(base, "files/nope")).await).await,
        "ENOENT"
    );
    assert_eq!(
        code(vfs.read_file(C, &p(base, "files")).await).await,
        "EISDIR"
    );
    assert_eq!(
        code(vfs.read_file(C, &p(base, "files/a.txt/x")).await).await,
        "ENOTDIR"
    );
    assert_eq!(
        code(vfs.write_file(C, &p(base, "files"), Bytes::new()).await).await,
        "EISDIR"
    );
    let excl = WriteOpts {
        pos: WritePos::Truncate,
        create: Some(0o600),
        exclusive: true,
    };
    assert_eq!(
        code(vfs.write(C, &f, Bytes::new(), excl).await).await,
        "EEXIST"
    );
    let no_create = WriteOpts {
        pos: WritePos::Truncate,
        create: None,
        exclusive: false,
    };
    assert_eq!(
        code(
            vfs.write(C, &p(base, "files/new"), Bytes::new(), no_create)
                .await
        )
        .await,
        "ENOENT"
    );
    // Errors name the path the caller used.
    let e = vfs.read_file(C, &p(base, "files/nope")).await.unwrap_err();
    assert_eq!(e.path(), Some(p(base, "files/nope").as_str()));
    assert!(e
        .message()
        .starts_with("ENOENT: no such file or directory, open '"));
    assert!(vfs.exists(C, &f).await.unwrap());
    assert!(!vfs.exists(C, &p(base, "files/nope")).await.unwrap());
}

/// mkdir, mkdir -p, listings.
pub async fn directories(vfs: &Vfs, base: &str) {
    let d = p(base, "dirs");
    vfs.mkdir(C, &d, 0o755).await.unwrap();
    assert_eq!(code(vfs.mkdir(C, &d, 0o755).await).await, "EEXIST");
    assert_eq!(
        code(vfs.mkdir(C, &p(base, "dirs/x/y"), 0o755).await).await,
        "ENOENT"
    );
    vfs.mkdir_all(C, &p(base, "dirs/x/y/z"), 0o755)
        .await
        .unwrap();
    vfs.mkdir_all(C, &p(base, "dirs/x/y/z"), 0o755)
        .await
        .unwrap();
    vfs.write_file(C, &p(base, "dirs/b"), Bytes::new())
        .await
        .unwrap();
    vfs.write_file(C, &p(base, "dirs/a"), Bytes::new())
        .await
        .unwrap();
    let names: Vec<String> = vfs
        .read_dir(C, &d)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["a", "b", "x"]);
    assert_eq!(
        code(vfs.read_dir(C, &p(base, "dirs/a")).await).await,
        "ENOTDIR"
    );
    assert_eq!(
        code(vfs.read_dir(C, &p(base, "dirs/none")).await).await,
        "ENOENT"
    );
    assert_eq!(
        code(vfs.mkdir_all(C, &p(base, "dirs/a/b"), 0o755).await).await,
        "ENOTDIR"
    );
    assert_eq!(
        code(vfs.mkdir_all(C, &p(base, "dirs/a"), 0o755).await).await,
        "EEXIST"
    );
    let st = vfs.stat(C, &p(base, "dirs/x"), true).await.unwrap();
    assert_eq!((st.file_type, st.nlink), (FileType::Dir, 3));
    let tree = vfs.read_dir_recursive(C, &d, None, &[]).await.unwrap();
    let paths: Vec<&str> = tree.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            p(base, "dirs/a"),
            p(base, "dirs/b"),
            p(base, "dirs/x"),
            p(base, "dirs/x/y"),
            p(base, "dirs/x/y/z")
        ]
    );
    let shallow = vfs
        .read_dir_recursive(C, &d, Some(0), &["b".to_owned()])
        .await
        .unwrap();
    assert_eq!(shallow.len(), 2);
}

/// rmdir, unlink, recursive removal.
pub async fn removal(vfs: &Vfs, base: &str) {
    let d = p(base, "rm");
    vfs.mkdir_all(C, &p(base, "rm/sub/deeper"), 0o755)
        .await
        .unwrap();
    vfs.write_file(C, &p(base, "rm/sub/f"), Bytes::from_static(b"x"))
        .await
        .unwrap();
    assert_eq!(code(vfs.rmdir(C, &d).await).await, "ENOTEMPTY");
    assert_eq!(code(vfs.unlink(C, &d).await).await, "EISDIR");
    assert_eq!(
        code(vfs.rmdir(C, &p(base, "rm/sub/f")).await).await,
        "ENOTDIR"
    );
    assert_eq!(code(vfs.remove(C, &d, false).await).await, "ENOTEMPTY");
    vfs.remove(C, &d, true).await.unwrap();
    assert!(!vfs.exists(C, &d).await.unwrap());
    assert_eq!(code(vfs.unlink(C, &d).await).await, "ENOENT");
}

/// rename(2) semantics.
pub async fn rename(vfs: &Vfs, base: &str) {
    let r = |s: &str| p(base, &format!("mv/{s}"));
    vfs.mkdir_all(C, &r("d1/inner"), 0o755).await.unwrap();
    vfs.mkdir_all(C, &r("empty"), 0o755).await.unwrap();
    vfs.mkdir_all(C, &r("full/x"), 0o755).await.unwrap();
    vfs.write_file(C, &r("f1"), Bytes::from_static(b"one"))
        .await
        .unwrap();
    vfs.write_file(C, &r("f2"), Bytes::from_static(b"two"))
        .await
        .unwrap();
    // A file replaces a file.
    vfs.rename(C, &r("f1"), &r("f2")).await.unwrap();
    assert_eq!(&vfs.read_file(C, &r("f2")).await.unwrap()[..], b"one");
    assert!(!vfs.exists(C, &r("f1")).await.unwrap());
    // Errors.
    assert_eq!(
        code(vfs.rename(C, &r("f1"), &r("f3")).await).await,
        "ENOENT"
    );
    assert_eq!(
        code(vfs.rename(C, &r("f2"), &r("empty")).await).await,
        "EISDIR"
    );
    assert_eq!(
        code(vfs.rename(C, &r("d1"), &r("f2")).await).await,
        "ENOTDIR"
    );
    assert_eq!(
        code(vfs.rename(C, &r("d1"), &r("full")).await).await,
        "ENOTEMPTY"
    );
    assert_eq!(
        code(vfs.rename(C, &r("d1"), &r("d1/inner/d1")).await).await,
        "EINVAL"
    );
    assert_eq!(
        code(vfs.rename(C, &r("d1"), &r("nope/d1")).await).await,
        "ENOENT"
    );
    // A directory replaces an empty directory, keeping its content.
    vfs.rename(C, &r("d1"), &r("empty")).await.unwrap();
    assert!(vfs.exists(C, &r("empty/inner")).await.unwrap());
    // Renaming onto itself does nothing.
    vfs.rename(C, &r("f2"), &r("f2")).await.unwrap();
    assert!(vfs.exists(C, &r("f2")).await.unwrap());
    // Parent link counts follow directories.
    vfs.rename(C, &r("empty/inner"), &r("full/inner"))
        .await
        .unwrap();
    assert_eq!(vfs.stat(C, &r("empty"), true).await.unwrap().nlink, 2);
    assert_eq!(vfs.stat(C, &r("full"), true).await.unwrap().nlink, 4);
    let e = vfs.rename(C, &r("none"), &r("x")).await.unwrap_err();
    assert!(
        e.message().contains("rename '") && e.message().contains("' -> '"),
        "{e}"
    );
}

/// Symbolic links: relative, absolute, chains, loops, dangling links, lstat.
pub async fn symlinks(vfs: &Vfs, base: &str) {
    let s = |x: &str| p(base, &format!("ln/{x}"));
    vfs.mkdir_all(C, &s("real/sub"), 0o755).await.unwrap();
    vfs.write_file(C, &s("real/sub/f"), Bytes::from_static(b"data"))
        .await
        .unwrap();
    vfs.symlink(C, "real", &s("rel")).await.unwrap();
    vfs.symlink(C, &s("real/sub"), &s("abs")).await.unwrap();
    vfs.symlink(C, "rel/sub/f", &s("chain")).await.unwrap();
    vfs.symlink(C, "missing", &s("dangling")).await.unwrap();
    vfs.symlink(C, "loop2", &s("loop1")).await.unwrap();
    vfs.symlink(C, "loop1", &s("loop2")).await.unwrap();
    vfs.symlink(C, "../real/sub/f", &s("real/up"))
        .await
        .unwrap();
    assert_eq!(
        &vfs.read_file(C, &s("rel/sub/f")).await.unwrap()[..],
        b"data"
    );
    assert_eq!(&vfs.read_file(C, &s("abs/f")).await.unwrap()[..], b"data");
    assert_eq!(&vfs.read_file(C, &s("chain")).await.unwrap()[..], b"data");
    assert_eq!(&vfs.read_file(C, &s("real/up")).await.unwrap()[..], b"data");
    // `..` after a symlink is physical: rel/sub/.. is real/, not ln/.
    assert!(vfs.exists(C, &s("abs/../sub/f")).await.unwrap());
    assert_eq!(vfs.realpath(C, &s("chain")).await.unwrap(), s("real/sub/f"));
    assert_eq!(code(vfs.read_file(C, &s("dangling")).await).await, "ENOENT");
    assert_eq!(code(vfs.read_file(C, &s("loop1")).await).await, "ELOOP");
    assert_eq!(code(vfs.stat(C, &s("loop1/x"), true).await).await, "ELOOP");
    let l = vfs.stat(C, &s("rel"), false).await.unwrap();
    assert_eq!((l.file_type, l.size, l.perm), (FileType::Symlink, 4, 0o777));
    assert_eq!(
        vfs.stat(C, &s("rel"), true).await.unwrap().file_type,
        FileType::Dir
    );
    assert_eq!(vfs.readlink(C, &s("rel")).await.unwrap(), "real");
    assert_eq!(code(vfs.readlink(C, &s("real")).await).await, "EINVAL");
    assert_eq!(code(vfs.symlink(C, "x", &s("rel")).await).await, "EEXIST");
    // Writing through a dangling link creates its target.
    vfs.write_file(C, &s("dangling"), Bytes::from_static(b"new"))
        .await
        .unwrap();
    assert_eq!(&vfs.read_file(C, &s("missing")).await.unwrap()[..], b"new");
    // unlink and rename act on the link, not its target.
    vfs.rename(C, &s("rel"), &s("rel2")).await.unwrap();
    assert_eq!(vfs.readlink(C, &s("rel2")).await.unwrap(), "real");
    vfs.unlink(C, &s("rel2")).await.unwrap();
    assert!(vfs.exists(C, &s("real/sub/f")).await.unwrap());
    // Recursive removal never follows links.
    vfs.remove(C, &s("abs"), true).await.unwrap();
    assert!(vfs.exists(C, &s("real/sub/f")).await.unwrap());
}

/// Hard links share one inode.
pub async fn hard_links(vfs: &Vfs, base: &str) {
    let h = |x: &str| p(base, &format!("hl/{x}"));
    vfs.write_file(C, &h("a"), Bytes::from_static(b"same"))
        .await
        .unwrap();
    vfs.link(C, &h("a"), &h("b")).await.unwrap();
    let (sa, sb) = (
        vfs.stat(C, &h("a"), true).await.unwrap(),
        vfs.stat(C, &h("b"), true).await.unwrap(),
    );
    assert_eq!((sa.ino, sa.nlink), (sb.ino, 2));
    vfs.write_file(C, &h("b"), Bytes::from_static(b"changed"))
        .await
        .unwrap();
    assert_eq!(&vfs.read_file(C, &h("a")).await.unwrap()[..], b"changed");
    vfs.unlink(C, &h("a")).await.unwrap();
    assert_eq!(vfs.stat(C, &h("b"), true).await.unwrap().nlink, 1);
    assert_eq!(
        code(vfs.link(C, &p(base, "hl"), &h("dirlink")).await).await,
        "EPERM"
    );
    assert_eq!(code(vfs.link(C, &h("b"), &h("b")).await).await, "EEXIST");
}

/// chmod, chown, utimes and the timestamps writes update.
pub async fn attributes(vfs: &Vfs, base: &str) {
    let f = p(base, "attr/f");
    vfs.write_file(C, &f, Bytes::from_static(b"1"))
        .await
        .unwrap();
    let before = vfs.stat(C, &f, true).await.unwrap();
    assert_eq!((before.uid, before.gid), (1000, 1000));
    vfs.set_attr(
        C,
        &f,
        true,
        SetAttr {
            perm: Some(0o4751),
            ..Default::default()
        },
        "chmod",
    )
    .await
    .unwrap();
    vfs.set_attr(
        C,
        &f,
        true,
        SetAttr {
            uid: Some(7),
            gid: Some(8),
            ..Default::default()
        },
        "chown",
    )
    .await
    .unwrap();
    vfs.set_attr(
        C,
        &f,
        true,
        SetAttr {
            atime_ns: Some(1_000_000_000),
            mtime_ns: Some(2_000_000_000),
            ..Default::default()
        },
        "utime",
    )
    .await
    .unwrap();
    let st = vfs.stat(C, &f, true).await.unwrap();
    assert_eq!(
        (st.perm, st.mode(), st.uid, st.gid),
        (0o4751, 0o104751, 7, 8)
    );
    assert_eq!((st.atime_ns, st.mtime_ns), (1_000_000_000, 2_000_000_000));
    assert!(st.ctime_ns >= before.ctime_ns);
    let append = WriteOpts {
        pos: WritePos::Append,
        create: None,
        exclusive: false,
    };
    vfs.write(C, &f, Bytes::from_static(b"2"), append)
        .await
        .unwrap();
    assert!(vfs.stat(C, &f, true).await.unwrap().mtime_ns > 2_000_000_000);
    assert_eq!(
        code(
            vfs.set_attr(C, &p(base, "attr/none"), true, SetAttr::default(), "chmod")
                .await
        )
        .await,
        "ENOENT"
    );
}

/// pread, pwrite, append and truncate.
pub async fn ranges(vfs: &Vfs, base: &str) {
    let f = p(base, "range/f");
    vfs.write_file(C, &f, Bytes::from_static(b"0123456789"))
        .await
        .unwrap();
    assert_eq!(&vfs.pread(C, &f, 3, Some(4)).await.unwrap()[..], b"3456");
    assert_eq!(&vfs.pread(C, &f, 8, Some(10)).await.unwrap()[..], b"89");
    assert!(vfs.pread(C, &f, 100, Some(1)).await.unwrap().is_empty());
    let at = |o| WriteOpts {
        pos: WritePos::At(o),
        create: None,
        exclusive: false,
    };
    vfs.write(C, &f, Bytes::from_static(b"ab"), at(2))
        .await
        .unwrap();
    assert_eq!(&vfs.read_file(C, &f).await.unwrap()[..], b"01ab456789");
    vfs.write(C, &f, Bytes::from_static(b"Z"), at(12))
        .await
        .unwrap();
    assert_eq!(&vfs.read_file(C, &f).await.unwrap()[..], b"01ab456789\0\0Z");
    let append = WriteOpts {
        pos: WritePos::Append,
        create: Some(0o644),
        exclusive: false,
    };
    vfs.write(C, &f, Bytes::from_static(b"!"), append)
        .await
        .unwrap();
    assert_eq!(vfs.stat(C, &f, true).await.unwrap().size, 14);
    vfs.truncate(C, &f, 3).await.unwrap();
    assert_eq!(&vfs.read_file(C, &f).await.unwrap()[..], b"01a");
    vfs.truncate(C, &f, 5).await.unwrap();
    assert_eq!(&vfs.read_file(C, &f).await.unwrap()[..], b"01a\0\0");
    assert_eq!(
        code(vfs.truncate(C, &p(base, "range"), 0).await).await,
        "EISDIR"
    );
}

/// `.`, `..` and repeated or trailing slashes.
pub async fn dots(vfs: &Vfs, base: &str) {
    vfs.mkdir_all(C, &p(base, "dots/a/b"), 0o755).await.unwrap();
    vfs.write_file(C, &p(base, "dots/a/f"), Bytes::from_static(b"f"))
        .await
        .unwrap();
    assert!(vfs.exists(C, &p(base, "dots/a/b/../f")).await.unwrap());
    assert!(vfs.exists(C, &p(base, "dots/./a//b/./")).await.unwrap());
    assert_eq!(
        vfs.realpath(C, &p(base, "dots/a/b/..")).await.unwrap(),
        p(base, "dots/a")
    );
    assert_eq!(
        code(vfs.stat(C, &p(base, "dots/a/f/"), true).await).await,
        "ENOTDIR"
    );
    assert_eq!(
        code(vfs.rmdir(C, &p(base, "dots/a/b/..")).await).await,
        "EINVAL"
    );
    assert_eq!(
        code(vfs.stat(C, &p(base, "dots/a/f/.."), true).await).await,
        "ENOTDIR"
    );
}

/// Paths the kernel refuses before touching any backend.
pub async fn bad_paths(vfs: &Vfs, base: &str) {
    for bad in ["", "relative/path", "nul\0/x"] {
        assert_eq!(code(vfs.read_file(C, bad).await).await, "EINVAL");
    }
    let long_name = p(base, &"n".repeat(256));
    assert_eq!(
        code(vfs.write_file(C, &long_name, Bytes::new()).await).await,
        "ENAMETOOLONG"
    );
    let e = vfs.read_file(C, "relative").await.unwrap_err();
    assert_eq!(e.errno_value(), Some(Errno::EINVAL));
}

/// Lay out what [`read_only`] reads: `f` ("data"), `d/g` ("more"), and `ln` -> `f`. Run it
/// through a writable view of the backend before mounting it read-only.
pub async fn prepare_read_only(vfs: &Vfs, base: &str) {
    vfs.write_file(C, &p(base, "f"), Bytes::from_static(b"data"))
        .await
        .unwrap();
    vfs.mkdir(C, &p(base, "d"), 0o755).await.unwrap();
    vfs.write_file(C, &p(base, "d/g"), Bytes::from_static(b"more"))
        .await
        .unwrap();
    vfs.symlink(C, "f", &p(base, "ln")).await.unwrap();
}

/// The read half on a read-only mount: reads, listings, stats and links work; every change is
/// `EROFS` and changes nothing.
pub async fn read_only(vfs: &Vfs, base: &str) {
    assert_eq!(&vfs.read_file(C, &p(base, "f")).await.unwrap()[..], b"data");
    assert_eq!(
        &vfs.read_file(C, &p(base, "ln")).await.unwrap()[..],
        b"data"
    );
    assert_eq!(
        &vfs.pread(C, &p(base, "d/g"), 1, Some(2)).await.unwrap()[..],
        b"or"
    );
    let names: Vec<String> = vfs
        .read_dir(C, base)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert!(names.contains(&"f".to_owned()) && names.contains(&"d".to_owned()));
    assert_eq!(
        vfs.stat(C, &p(base, "d"), true).await.unwrap().file_type,
        FileType::Dir
    );
    assert_eq!(vfs.readlink(C, &p(base, "ln")).await.unwrap(), "f");
    assert_eq!(
        code(vfs.read_file(C, &p(base, "nope")).await).await,
        "ENOENT"
    );
    let data = Bytes::from_static(b"x");
    let create = WriteOpts {
        pos: WritePos::Truncate,
        create: Some(0o644),
        exclusive: false,
    };
    let rofs = [
        code(vfs.write(C, &p(base, "f"), data.clone(), create).await).await,
        code(vfs.write(C, &p(base, "new"), data.clone(), create).await).await,
        code(vfs.truncate(C, &p(base, "f"), 0).await).await,
        code(vfs.mkdir(C, &p(base, "d2"), 0o755).await).await,
        code(vfs.unlink(C, &p(base, "f")).await).await,
        code(vfs.unlink(C, &p(base, "d/g")).await).await,
        code(vfs.rename(C, &p(base, "f"), &p(base, "f2")).await).await,
        code(vfs.symlink(C, "f", &p(base, "ln2")).await).await,
        code(vfs.link(C, &p(base, "f"), &p(base, "f3")).await).await,
        code(
            vfs.set_attr(
                C,
                &p(base, "f"),
                true,
                SetAttr {
                    perm: Some(0o600),
                    ..SetAttr::default()
                },
                "chmod",
            )
            .await,
        )
        .await,
    ];
    assert!(rofs.iter().all(|c| c == "EROFS"), "{rofs:?}");
    assert_eq!(&vfs.read_file(C, &p(base, "f")).await.unwrap()[..], b"data");
    assert_eq!(
        code(vfs.stat(C, &p(base, "new"), true).await).await,
        "ENOENT"
    );
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::kernel::vfs::{FsLimits, MemFs};

    #[tokio::test]
    async fn memfs_read_only() {
        let fs = Arc::new(MemFs::new());
        let writable = Vfs::new(Arc::new(MemFs::new()));
        writable.mount("/w", fs.clone(), false).unwrap();
        prepare_read_only(&writable, "/w").await;
        let vfs = Vfs::new(Arc::new(MemFs::new()));
        vfs.mount("/ro", fs, true).unwrap();
        read_only(&vfs, "/ro").await;
    }

    #[tokio::test]
    async fn memfs_as_root() {
        let vfs = Vfs::new(Arc::new(MemFs::new()));
        run_all(&vfs, "/").await;
    }

    #[tokio::test]
    async fn memfs_mounted_below_root() {
        let vfs = Vfs::new(Arc::new(MemFs::new()));
        vfs.mount("/mnt/x", Arc::new(MemFs::new()), false).unwrap();
        run_all(&vfs, "/mnt/x").await;
        // Nothing of it landed in the root filesystem.
        let root_only = Vfs::new(vfs.root().clone());
        assert_eq!(root_only.read_dir(C, "/mnt/x").await.unwrap().len(), 0);
    }

    #[tokio::test]
    async fn memfs_in_a_vm_root() {
        let vfs = Vfs::new(crate::kernel::vfs::rootfs::new_root(FsLimits::UNLIMITED));
        run_all(&vfs, "/tmp").await;
    }
}
