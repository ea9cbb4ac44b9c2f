//! `install [-m MODE] [-d] [-D] [-v] [-t DIR] [-T] SOURCE... DEST`: copy files and set
//! attributes, or create directories.

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};
use crate::kernel::vfs::{FileType, SetAttr, WriteOpts, WritePos};

/// Commands in this file.
pub const NAMES: &[&str] = &["install"];

const SPEC: OptSpec = OptSpec {
    flags: "dDvTcCpsb",
    with_arg: "mtogS",
    long: &[
        ("directory", false, 'd'),
        ("verbose", false, 'v'),
        ("mode", true, 'm'),
        ("target-directory", true, 't'),
        ("no-target-directory", false, 'T'),
        ("owner", true, 'o'),
        ("group", true, 'g'),
        ("compare", false, 'C'),
        ("preserve-timestamps", false, 'p'),
        ("strip", false, 's'),
    ],
};

async fn chmod(ctx: &Ctx, abs: &str, perm: u32) -> Result<(), crate::error::Error> {
    let attr = SetAttr {
        perm: Some(perm),
        ..SetAttr::default()
    };
    ctx.kernel
        .vfs()
        .set_attr(ctx.cred(), abs, true, attr, "chmod")
        .await
}

/// `install`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: install [OPTION]... [-T] SOURCE DEST\n  or:  install [OPTION]... SOURCE... DIRECTORY\n  or:  install [OPTION]... -t DIRECTORY SOURCE...\n  or:  install [OPTION]... -d DIRECTORY...\nThis install program copies files (often just compiled) into destination\nlocations you choose.\n", "install (GNU coreutils) 9.1\n").await {
            return code;
        }
        let p = match util::parse("install", &ctx.argv[1..], &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        let mode = match p.value('m') {
            Some(m) => match fu::apply_mode(m, 0o755, false) {
                Some(v) => v,
                None => {
                    ctx.complain(format!("invalid mode {}", fu::q(m))).await;
                    return 1;
                }
            },
            None => 0o755,
        };
        let verbose = p.has('v');
        let vfs = ctx.kernel.vfs();
        let cred = ctx.cred();
        let help = fu::try_help("install");
        if p.has('d') {
            if p.operands.is_empty() {
                ctx.complain(format!("missing file operand\n{help}")).await;
                return 1;
            }
            let mut status = 0;
            for d in &p.operands {
                let mut prefix = if d.starts_with('/') {
                    "/".to_owned()
                } else {
                    String::new()
                };
                let mut failed = false;
                for c in d.split('/').filter(|c| !c.is_empty()) {
                    if !prefix.is_empty() && !prefix.ends_with('/') {
                        prefix.push('/');
                    }
                    prefix.push_str(c);
                    let abs = ctx.abs(&prefix);
                    match vfs.stat(cred, &abs, true).await {
                        Ok(st) if st.file_type == FileType::Dir => continue,
                        Ok(_) => {
                            ctx.complain(format!(
                                "cannot create directory {}: File exists",
                                fu::q(&prefix)
                            ))
                            .await;
                            failed = true;
                            break;
                        }
                        Err(_) => {}
                    }
                    if let Err(e) = vfs.mkdir(cred, &abs, 0o755).await {
                        ctx.complain(format!(
                            "cannot create directory {}: {}",
                            fu::q(&prefix),
                            fu::strerror(&e)
                        ))
                        .await;
                        failed = true;
                        break;
                    }
                    if verbose {
                        let _ = ctx
                            .out(format!("install: creating directory {}\n", fu::q(&prefix)))
                            .await;
                    }
                }
                if failed {
                    status = 1;
                    continue;
                }
                if let Err(e) = chmod(&ctx, &ctx.abs(d), mode).await {
                    ctx.complain(format!(
                        "cannot change permissions of {}: {}",
                        fu::q(d),
                        fu::strerror(&e)
                    ))
                    .await;
                    status = 1;
                }
            }
            return status;
        }
        // -D: create the destination's leading directories first.
        if p.has('D') {
            let dir = match p.value('t') {
                Some(t) => Some(t.to_owned()),
                None if p.operands.len() >= 2 => {
                    p.operands.last().map(|l| fu::dir_name(l).to_owned())
                }
                None => None,
            };
            if let Some(d) = dir {
                let _ = vfs.mkdir_all(cred, &fu::abs(&ctx, &d), 0o755).await;
            }
        }
        let Some((srcs, dsts)) = super::cmd_mv::targets(&ctx, "install", &p).await else {
            return 1;
        };
        let mut status = 0;
        for (src, dst) in srcs.iter().zip(dsts) {
            let sabs = ctx.abs(src);
            let dabs = ctx.abs(&dst);
            if src.is_empty() {
                ctx.complain("cannot stat '': No such file or directory")
                    .await;
                status = 1;
                continue;
            }
            if dst.is_empty() {
                ctx.complain("cannot create regular file '': No such file or directory")
                    .await;
                status = 1;
                continue;
            }
            match vfs.stat(cred, &sabs, true).await {
                Ok(st) if st.file_type == FileType::Dir => {
                    ctx.complain(format!("omitting directory {}", fu::q(src)))
                        .await;
                    status = 1;
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    ctx.complain(format!("cannot stat {}: {}", fu::q(src), fu::strerror(&e)))
                        .await;
                    status = 1;
                    continue;
                }
            }
            let data = match vfs.read_file(cred, &sabs).await {
                Ok(d) => d,
                Err(e) => {
                    ctx.complain(format!(
                        "cannot open {} for reading: {}",
                        fu::q(src),
                        fu::strerror(&e)
                    ))
                    .await;
                    status = 1;
                    continue;
                }
            };
            if let Ok(d) = vfs.stat(cred, &dabs, false).await {
                if d.file_type == FileType::Dir {
                    ctx.complain(format!(
                        "cannot overwrite directory {} with non-directory",
                        fu::q(&dst)
                    ))
                    .await;
                    status = 1;
                    continue;
                }
                let _ = vfs.unlink(cred, &dabs).await;
            }
            let opts = WriteOpts {
                pos: WritePos::Truncate,
                create: Some(0o600),
                exclusive: false,
            };
            if let Err(e) = vfs.write(cred, &dabs, data, opts).await {
                ctx.complain(format!(
                    "cannot create regular file {}: {}",
                    fu::q(&dst),
                    fu::strerror(&e)
                ))
                .await;
                status = 1;
                continue;
            }
            if let Err(e) = chmod(&ctx, &dabs, mode).await {
                ctx.complain(format!(
                    "cannot change permissions of {}: {}",
                    fu::q(&dst),
                    fu::strerror(&e)
                ))
                .await;
                status = 1;
                continue;
            }
            if verbose {
                let _ = ctx
                    .out(format!("{} -> {}\n", fu::q(src), fu::q(&dst)))
                    .await;
            }
        }
        status
    })
}
