//! `mv [-fnvT] [-t DIR] SOURCE... DEST`: move (rename) files.

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec, Parsed};
use super::{Ctx, ProgramFuture};
use crate::kernel::errno::Errno;
use crate::kernel::vfs::FileType;

/// Commands in this file.
pub const NAMES: &[&str] = &["mv"];

const SPEC: OptSpec = OptSpec {
    flags: "fnvTiu",
    with_arg: "t",
    long: &[
        ("force", false, 'f'),
        ("no-clobber", false, 'n'),
        ("verbose", false, 'v'),
        ("no-target-directory", false, 'T'),
        ("target-directory", true, 't'),
        ("interactive", false, 'i'),
        ("update", false, 'u'),
    ],
};

/// The sources of a `cp`/`mv`/`ln`-style command line and the destination of each, following
/// GNU's rules for `-t`, `-T` and a final directory operand. `None` once an error is reported.
pub async fn targets(ctx: &Ctx, name: &str, p: &Parsed) -> Option<(Vec<String>, Vec<String>)> {
    let help = fu::try_help(name);
    let vfs = ctx.kernel.vfs();
    let is_dir = |x: String| async move {
        if x.is_empty() {
            return Err(crate::error::Error::errno(Errno::ENOENT, "stat", ""));
        }
        vfs.stat(ctx.cred(), &ctx.abs(&x), true)
            .await
            .map(|s| s.file_type == FileType::Dir)
    };
    if let Some(t) = p.value('t') {
        if p.operands.is_empty() {
            ctx.complain(format!("missing file operand\n{help}")).await;
            return None;
        }
        match is_dir(t.to_owned()).await {
            Ok(true) => {}
            Ok(false) => {
                ctx.complain(format!("target directory {} is not a directory", fu::q(t)))
                    .await;
                return None;
            }
            Err(e) => {
                ctx.complain(format!(
                    "target directory {}: {}",
                    fu::q(t),
                    fu::strerror(&e)
                ))
                .await;
                return None;
            }
        }
        let dsts = p
            .operands
            .iter()
            .map(|s| fu::join(t, fu::base_name(s)))
            .collect();
        return Some((p.operands.clone(), dsts));
    }
    match p.operands.len() {
        0 => {
            ctx.complain(format!("missing file operand\n{help}")).await;
            return None;
        }
        1 => {
            ctx.complain(format!(
                "missing destination file operand after {}\n{help}",
                fu::q(&p.operands[0])
            ))
            .await;
            return None;
        }
        _ => {}
    }
    let (srcs, last) = p.operands.split_at(p.operands.len() - 1);
    let last = &last[0];
    if p.has('T') {
        if srcs.len() > 1 {
            ctx.complain(format!("extra operand {}\n{help}", fu::q(last)))
                .await;
            return None;
        }
        return Some((srcs.to_vec(), vec![last.clone()]));
    }
    match is_dir(last.clone()).await {
        Ok(true) => {
            let dsts = srcs
                .iter()
                .map(|s| fu::join(last, fu::base_name(s)))
                .collect();
            Some((srcs.to_vec(), dsts))
        }
        r => {
            if srcs.len() > 1 {
                match r {
                    Err(e) => {
                        ctx.complain(format!("target {}: {}", fu::q(last), fu::strerror(&e)))
                            .await
                    }
                    _ => {
                        ctx.complain(format!("target {}: Not a directory", fu::q(last)))
                            .await
                    }
                }
                return None;
            }
            Some((srcs.to_vec(), vec![last.clone()]))
        }
    }
}

