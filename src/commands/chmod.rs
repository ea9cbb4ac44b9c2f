//! `chmod [-Rvcf] MODE[,MODE]... FILE...`: change file mode bits (octal or symbolic).

use std::future::Future;
use std::pin::Pin;

use super::cmd_fsutil as fu;
use super::{Ctx, ProgramFuture};
use crate::kernel::vfs::{FileType, SetAttr};

/// Commands in this file.
pub const NAMES: &[&str] = &["chmod"];

struct Opts {
    recursive: bool,
    verbose: bool,
    changes: bool,
    quiet: bool,
}

/// `chmod`. Modes like `-w` look like options, so arguments are scanned by hand.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: chmod [OPTION]... MODE[,MODE]... FILE...\n  or:  chmod [OPTION]... OCTAL-MODE FILE...\nChange the mode of each FILE to MODE.\n", "chmod (GNU coreutils) 9.1\n").await {
            return code;
        }
        let mut o = Opts {
            recursive: false,
            verbose: false,
            changes: false,
            quiet: false,
        };
        let mut mode: Option<String> = None;
        let mut reference: Option<String> = None;
        let mut files = Vec::new();
        let mut only = false;
        let help = fu::try_help("chmod");
        for a in &ctx.argv[1..] {
            if only {
                if mode.is_none() {
                    mode = Some(a.clone());
                } else {
                    files.push(a.clone());
                }
                continue;
            }
            if a == "--" {
                only = true;
                continue;
            }
            if let Some(l) = a.strip_prefix("--") {
                match l {
                    "recursive" => o.recursive = true,
                    "verbose" => o.verbose = true,
                    "changes" => o.changes = true,
                    "silent" | "quiet" => o.quiet = true,
                    r if r.starts_with("reference=") => {
                        reference = Some(r["reference=".len()..].to_owned());
                    }
                    _ => {
                        ctx.complain(format!("unrecognized option '{a}'\n{help}"))
                            .await;
                        return 1;
                    }
                }
                continue;
            }
            if a.len() > 1 && a.starts_with('-') && mode.is_none() {
                let rest = &a[1..];
                if rest.chars().all(|c| "Rvcf".contains(c)) {
                    for c in rest.chars() {
                        match c {
                            'R' => o.recursive = true,
                            'v' => o.verbose = true,
                            'c' => o.changes = true,
                            _ => o.quiet = true,
                        }
                    }
                    continue;
                }
                if !rest
                    .chars()
                    .all(|c| "rwxXstugoa-+=,".contains(c) || c.is_ascii_digit())
                {
                    let bad = rest
                        .chars()
                        .find(|c| !"rwxXstugoa-+=,Rvcf".contains(*c) && !c.is_ascii_digit())
                        .unwrap_or('?');
                    ctx.complain(format!("invalid option -- '{bad}'\n{help}"))
                        .await;
                    return 1;
                }
            }
            if mode.is_none() {
                mode = Some(a.clone());
            } else {
                files.push(a.clone());
            }
        }
        if let Some(r) = reference {
            // The "mode" operand is really the first file.
            if let Some(m) = mode.take() {
                files.insert(0, m);
            }
            if files.is_empty() {
                ctx.complain(format!("missing operand\n{help}")).await;
                return 1;
            }
            match fu::stat(&ctx, &r, true).await {
                Ok(st) => mode = Some(format!("{:o}", st.perm)),
                Err(e) => {
                    ctx.complain(format!(
                        "failed to get attributes of {}: {}",
                        fu::q(&r),
                        fu::strerror(&e)
                    ))
                    .await;
                    return 1;
                }
            }
        }
        let Some(mode) = mode else {
            ctx.complain(format!("missing operand\n{help}")).await;
            return 1;
        };
        if files.is_empty() {
            ctx.complain(format!("missing operand after {}\n{help}", fu::q(&mode)))
                .await;
            return 1;
        }
        if fu::apply_mode(&mode, 0o644, false).is_none() {
            ctx.complain(format!("invalid mode: {}\n{help}", fu::q(&mode)))
                .await;
            return 1;
        }
        let mut status = 0;
        for f in &files {
            if !change(&ctx, &o, &mode, f.clone(), true).await {
                status = 1;
            }
        }
        status
    })
}

fn change<'a>(
    ctx: &'a Ctx,
    o: &'a Opts,
    mode: &'a str,
    f: String,
    top: bool,
) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
    Box::pin(async move {
        let vfs = ctx.kernel.vfs();
        let cred = ctx.cred();
        if f.is_empty() {
            if !o.quiet {
                ctx.complain("cannot access '': No such file or directory")
                    .await;
            }
            return false;
        }
        let abs = ctx.abs(&f);
        let lst = match vfs.stat(cred, &abs, false).await {
            Ok(s) => s,
            Err(e) => {
                if !o.quiet {
                    ctx.complain(format!("cannot access {}: {}", fu::q(&f), fu::strerror(&e)))
                        .await;
                }
                return false;
            }
        };
        if lst.file_type == FileType::Symlink && !top {
            // Symlinks met during a recursive walk are not followed.
            return true;
        }
        let st = match vfs.stat(cred, &abs, true).await {
            Ok(s) => s,
            Err(e) => {
                if !o.quiet {
                    ctx.complain(format!("cannot operate on dangling symlink {}", fu::q(&f)))
                        .await;
                    let _ = e;
                }
                return false;
            }
        };
        let is_dir = st.file_type == FileType::Dir;
        let new = fu::apply_mode(mode, st.perm, is_dir).unwrap_or(st.perm);
        let mut ok = true;
        if new != st.perm {
            let attr = SetAttr {
                perm: Some(new),
                ..SetAttr::default()
            };
            if let Err(e) = vfs.set_attr(cred, &abs, true, attr, "chmod").await {
                if !o.quiet {
                    ctx.complain(format!(
                        "changing permissions of {}: {}",
                        fu::q(&f),
                        fu::strerror(&e)
                    ))
                    .await;
                }
                ok = false;
            } else if o.verbose || o.changes {
                let mut a = st;
                a.perm = new;
                let _ = ctx
                    .out(format!(
                        "mode of {} changed from {:04o} ({}) to {:04o} ({})\n",
                        fu::q(&f),
                        st.perm,
                        &fu::mode_string(&st)[1..],
                        new,
                        &fu::mode_string(&a)[1..]
                    ))
                    .await;
            }
        } else if o.verbose {
            let _ = ctx
                .out(format!(
                    "mode of {} retained as {:04o} ({})\n",
                    fu::q(&f),
                    st.perm,
                    &fu::mode_string(&st)[1..]
                ))
                .await;
        }
        if o.recursive && is_dir && lst.file_type == FileType::Dir {
            match vfs.read_dir(cred, &abs).await {
                Ok(entries) => {
                    for e in entries {
                        if !change(ctx, o, mode, fu::join(&f, &e.name), false).await {
                            ok = false;
                        }
                    }
                }
                Err(e) => {
                    if !o.quiet {
                        ctx.complain(format!(
                            "cannot read directory {}: {}",
                            fu::q(&f),
                            fu::strerror(&e)
                        ))
                        .await;
                    }
                    ok = false;
                }
            }
        }
        ok
    })
}
