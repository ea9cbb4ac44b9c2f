//! `rm [-rRfdv] FILE...`: remove files or directories.

use std::future::Future;
use std::pin::Pin;

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};
use crate::kernel::errno::Errno;
use crate::kernel::vfs::FileType;

/// Commands in this file.
pub const NAMES: &[&str] = &["rm"];

const SPEC: OptSpec = OptSpec {
    flags: "rRfdvi",
    with_arg: "",
    long: &[
        ("recursive", false, 'r'),
        ("force", false, 'f'),
        ("dir", false, 'd'),
        ("verbose", false, 'v'),
        ("interactive", false, 'i'),
        ("no-preserve-root", false, 'N'),
        ("preserve-root", false, 'P'),
    ],
};

struct Opts {
    interactive: bool,
    recursive: bool,
    force: bool,
    dir: bool,
    verbose: bool,
}

/// `rm`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(
            &ctx,
            "Usage: rm [OPTION]... [FILE]...\nRemove (unlink) the FILE(s).\n",
            "rm (GNU coreutils) 9.1\n",
        )
        .await
        {
            return code;
        }
        let p = match util::parse("rm", &ctx.argv[1..], &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        let mut o = Opts {
            interactive: false,
            recursive: false,
            force: false,
            dir: false,
            verbose: false,
        };
        for (c, _) in &p.opts {
            match c {
                'r' | 'R' => o.recursive = true,
                'f' => {
                    o.force = true;
                    o.interactive = false
                }
                'i' => {
                    o.force = false;
                    o.interactive = true
                }
                'd' => o.dir = true,
                'v' => o.verbose = true,
                _ => {}
            }
        }
        let no_preserve = p.has('N');
        if p.operands.is_empty() {
            if o.force {
                return 0;
            }
            ctx.complain(format!("missing operand\n{}", fu::try_help("rm")))
                .await;
            return 1;
        }
        let mut status = 0;
        for f in &p.operands {
            if f.is_empty() {
                if !o.force {
                    ctx.complain("cannot remove '': No such file or directory")
                        .await;
                    status = 1;
                }
                continue;
            }
            let base = fu::base_name(f);
            if o.recursive && (base == "." || base == "..") {
                ctx.complain(format!(
                    "refusing to remove '.' or '..' directory: skipping {}",
                    fu::q(f)
                ))
                .await;
                status = 1;
                continue;
            }
            if o.recursive && !no_preserve && fu::abs(&ctx, f) == "/" {
                ctx.complain(format!(
                    "it is dangerous to operate recursively on {}\nrm: use --no-preserve-root to override this failsafe",
                    fu::q(f)
                ))
                .await;
                status = 1;
                continue;
            }
            if !remove(&ctx, &o, f.clone()).await {
                status = 1;
            }
        }
        status
    })
}

/// Remove `f`; false on any failure (already reported).
fn remove<'a>(
    ctx: &'a Ctx,
    o: &'a Opts,
    f: String,
) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
    Box::pin(async move {
        let vfs = ctx.kernel.vfs();
        let cred = ctx.cred();
        let abs = ctx.abs(&f);
        let st = match vfs.stat(cred, &abs, false).await {
            Ok(st) => st,
            Err(e) => {
                if o.force && fu::errno(&e) == Errno::ENOENT {
                    return true;
                }
                ctx.complain(format!("cannot remove {}: {}", fu::q(&f), fu::strerror(&e)))
                    .await;
                return false;
            }
        };
        if st.file_type == FileType::Dir {
            if !o.recursive {
                if o.dir
                    && o.interactive
                    && !fu::ask(ctx, &format!("remove directory {}? ", fu::q(&f))).await
                {
                    return true;
                }
                if o.dir {
                    return match vfs.rmdir(cred, &abs).await {
                        Ok(()) => {
                            verbose(ctx, o, true, &f).await;
                            true
                        }
                        Err(e) => {
                            let en = match fu::errno(&e) {
                                Errno::EEXIST => Errno::ENOTEMPTY,
                                x => x,
                            };
                            ctx.complain(format!("cannot remove {}: {}", fu::q(&f), en.strerror()))
                                .await;
                            false
                        }
                    };
                }
                ctx.complain(format!("cannot remove {}: Is a directory", fu::q(&f)))
                    .await;
                return false;
            }
            let entries = match vfs.read_dir(cred, &abs).await {
                Ok(e) => e,
                Err(e) => {
                    ctx.complain(format!("cannot remove {}: {}", fu::q(&f), fu::strerror(&e)))
                        .await;
                    return false;
                }
            };
            if o.interactive {
                let q = if entries.is_empty() {
                    "remove"
                } else {
                    "descend into"
                };
                if !fu::ask(ctx, &format!("{q} directory {}? ", fu::q(&f))).await {
                    return true;
                }
            }
            let nonempty = !entries.is_empty();
            let mut ok = true;
            for e in entries {
                if !remove(ctx, o, fu::join(&f, &e.name)).await {
                    ok = false;
                }
            }
            if !ok {
                return false;
            }
            if o.interactive
                && nonempty
                && !fu::ask(ctx, &format!("remove directory {}? ", fu::q(&f))).await
            {
                return true;
            }
            return match vfs.rmdir(cred, &abs).await {
                Ok(()) => {
                    verbose(ctx, o, true, &f).await;
                    true
                }
                Err(e) => {
                    ctx.complain(format!("cannot remove {}: {}", fu::q(&f), fu::strerror(&e)))
                        .await;
                    false
                }
            };
        }
        if o.interactive
            && !fu::ask(
                ctx,
                &format!("remove {} {}? ", fu::kind_name(&st), fu::q(&f)),
            )
            .await
        {
            return true;
        }
        match vfs.unlink(cred, &abs).await {
            Ok(()) => {
                verbose(ctx, o, false, &f).await;
                true
            }
            Err(e) => {
                ctx.complain(format!("cannot remove {}: {}", fu::q(&f), fu::strerror(&e)))
                    .await;
                false
            }
        }
    })
}

async fn verbose(ctx: &Ctx, o: &Opts, dir: bool, f: &str) {
    if o.verbose {
        let what = if dir { "removed directory" } else { "removed" };
        let _ = ctx.out(format!("{what} {}\n", fu::q(f))).await;
    }
}