/// `mv`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: mv [OPTION]... [-T] SOURCE DEST\n  or:  mv [OPTION]... SOURCE... DIRECTORY\n  or:  mv [OPTION]... -t DIRECTORY SOURCE...\nRename SOURCE to DEST, or move SOURCE(s) to DIRECTORY.\n", "mv (GNU coreutils) 9.1\n").await {
            return code;
        }
        let p = match util::parse("mv", &ctx.argv[1..], &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        let mut no_clobber = false;
        let mut interactive = false;
        for (c, _) in &p.opts {
            match c {
                'n' => {
                    no_clobber = true;
                    interactive = false
                }
                'f' => {
                    no_clobber = false;
                    interactive = false
                }
                'i' => {
                    no_clobber = false;
                    interactive = true
                }
                _ => {}
            }
        }
        let verbose = p.has('v');
        let update = p.has('u');
        let Some((srcs, dsts)) = targets(&ctx, "mv", &p).await else {
            return 1;
        };
        let vfs = ctx.kernel.vfs();
        let cred = ctx.cred();
        let mut status = 0;
        for (src, dst) in srcs.iter().zip(dsts) {
            let (sabs, dabs) = (ctx.abs(src), ctx.abs(&dst));
            if src.is_empty() {
                ctx.complain("cannot stat '': No such file or directory")
                    .await;
                status = 1;
                continue;
            }
            if dst.is_empty() {
                ctx.complain(format!(
                    "cannot move {} to '': No such file or directory",
                    fu::q(src)
                ))
                .await;
                status = 1;
                continue;
            }
            let st = match vfs.stat(cred, &sabs, false).await {
                Ok(st) => st,
                Err(e) => {
                    ctx.complain(format!("cannot stat {}: {}", fu::q(src), fu::strerror(&e)))
                        .await;
                    status = 1;
                    continue;
                }
            };
            let dst_st = vfs.stat(cred, &dabs, false).await.ok();
            if let Some(d) = &dst_st {
                let sreal = vfs.realpath(cred, fu::dir_name(&sabs)).await.ok();
                let dreal = vfs.realpath(cred, fu::dir_name(&dabs)).await.ok();
                let same_entry = sreal.is_some()
                    && sreal == dreal
                    && fu::base_name(&sabs) == fu::base_name(&dabs);
                if d.ino == st.ino && same_entry {
                    ctx.complain(format!(
                        "{} and {} are the same file",
                        fu::q(src),
                        fu::q(&dst)
                    ))
                    .await;
                    status = 1;
                    continue;
                }
                if no_clobber {
                    continue;
                }
                if update && d.mtime_ns >= st.mtime_ns {
                    continue;
                }
                if interactive && !fu::ask(&ctx, &format!("overwrite {}? ", fu::q(&dst))).await {
                    continue;
                }
                if d.file_type == FileType::Dir && st.file_type != FileType::Dir {
                    ctx.complain(format!(
                        "cannot overwrite directory {} with non-directory",
                        fu::q(&dst)
                    ))
                    .await;
                    status = 1;
                    continue;
                }
                if d.file_type != FileType::Dir && st.file_type == FileType::Dir {
                    ctx.complain(format!(
                        "cannot overwrite non-directory {} with directory {}",
                        fu::q(&dst),
                        fu::q(src)
                    ))
                    .await;
                    status = 1;
                    continue;
                }
            }
            if st.file_type == FileType::Dir {
                let sreal = vfs.realpath(cred, &sabs).await.unwrap_or(sabs.clone());
                let parent = fu::dir_name(&dabs).to_owned();
                let preal = vfs.realpath(cred, &parent).await.unwrap_or(parent);
                let dreal = fu::join(&preal, fu::base_name(&dabs));
                if dreal.starts_with(&format!("{}/", sreal.trim_end_matches('/'))) {
                    ctx.complain(format!(
                        "cannot move {} to a subdirectory of itself, {}",
                        fu::q(src),
                        fu::q(&dst)
                    ))
                    .await;
                    status = 1;
                    continue;
                }
            }
            if let Err(e) = vfs.move_path(cred, &sabs, &dabs).await {
                let en = match fu::errno(&e) {
                    Errno::EEXIST => Errno::ENOTEMPTY,
                    x => x,
                };
                ctx.complain(format!(
                    "cannot move {} to {}: {}",
                    fu::q(src),
                    fu::q(&dst),
                    en.strerror()
                ))
                .await;
                status = 1;
                continue;
            }
            if verbose {
                let _ = ctx
                    .out(format!("renamed {} -> {}\n", fu::q(src), fu::q(&dst)))
                    .await;
            }
        }
        status
    })
}
