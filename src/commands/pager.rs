//! `less` and `more`. The VM has no terminal, so they behave as when standard output is not
//! a tty: they copy their files (or standard input) to standard output, as `less` and
//! util-linux `more` do.

use super::cmd_textio::{self as textio};
use super::{Ctx, ProgramFuture};
use crate::kernel::errno::Errno;

/// Commands in this file.
pub const NAMES: &[&str] = &["less", "more"];

/// `more` options (util-linux) that take no argument.
const MORE_FLAGS: &str = "dflcpsue";

/// `less` and `more`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let is_more = ctx.name() == "more";
        let mut files = Vec::new();
        let mut only_files = false;
        let args = ctx.argv[1..].to_vec();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            i += 1;
            if only_files || a == "-" || !a.starts_with('-') && !a.starts_with('+') {
                files.push(a.clone());
                continue;
            }
            if a == "--" {
                only_files = true;
                continue;
            }
            if a.starts_with('+') {
                continue;
            }
            if is_more {
                if a == "-n" || a == "--lines" {
                    i += 1;
                    continue;
                }
                let body = &a[1..];
                if let Some(long) = body.strip_prefix('-') {
                    let known = [
                        "silent",
                        "logical",
                        "no-pause",
                        "print-over",
                        "clean-print",
                        "squeeze",
                        "plain",
                        "lines",
                        "exit-on-eof",
                        "help",
                        "version",
                    ];
                    if !known
                        .iter()
                        .any(|k| k.starts_with(long.split('=').next().unwrap_or(long)))
                    {
                        return textio::usage(&ctx, &format!("unrecognized option '{a}'"), 1).await;
                    }
                    continue;
                }
                if body.bytes().all(|b| b.is_ascii_digit()) {
                    continue;
                }
                if let Some(c) = body.chars().find(|c| !MORE_FLAGS.contains(*c) && *c != 'n') {
                    return textio::usage(&ctx, &format!("invalid option -- '{c}'"), 1).await;
                }
                if body.ends_with('n') && body.len() == 1 {
                    i += 1;
                }
                continue;
            }
            // `less` options that take a value as the next word.
            if matches!(
                a.as_str(),
                "-b" | "-h"
                    | "-j"
                    | "-k"
                    | "-o"
                    | "-O"
                    | "-p"
                    | "-P"
                    | "-t"
                    | "-T"
                    | "-x"
                    | "-y"
                    | "-z"
                    | "-#"
            ) {
                i += 1;
            }
        }
        if files.is_empty() {
            files.push("-".to_owned());
        }
        if !is_more {
            // `less` shows a file named twice once.
            let mut seen = Vec::new();
            files.retain(|f| {
                let new = !seen.contains(f);
                seen.push(f.clone());
                new
            });
        }
        let multi = files.len() > 1;
        for f in &files {
            let stat = if f == "-" {
                None
            } else {
                ctx.kernel
                    .vfs()
                    .stat(ctx.cred(), &ctx.abs(f), true)
                    .await
                    .ok()
            };
            if stat
                .as_ref()
                .is_some_and(|s| s.file_type == crate::kernel::vfs::FileType::Dir)
            {
                let msg = if is_more {
                    format!("\n*** {f}: directory ***\n\n")
                } else {
                    format!("{f} is a directory\n")
                };
                if ctx.out(msg).await.is_err() {
                    return 1;
                }
                continue;
            }
            let data = match textio::read_input(&ctx, f).await {
                Ok(d) => d,
                Err(e) => {
                    if is_more {
                        ctx.complain(format!("cannot open {f}: {}", e.strerror()))
                            .await;
                    } else if ctx.out(format!("{f}: {}\n", e.strerror())).await.is_err() {
                        return 1;
                    }
                    continue;
                }
            };
            if is_more && multi {
                let h = format!("::::::::::::::\n{f}\n::::::::::::::\n");
                if ctx.out(h).await.is_err() {
                    return 1;
                }
            }
            if let Err(e) = ctx.out(data).await {
                if e == Errno::EPIPE {
                    return 1;
                }
                return textio::write_error(&ctx, e).await;
            }
        }
        0
    })
}
