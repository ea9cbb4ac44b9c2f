//! `readlink [-f|-e|-m] [-n] [-z] [-v] FILE...`: print symlink targets or canonical names.

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};
use crate::kernel::errno::Errno;
use crate::kernel::vfs::FileType;

/// Commands in this file.
pub const NAMES: &[&str] = &["readlink"];

const SPEC: OptSpec = OptSpec {
    flags: "femnqsvz",
    with_arg: "",
    long: &[
        ("canonicalize", false, 'f'),
        ("canonicalize-existing", false, 'e'),
        ("canonicalize-missing", false, 'm'),
        ("no-newline", false, 'n'),
        ("quiet", false, 'q'),
        ("silent", false, 's'),
        ("verbose", false, 'v'),
        ("zero", false, 'z'),
    ],
};

/// How strictly a path must exist when canonicalized.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every component but the last must exist (`-f`).
    AllButLast,
    /// Every component must exist (`-e`).
    Existing,
    /// Nothing need exist (`-m`).
    Missing,
}

/// Canonicalize `p` (relative to `cwd`): symlinks resolved, `.`/`..` removed.
pub async fn canonicalize(ctx: &Ctx, p: &str, mode: Mode) -> Result<String, Errno> {
    if p.is_empty() {
        return Err(Errno::ENOENT);
    }
    let vfs = ctx.kernel.vfs();
    let cred = ctx.cred();
    let abs = ctx.abs(p);
    if let Ok(r) = vfs.realpath(cred, &abs).await {
        return Ok(r);
    }
    // Walk component by component.
    let mut pending: Vec<String> = abs
        .split('/')
        .filter(|c| !c.is_empty())
        .rev()
        .map(str::to_owned)
        .collect();
    let mut cur = String::from("/");
    let mut links = 0;
    let mut missing = false;
    while let Some(c) = pending.pop() {
        if c == "." {
            continue;
        }
        if c == ".." {
            cur = fu::dir_name(&cur).to_owned();
            continue;
        }
        let next = fu::join(&cur, &c);
        if missing {
            if mode != Mode::Missing {
                return Err(Errno::ENOENT);
            }
            cur = next;
            continue;
        }
        match vfs.stat(cred, &next, false).await {
            Ok(st) if st.file_type == FileType::Symlink => {
                links += 1;
                if links > 40 {
                    return Err(Errno::ELOOP);
                }
                let t = vfs.readlink(cred, &next).await.map_err(|e| fu::errno(&e))?;
                if t.starts_with('/') {
                    cur = "/".to_owned();
                }
                for part in t.split('/').filter(|x| !x.is_empty()).rev() {
                    pending.push(part.to_owned());
                }
            }
            Ok(st) => {
                if st.file_type != FileType::Dir && !pending.is_empty() && mode != Mode::Missing {
                    return Err(Errno::ENOTDIR);
                }
                cur = next;
            }
            Err(e) => {
                let en = fu::errno(&e);
                if en != Errno::ENOENT {
                    return Err(en);
                }
                if mode == Mode::Existing || (mode == Mode::AllButLast && !pending.is_empty()) {
                    return Err(Errno::ENOENT);
                }
                missing = true;
                cur = next;
            }
        }
    }
    Ok(cur)
}

/// `readlink`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: readlink [OPTION]... FILE...\nPrint value of a symbolic link or canonical file name\n", "readlink (GNU coreutils) 9.1\n").await {
            return code;
        }
        let p = match util::parse("readlink", &ctx.argv[1..], &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        if p.operands.is_empty() {
            ctx.complain(format!("missing operand\n{}", fu::try_help("readlink")))
                .await;
            return 1;
        }
        let mut mode = None;
        let mut verbose = false;
        for (c, _) in &p.opts {
            match c {
                'f' => mode = Some(Mode::AllButLast),
                'e' => mode = Some(Mode::Existing),
                'm' => mode = Some(Mode::Missing),
                'v' => verbose = true,
                'q' | 's' => verbose = false,
                _ => {}
            }
        }
        let end = if p.has('z') {
            "\0"
        } else if p.has('n') && p.operands.len() == 1 {
            ""
        } else {
            "\n"
        };
        let mut status = 0;
        let mut out = String::new();
        for f in &p.operands {
            let r = match mode {
                _ if f.is_empty() => Err(Errno::ENOENT),
                Some(m) => canonicalize(&ctx, f, m).await,
                None => ctx
                    .kernel
                    .vfs()
                    .readlink(ctx.cred(), &ctx.abs(f))
                    .await
                    .map_err(|e| fu::errno(&e)),
            };
            match r {
                Ok(t) => {
                    out.push_str(&t);
                    out.push_str(end);
                }
                Err(e) => {
                    status = 1;
                    if verbose {
                        let _ = ctx.out(std::mem::take(&mut out)).await;
                        ctx.complain(format!("{}: {}", util::quote(f), e.strerror()))
                            .await;
                    }
                }
            }
        }
        let _ = ctx.out(out).await;
        status
    })
}
