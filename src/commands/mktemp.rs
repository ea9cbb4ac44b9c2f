//! `mktemp [-d] [-u] [-q] [-p DIR | -t] [--suffix=SUFF] [TEMPLATE]`: create a unique
//! temporary file or directory and print its name.

use bytes::Bytes;

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};
use crate::kernel::errno::Errno;
use crate::kernel::vfs::{WriteOpts, WritePos};

/// Commands in this file.
pub const NAMES: &[&str] = &["mktemp"];

const SPEC: OptSpec = OptSpec {
    flags: "duqt",
    with_arg: "p",
    long: &[
        ("directory", false, 'd'),
        ("dry-run", false, 'u'),
        ("quiet", false, 'q'),
        ("suffix", true, 's'),
        ("tmpdir", true, 'p'),
    ],
};

const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    if getrandom::fill(&mut b).is_err() {
        return fu::now_ns() as u64 ^ 0x9e37_79b9_7f4a_7c15;
    }
    u64::from_le_bytes(b)
}

/// `mktemp`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: mktemp [OPTION]... [TEMPLATE]\nCreate a temporary file or directory, safely, and print its name.\n", "mktemp (GNU coreutils) 9.1\n").await {
            return code;
        }
        // `--tmpdir` takes an optional argument: rewrite the bare form.
        let args: Vec<String> = ctx.argv[1..]
            .iter()
            .map(|a| {
                if a == "--tmpdir" {
                    "--tmpdir=\u{1}".to_owned()
                } else {
                    a.clone()
                }
            })
            .collect();
        let p = match util::parse("mktemp", &args, &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        let quiet = p.has('q');
        let help = fu::try_help("mktemp");
        if p.operands.len() > 1 {
            ctx.complain(format!("too many templates\n{help}")).await;
            return 1;
        }
        let tmpdir = ctx
            .env
            .get("TMPDIR")
            .filter(|t| !t.is_empty())
            .cloned()
            .unwrap_or_else(|| "/tmp".to_owned());
        let explicit = p.operands.first().cloned();
        let mut template = explicit
            .clone()
            .unwrap_or_else(|| "tmp.XXXXXXXXXX".to_owned());
        let dir = match p.value('p') {
            Some("\u{1}") | Some("") => Some(tmpdir.clone()),
            Some(d) => Some(d.to_owned()),
            None if p.has('t') || explicit.is_none() => Some(tmpdir.clone()),
            None => None,
        };
        let suffix = p.value('s').unwrap_or("").to_owned();
        if let Some(s) = p.value('s') {
            if s.contains('/') {
                ctx.complain(format!(
                    "invalid suffix {}, contains directory separator",
                    fu::q(s)
                ))
                .await;
                return 1;
            }
        }
        // Trailing X's before the suffix.
        let xs = template.len() - template.trim_end_matches('X').len();
        if xs < 3 {
            if !quiet {
                ctx.complain(format!("too few X's in template {}", fu::q(&template)))
                    .await;
            }
            return 1;
        }
        if dir.is_some() && template.contains('/') && explicit.is_some() {
            ctx.complain(format!(
                "invalid template, {}, contains directory separator",
                fu::q(&template)
            ))
            .await;
            return 1;
        }
        if let Some(d) = &dir {
            template = fu::join(d, &template);
        }
        let stem = &template[..template.len() - xs];
        let vfs = ctx.kernel.vfs();
        let cred = ctx.cred();
        for _ in 0..100 {
            let mut r = random_u64();
            let mut name = String::from(stem);
            for _ in 0..xs {
                name.push(CHARS[(r % CHARS.len() as u64) as usize] as char);
                r /= CHARS.len() as u64;
                if r == 0 {
                    r = random_u64();
                }
            }
            name.push_str(&suffix);
            let abs = ctx.abs(&name);
            let res = if p.has('u') {
                if vfs.stat(cred, &abs, false).await.is_ok() {
                    continue;
                }
                Ok(())
            } else if p.has('d') {
                vfs.mkdir(cred, &abs, 0o700).await
            } else {
                let opts = WriteOpts {
                    pos: WritePos::Truncate,
                    create: Some(0o600),
                    exclusive: true,
                };
                vfs.write(cred, &abs, Bytes::new(), opts).await.map(|_| ())
            };
            match res {
                Ok(()) => {
                    return i32::from(ctx.out(format!("{name}\n")).await.is_err());
                }
                Err(e) if fu::errno(&e) == Errno::EEXIST => continue,
                Err(e) => {
                    if !quiet {
                        let what = if p.has('d') { "directory" } else { "file" };
                        ctx.complain(format!(
                            "failed to create {what} via template {}: {}",
                            fu::q(&format!("{template}{suffix}")),
                            fu::strerror(&e)
                        ))
                        .await;
                    }
                    return 1;
                }
            }
        }
        if !quiet {
            ctx.complain(format!(
                "failed to create file via template {}: File exists",
                fu::q(&template)
            ))
            .await;
        }
        1
    })
}
