//! `cp [-rRpafnvLPdT] [-t DIR] SOURCE... DEST`: copy files and directories.

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};
use crate::kernel::vfs::{FileType, SetAttr, Stat, WriteOpts, WritePos};

/// Commands in this file.
pub const NAMES: &[&str] = &["cp"];

const SPEC: OptSpec = OptSpec {
    flags: "rRpafnvLPdTxiHuls",
    with_arg: "t",
    long: &[
        ("recursive", false, 'R'),
        ("archive", false, 'a'),
        ("force", false, 'f'),
        ("no-clobber", false, 'n'),
        ("verbose", false, 'v'),
        ("dereference", false, 'L'),
        ("no-dereference", false, 'P'),
        ("preserve", false, 'p'),
        ("no-target-directory", false, 'T'),
        ("target-directory", true, 't'),
        ("one-file-system", false, 'x'),
        ("interactive", false, 'i'),
        ("update", false, 'u'),
        ("link", false, 'l'),
        ("symbolic-link", false, 's'),
    ],
};

struct Opts {
    recursive: bool,
    preserve: bool,
    force: bool,
    no_clobber: bool,
    verbose: bool,
    deref: Option<bool>,
    update: bool,
    interactive: bool,
    link: Option<char>,
}

/// `cp`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: cp [OPTION]... [-T] SOURCE DEST\n  or:  cp [OPTION]... SOURCE... DIRECTORY\n  or:  cp [OPTION]... -t DIRECTORY SOURCE...\nCopy SOURCE to DEST, or multiple SOURCE(s) to DIRECTORY.\n", "cp (GNU coreutils) 9.1\n").await {
            return code;
        }
        let args: Vec<String> = ctx.argv[1..]
            .iter()
            .filter(|a| !a.starts_with("--no-preserve="))
            .map(|a| {
                if a.starts_with("--preserve=") {
                    "--preserve".to_owned()
                } else {
                    a.clone()
                }
            })
            .collect();
        let p = match util::parse("cp", &args, &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        let mut o = Opts {
            recursive: false,
            preserve: false,
            force: false,
            no_clobber: false,
            verbose: false,
            deref: None,
            update: false,
            interactive: false,
            link: None,
        };
        for (c, _) in &p.opts {
            match c {
                'r' | 'R' => o.recursive = true,
                'p' => o.preserve = true,
                'a' => {
                    o.recursive = true;
                    o.preserve = true;
                    o.deref = Some(false);
                }
                'f' => {
                    o.force = true;
                    o.no_clobber = false;
                    o.interactive = false
                }
                'n' => {
                    o.no_clobber = true;
                    o.interactive = false
                }
                'i' => {
                    o.no_clobber = false;
                    o.interactive = true
                }
                'l' | 's' => o.link = Some(*c),
                'v' => o.verbose = true,
                'L' => o.deref = Some(true),
                'P' | 'd' => o.deref = Some(false),
                'u' => o.update = true,
                _ => {}
            }
        }
        let (sources, target) = match super::cmd_mv::targets(&ctx, "cp", &p).await {
            Some(t) => t,
            None => return 1,
        };
        let mut status = 0;
        for (src, dst) in sources.iter().zip(target) {
            if !copy(&ctx, &o, src.clone(), dst, true).await {
                status = 1;
            }
        }
        status
    })
}

