//! `realpath [-e|-m] [-s] [-z] [-q] FILE...`: print the resolved absolute file name.

use super::cmd_fsutil as fu;
use super::cmd_readlink::{canonicalize, Mode};
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["realpath"];

const SPEC: OptSpec = OptSpec {
    flags: "emLPqsz",
    with_arg: "",
    long: &[
        ("canonicalize-existing", false, 'e'),
        ("canonicalize-missing", false, 'm'),
        ("logical", false, 'L'),
        ("physical", false, 'P'),
        ("quiet", false, 'q'),
        ("strip", false, 's'),
        ("no-symlinks", false, 's'),
        ("zero", false, 'z'),
        ("relative-to", true, 'R'),
        ("relative-base", true, 'B'),
    ],
};

/// `..` and `.` removed lexically from an absolute path.
fn lexical(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            x => parts.push(x),
        }
    }
    format!("/{}", parts.join("/"))
}

/// `to` relative to the directory `base` (both canonical).
pub fn relative(to: &str, base: &str) -> String {
    let a: Vec<&str> = to.split('/').filter(|x| !x.is_empty()).collect();
    let b: Vec<&str> = base.split('/').filter(|x| !x.is_empty()).collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<&str> = vec![".."; b.len() - common];
    parts.extend(&a[common..]);
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

/// `realpath`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(
            &ctx,
            "Usage: realpath [OPTION]... FILE...\nPrint the resolved absolute file name;\n",
            "realpath (GNU coreutils) 9.1\n",
        )
        .await
        {
            return code;
        }
        let p = match util::parse("realpath", &ctx.argv[1..], &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        if p.operands.is_empty() {
            ctx.complain(format!("missing operand\n{}", fu::try_help("realpath")))
                .await;
            return 1;
        }
        let mut mode = Mode::AllButLast;
        for (c, _) in &p.opts {
            match c {
                'e' => mode = Mode::Existing,
                'm' => mode = Mode::Missing,
                _ => {}
            }
        }
        let end = if p.has('z') { "\0" } else { "\n" };
        let base = match p.value('R') {
            Some(r) => canonicalize(&ctx, r, Mode::Missing).await.ok(),
            None => None,
        };
        let mut status = 0;
        for f in &p.operands {
            let r = if f.is_empty() {
                Err(crate::kernel::errno::Errno::ENOENT)
            } else if p.has('s') {
                Ok(lexical(&ctx.abs(f)))
            } else {
                canonicalize(&ctx, f, mode).await
            };
            match r {
                Ok(t) => {
                    let t = match &base {
                        Some(b) => relative(&t, b),
                        None => t,
                    };
                    if ctx.out(format!("{t}{end}")).await.is_err() {
                        return 1;
                    }
                }
                Err(e) => {
                    status = 1;
                    if !p.has('q') {
                        ctx.complain(format!("{}: {}", util::quote(f), e.strerror()))
                            .await;
                    }
                }
            }
        }
        status
    })
}
