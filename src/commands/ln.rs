//! `ln [-sfnvT] [-t DIR] TARGET... [LINK]`: make hard or symbolic links.

use super::cmd_fsutil as fu;
use super::cmd_readlink::{canonicalize, Mode};
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};
use crate::kernel::errno::Errno;
use crate::kernel::vfs::FileType;

/// Commands in this file.
pub const NAMES: &[&str] = &["ln"];

const SPEC: OptSpec = OptSpec {
    flags: "sfnvTLPri",
    with_arg: "t",
    long: &[
        ("symbolic", false, 's'),
        ("force", false, 'f'),
        ("no-dereference", false, 'n'),
        ("verbose", false, 'v'),
        ("no-target-directory", false, 'T'),
        ("target-directory", true, 't'),
        ("relative", false, 'r'),
        ("interactive", false, 'i'),
        ("logical", false, 'L'),
        ("physical", false, 'P'),
    ],
};

/// `ln`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: ln [OPTION]... [-T] TARGET LINK_NAME\n  or:  ln [OPTION]... TARGET\n  or:  ln [OPTION]... TARGET... DIRECTORY\n  or:  ln [OPTION]... -t DIRECTORY TARGET...\nCreate hard links by default, symbolic links with --symbolic.\n", "ln (GNU coreutils) 9.1\n").await {
            return code;
        }
        let mut p = match util::parse("ln", &ctx.argv[1..], &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        let symbolic = p.has('s');
        let force = p.has('f');
        let no_deref = p.has('n');
        let verbose = p.has('v');
        let vfs = ctx.kernel.vfs();
        let cred = ctx.cred();
        // One operand: a link of the same name in the working directory.
        if p.operands.len() == 1 && p.value('t').is_none() {
            p.operands.push(".".to_owned());
        }
        // With -n, a final symlink to a directory is a file to replace.
        if no_deref && p.operands.len() == 2 && p.value('t').is_none() {
            let last = ctx.abs(&p.operands[1]);
            if vfs
                .stat(cred, &last, false)
                .await
                .is_ok_and(|s| s.file_type == FileType::Symlink)
            {
                p.opts.push(('T', None));
            }
        }
        let Some((srcs, dsts)) = super::cmd_mv::targets(&ctx, "ln", &p).await else {
            return 1;
        };
        let mut status = 0;
        for (src, dst) in srcs.iter().zip(dsts) {
            let dabs = ctx.abs(&dst);
            let sabs = ctx.abs(src);
            if src.is_empty() && !symbolic {
                ctx.complain("failed to access '': No such file or directory")
                    .await;
                status = 1;
                continue;
            }
            if dst.is_empty() || (symbolic && src.is_empty()) {
                let kind = if symbolic { "symbolic" } else { "hard" };
                let shown = if dst.is_empty() {
                    "''".to_owned()
                } else {
                    format!("{} -> ''", fu::q(&dst))
                };
                ctx.complain(format!(
                    "failed to create {kind} link {shown}: No such file or directory"
                ))
                .await;
                status = 1;
                continue;
            }
            if !symbolic {
                match vfs.stat(cred, &sabs, false).await {
                    Err(e) => {
                        ctx.complain(format!(
                            "failed to access {}: {}",
                            fu::q(src),
                            fu::strerror(&e)
                        ))
                        .await;
                        status = 1;
                        continue;
                    }
                    Ok(st) if st.file_type == FileType::Dir => {
                        ctx.complain(format!("{src}: hard link not allowed for directory"))
                            .await;
                        status = 1;
                        continue;
                    }
                    Ok(_) => {}
                }
            }
            if force {
                if let Ok(d) = vfs.stat(cred, &dabs, false).await {
                    if d.file_type == FileType::Dir {
                        ctx.complain(format!("{}: cannot overwrite directory", fu::q(&dst)))
                            .await;
                        status = 1;
                        continue;
                    }
                    if !symbolic {
                        if let Ok(s) = vfs.stat(cred, &sabs, false).await {
                            if s.ino == d.ino {
                                ctx.complain(format!(
                                    "{} and {} are the same file",
                                    fu::q(src),
                                    fu::q(&dst)
                                ))
                                .await;
                                status = 1;
                                continue;
                            }
                        }
                    }
                    let _ = vfs.unlink(cred, &dabs).await;
                }
            }
            let target = if symbolic && p.has('r') {
                let t = canonicalize(&ctx, src, Mode::Missing).await;
                let d = canonicalize(&ctx, fu::dir_name(&dabs), Mode::Missing).await;
                match (t, d) {
                    (Ok(t), Ok(d)) => super::cmd_realpath::relative(&t, &d),
                    _ => src.clone(),
                }
            } else {
                src.clone()
            };
            let r = if symbolic {
                vfs.symlink(cred, &target, &dabs).await
            } else {
                vfs.link(cred, &sabs, &dabs).await
            };
            if let Err(e) = r {
                let kind = if symbolic { "symbolic" } else { "hard" };
                let en = fu::errno(&e);
                let en = if en == Errno::EISDIR {
                    Errno::EEXIST
                } else {
                    en
                };
                ctx.complain(format!(
                    "failed to create {kind} link {}: {}",
                    fu::q(&dst),
                    en.strerror()
                ))
                .await;
                status = 1;
                continue;
            }
            if verbose {
                let arrow = if symbolic { "->" } else { "=>" };
                let _ = ctx
                    .out(format!("{} {arrow} {}\n", fu::q(&dst), fu::q(&target)))
                    .await;
            }
        }
        status
    })
}