/// Copy `src` to `dst` (both as the user wrote them); false on failure (already reported).
fn copy<'a>(
    ctx: &'a Ctx,
    o: &'a Opts,
    src: String,
    dst: String,
    top: bool,
) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
    Box::pin(async move {
        let vfs = ctx.kernel.vfs();
        let cred = ctx.cred();
        let (sabs, dabs) = (ctx.abs(&src), ctx.abs(&dst));
        if src.is_empty() {
            ctx.complain("cannot stat '': No such file or directory")
                .await;
            return false;
        }
        let follow = match o.deref {
            Some(d) => d,
            None => !o.recursive,
        };
        let st = match vfs.stat(cred, &sabs, follow).await {
            Ok(st) => st,
            Err(e) => {
                ctx.complain(format!("cannot stat {}: {}", fu::q(&src), fu::strerror(&e)))
                    .await;
                return false;
            }
        };
        if dst.is_empty() {
            let what = match st.file_type {
                FileType::Dir if o.recursive => "directory",
                FileType::Dir => {
                    ctx.complain(format!(
                        "-r not specified; omitting directory {}",
                        fu::q(&src)
                    ))
                    .await;
                    return false;
                }
                FileType::Symlink => "symbolic link",
                _ => "regular file",
            };
            ctx.complain(format!(
                "cannot create {what} '': No such file or directory"
            ))
            .await;
            return false;
        }
        let dst_st = vfs.stat(cred, &dabs, true).await.ok();
        let dst_lst = vfs.stat(cred, &dabs, false).await.ok();
        if let Some(d) = dst_st.as_ref().filter(|_| o.link.is_none()) {
            if d.ino == st.ino && d.file_type == st.file_type && same_path(ctx, &sabs, &dabs).await
            {
                ctx.complain(format!(
                    "{} and {} are the same file",
                    fu::q(&src),
                    fu::q(&dst)
                ))
                .await;
                return false;
            }
        }
        match st.file_type {
            FileType::Dir => {
                if !o.recursive {
                    ctx.complain(format!(
                        "-r not specified; omitting directory {}",
                        fu::q(&src)
                    ))
                    .await;
                    return false;
                }
                if let Some(d) = &dst_st {
                    if d.file_type != FileType::Dir {
                        ctx.complain(format!(
                            "cannot overwrite non-directory {} with directory {}",
                            fu::q(&dst),
                            fu::q(&src)
                        ))
                        .await;
                        return false;
                    }
                }
                if top {
                    let sreal = vfs.realpath(cred, &sabs).await.unwrap_or(sabs.clone());
                    let dreal = match fu::base_name(&dabs) {
                        name if !name.is_empty() => {
                            let parent = fu::dir_name(&dabs).to_owned();
                            let pr = vfs.realpath(cred, &parent).await.unwrap_or(parent);
                            fu::join(&pr, name)
                        }
                        _ => dabs.clone(),
                    };
                    if dreal == sreal
                        || dreal.starts_with(&format!("{}/", sreal.trim_end_matches('/')))
                    {
                        ctx.complain(format!(
                            "cannot copy a directory, {}, into itself, {}",
                            fu::q(&src),
                            fu::q(&dst)
                        ))
                        .await;
                        return false;
                    }
                }
                if dst_st.is_none() {
                    if let Err(e) = vfs.mkdir(cred, &dabs, 0o755).await {
                        ctx.complain(format!(
                            "cannot create directory {}: {}",
                            fu::q(&dst),
                            fu::strerror(&e)
                        ))
                        .await;
                        return false;
                    }
                    let perm = if o.preserve {
                        st.perm
                    } else {
                        st.perm & !fu::UMASK
                    };
                    if perm != 0o755 {
                        let _ = set(ctx, &dabs, Some(perm), None).await;
                    }
                    verbose(ctx, o, &src, &dst).await;
                }
                let entries = match vfs.read_dir(cred, &sabs).await {
                    Ok(e) => e,
                    Err(e) => {
                        ctx.complain(format!(
                            "cannot access {}: {}",
                            fu::q(&src),
                            fu::strerror(&e)
                        ))
                        .await;
                        return false;
                    }
                };
                let mut ok = true;
                for e in entries {
                    if !copy(
                        ctx,
                        o,
                        fu::join(&src, &e.name),
                        fu::join(&dst, &e.name),
                        false,
                    )
                    .await
                    {
                        ok = false;
                    }
                }
                if o.preserve {
                    let _ = set(ctx, &dabs, Some(st.perm), Some(&st)).await;
                }
                ok
            }
            FileType::Symlink => {
                let target = match vfs.readlink(cred, &sabs).await {
                    Ok(t) => t,
                    Err(e) => {
                        ctx.complain(format!(
                            "cannot read symbolic link {}: {}",
                            fu::q(&src),
                            fu::strerror(&e)
                        ))
                        .await;
                        return false;
                    }
                };
                if let Some(d) = &dst_lst {
                    if o.no_clobber {
                        return true;
                    }
                    if d.file_type == FileType::Dir {
                        ctx.complain(format!(
                            "cannot overwrite directory {} with non-directory",
                            fu::q(&dst)
                        ))
                        .await;
                        return false;
                    }
                    let _ = vfs.unlink(cred, &dabs).await;
                }
                if let Err(e) = vfs.symlink(cred, &target, &dabs).await {
                    ctx.complain(format!(
                        "cannot create symbolic link {}: {}",
                        fu::q(&dst),
                        fu::strerror(&e)
                    ))
                    .await;
                    return false;
                }
                verbose(ctx, o, &src, &dst).await;
                true
            }
            FileType::File | FileType::CharDevice => {
                if let Some(d) = &dst_st {
                    if d.file_type == FileType::Dir {
                        ctx.complain(format!(
                            "cannot overwrite directory {} with non-directory",
                            fu::q(&dst)
                        ))
                        .await;
                        return false;
                    }
                    if o.no_clobber {
                        return true;
                    }
                    if o.update && d.mtime_ns >= st.mtime_ns {
                        return true;
                    }
                    if o.interactive && !fu::ask(ctx, &format!("overwrite {}? ", fu::q(&dst))).await
                    {
                        return true;
                    }
                }
                if let Some(kind) = o.link {
                    if o.force && dst_lst.is_some() {
                        let _ = vfs.unlink(cred, &dabs).await;
                    }
                    let r = if kind == 's' {
                        vfs.symlink(cred, &src, &dabs).await
                    } else {
                        vfs.link(cred, &sabs, &dabs).await
                    };
                    if let Err(e) = r {
                        let what = if kind == 's' { "symbolic" } else { "hard" };
                        ctx.complain(format!(
                            "cannot create {what} link {} to {}: {}",
                            fu::q(&dst),
                            fu::q(&src),
                            fu::strerror(&e)
                        ))
                        .await;
                        return false;
                    }
                    verbose(ctx, o, &src, &dst).await;
                    return true;
                }
                let data = match vfs.read_file(cred, &sabs).await {
                    Ok(d) => d,
                    Err(e) => {
                        ctx.complain(format!(
                            "cannot open {} for reading: {}",
                            fu::q(&src),
                            fu::strerror(&e)
                        ))
                        .await;
                        return false;
                    }
                };
                let perm = if o.preserve {
                    st.perm
                } else {
                    st.perm & !fu::UMASK
                };
                if let Err(e) = write(ctx, &dabs, data.clone(), perm).await {
                    let retry =
                        o.force && dst_st.is_some() && vfs.unlink(cred, &dabs).await.is_ok();
                    let r = if retry {
                        write(ctx, &dabs, data, perm).await
                    } else {
                        Err(e)
                    };
                    if let Err(e) = r {
                        ctx.complain(format!(
                            "cannot create regular file {}: {}",
                            fu::q(&dst),
                            fu::strerror(&e)
                        ))
                        .await;
                        return false;
                    }
                }
                if dst_st.is_none() && perm != 0o644 {
                    let _ = set(ctx, &dabs, Some(perm), None).await;
                }
                if o.preserve {
                    let _ = set(ctx, &dabs, Some(st.perm), Some(&st)).await;
                }
                verbose(ctx, o, &src, &dst).await;
                true
            }
        }
    })
}

