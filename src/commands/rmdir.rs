//! `rmdir [-p] [-v] [--ignore-fail-on-non-empty] DIR...`: remove empty directories.

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};
use crate::kernel::errno::Errno;

/// Commands in this file.
pub const NAMES: &[&str] = &["rmdir"];

const SPEC: OptSpec = OptSpec {
    flags: "pv",
    with_arg: "",
    long: &[
        ("parents", false, 'p'),
        ("verbose", false, 'v'),
        ("ignore-fail-on-non-empty", false, 'I'),
    ],
};

/// `rmdir`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: rmdir [OPTION]... DIRECTORY...\nRemove the DIRECTORY(ies), if they are empty.\n", "rmdir (GNU coreutils) 9.1\n").await {
            return code;
        }
        let p = match util::parse("rmdir", &ctx.argv[1..], &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        if p.operands.is_empty() {
            ctx.complain(format!("missing operand\n{}", fu::try_help("rmdir")))
                .await;
            return 1;
        }
        let ignore = p.has('I');
        let verbose = p.has('v');
        let mut status = 0;
        for d in &p.operands {
            if d.is_empty() {
                ctx.complain("failed to remove '': No such file or directory")
                    .await;
                status = 1;
                continue;
            }
            let mut cur = d.trim_end_matches('/').to_owned();
            if cur.is_empty() {
                cur = d.clone();
            }
            let mut first = true;
            loop {
                if verbose {
                    let _ = ctx
                        .out(format!("rmdir: removing directory, {}\n", fu::q(&cur)))
                        .await;
                }
                let abs = ctx.abs(&cur);
                if let Err(e) = ctx.kernel.vfs().rmdir(ctx.cred(), &abs).await {
                    let en = fu::errno(&e);
                    let en = if en == Errno::EEXIST {
                        Errno::ENOTEMPTY
                    } else {
                        en
                    };
                    if !(ignore && en == Errno::ENOTEMPTY) {
                        let what = if first { "" } else { "directory " };
                        ctx.complain(format!(
                            "failed to remove {what}{}: {}",
                            fu::q(&cur),
                            en.strerror()
                        ))
                        .await;
                        status = 1;
                    }
                    break;
                }
                first = false;
                if !p.has('p') {
                    break;
                }
                match cur.rfind('/') {
                    Some(i) if i > 0 => {
                        cur.truncate(i);
                        let t = cur.trim_end_matches('/').len();
                        cur.truncate(t);
                        if cur.is_empty() {
                            break;
                        }
                    }
                    _ => break,
                }
            }
        }
        status
    })
}
