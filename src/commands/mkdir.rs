//! `mkdir [-p] [-m MODE] [-v] DIR...`: make directories.

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};
use crate::kernel::errno::Errno;
use crate::kernel::vfs::{FileType, SetAttr};

/// Commands in this file.
pub const NAMES: &[&str] = &["mkdir"];

const SPEC: OptSpec = OptSpec {
    flags: "pv",
    with_arg: "m",
    long: &[
        ("parents", false, 'p'),
        ("verbose", false, 'v'),
        ("mode", true, 'm'),
    ],
};

/// `mkdir`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: mkdir [OPTION]... DIRECTORY...\nCreate the DIRECTORY(ies), if they do not already exist.\n", "mkdir (GNU coreutils) 9.1\n").await {
            return code;
        }
        let p = match util::parse("mkdir", &ctx.argv[1..], &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        let parents = p.has('p');
        let verbose = p.has('v');
        let mode = match p.value('m') {
            Some(m) => match fu::apply_mode(m, 0o777, true) {
                Some(v) => Some(v),
                None => {
                    ctx.complain(format!("invalid mode {}", fu::q(m))).await;
                    return 1;
                }
            },
            None => None,
        };
        if p.operands.is_empty() {
            ctx.complain(format!("missing operand\n{}", fu::try_help("mkdir")))
                .await;
            return 1;
        }
        let vfs = ctx.kernel.vfs();
        let cred = ctx.cred();
        let mut status = 0;
        for d in &p.operands {
            if d.is_empty() {
                ctx.complain("cannot create directory '': No such file or directory")
                    .await;
                status = 1;
                continue;
            }
            let abs = fu::abs(&ctx, d);
            if parents {
                // Create each missing ancestor, reporting the component that fails.
                let mut prefix = String::new();
                let comps: Vec<&str> = d.split('/').filter(|c| !c.is_empty()).collect();
                if d.starts_with('/') {
                    prefix.push('/');
                }
                let mut failed = false;
                for (i, c) in comps.iter().enumerate() {
                    if !prefix.is_empty() && !prefix.ends_with('/') {
                        prefix.push('/');
                    }
                    prefix.push_str(c);
                    let last = i + 1 == comps.len();
                    let pabs = fu::abs(&ctx, &prefix);
                    match vfs.stat(cred, &pabs, true).await {
                        Ok(st) if st.file_type == FileType::Dir => continue,
                        Ok(_) => {
                            let e = if last { Errno::EEXIST } else { Errno::ENOTDIR };
                            let shown = if last { d.as_str() } else { prefix.as_str() };
                            ctx.complain(format!(
                                "cannot create directory {}: {}",
                                fu::q(shown),
                                e.strerror()
                            ))
                            .await;
                            failed = true;
                            break;
                        }
                        Err(_) => {}
                    }
                    let perm = if last { mode.unwrap_or(0o755) } else { 0o755 };
                    match vfs.mkdir(cred, &pabs, 0o755).await {
                        Ok(()) => {
                            if perm != 0o755 {
                                let _ = set_perm(&ctx, &pabs, perm).await;
                            }
                            if verbose {
                                let _ = ctx
                                    .out(format!("mkdir: created directory {}\n", fu::q(&prefix)))
                                    .await;
                            }
                        }
                        Err(e) if fu::errno(&e) == Errno::EEXIST => {}
                        Err(e) => {
                            ctx.complain(format!(
                                "cannot create directory {}: {}",
                                fu::q(if last { d } else { &prefix }),
                                fu::strerror(&e)
                            ))
                            .await;
                            failed = true;
                            break;
                        }
                    }
                }
                if failed {
                    status = 1;
                }
                continue;
            }
            match vfs.mkdir(cred, &abs, 0o755).await {
                Ok(()) => {
                    if let Some(m) = mode {
                        if m != 0o755 {
                            let _ = set_perm(&ctx, &abs, m).await;
                        }
                    }
                    if verbose {
                        let _ = ctx
                            .out(format!("mkdir: created directory {}\n", fu::q(d)))
                            .await;
                    }
                }
                Err(e) => {
                    ctx.complain(format!(
                        "cannot create directory {}: {}",
                        fu::q(d),
                        fu::strerror(&e)
                    ))
                    .await;
                    status = 1;
                }
            }
        }
        status
    })
}

async fn set_perm(ctx: &Ctx, abs: &str, perm: u32) -> Result<(), crate::error::Error> {
    let attr = SetAttr {
        perm: Some(perm),
        ..SetAttr::default()
    };
    ctx.kernel
        .vfs()
        .set_attr(ctx.cred(), abs, true, attr, "chmod")
        .await
}