async fn same_path(ctx: &Ctx, a: &str, b: &str) -> bool {
    let vfs = ctx.kernel.vfs();
    match (
        vfs.realpath(ctx.cred(), a).await,
        vfs.realpath(ctx.cred(), b).await,
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

async fn write(ctx: &Ctx, abs: &str, data: Bytes, perm: u32) -> Result<u64, crate::error::Error> {
    let opts = WriteOpts {
        pos: WritePos::Truncate,
        create: Some(perm),
        exclusive: false,
    };
    ctx.kernel.vfs().write(ctx.cred(), abs, data, opts).await
}

async fn set(
    ctx: &Ctx,
    abs: &str,
    perm: Option<u32>,
    times: Option<&Stat>,
) -> Result<(), crate::error::Error> {
    let attr = SetAttr {
        perm,
        atime_ns: times.map(|t| t.atime_ns),
        mtime_ns: times.map(|t| t.mtime_ns),
        ..SetAttr::default()
    };
    ctx.kernel
        .vfs()
        .set_attr(ctx.cred(), abs, false, attr, "chmod")
        .await
}

async fn verbose(ctx: &Ctx, o: &Opts, src: &str, dst: &str) {
    if o.verbose {
        let _ = ctx.out(format!("{} -> {}\n", fu::q(src), fu::q(dst))).await;
    }
}
