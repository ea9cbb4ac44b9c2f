//! `tree [-a] [-d] [-L LEVEL] [-F] [--noreport] [DIR]...`: list directories as a tree.

use std::future::Future;
use std::pin::Pin;

use super::cmd_fsutil as fu;
use super::{Ctx, ProgramFuture};
use crate::kernel::vfs::FileType;
use crate::shell::pattern::Pattern;

/// Commands in this file.
pub const NAMES: &[&str] = &["tree"];

struct Opts {
    all: bool,
    dirs_only: bool,
    level: Option<usize>,
    classify: bool,
    noreport: bool,
    utf8: bool,
    dirs_first: bool,
    ignore: Vec<Pattern>,
}

#[derive(Default)]
struct Counts {
    dirs: usize,
    files: usize,
}

fn draw<'a>(
    ctx: &'a Ctx,
    o: &'a Opts,
    path: String,
    prefix: String,
    depth: usize,
    out: &'a mut String,
    counts: &'a mut Counts,
) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
    Box::pin(async move {
        if o.level.is_some_and(|l| depth >= l) {
            return;
        }
        let vfs = ctx.kernel.vfs();
        let abs = ctx.abs(&path);
        let Ok(entries) = vfs.read_dir(ctx.cred(), &abs).await else {
            return;
        };
        let mut items = Vec::new();
        for e in entries {
            if !o.all && e.name.starts_with('.') {
                continue;
            }
            if o.ignore.iter().any(|p| p.matches(&e.name, false)) {
                continue;
            }
            let child = fu::join(&path, &e.name);
            let target_dir = match e.stat.file_type {
                FileType::Dir => true,
                FileType::Symlink => vfs
                    .stat(ctx.cred(), &ctx.abs(&child), true)
                    .await
                    .is_ok_and(|s| s.file_type == FileType::Dir),
                _ => false,
            };
            if o.dirs_only && !target_dir {
                continue;
            }
            items.push((e, child, target_dir));
        }
        items.sort_by(|a, b| a.0.name.as_bytes().cmp(b.0.name.as_bytes()));
        if o.dirs_first {
            items.sort_by_key(|i| !i.2);
        }
        let n = items.len();
        for (i, (e, child, target_dir)) in items.into_iter().enumerate() {
            let last = i + 1 == n;
            let (branch, cont) = match (o.utf8, last) {
                (true, false) => ("├── ", "│   "),
                (true, true) => ("└── ", "    "),
                (false, false) => ("|-- ", "|   "),
                (false, true) => ("`-- ", "    "),
            };
            out.push_str(&prefix);
            out.push_str(branch);
            out.push_str(&e.name);
            if e.stat.file_type == FileType::Symlink {
                let t = vfs
                    .readlink(ctx.cred(), &ctx.abs(&child))
                    .await
                    .unwrap_or_default();
                out.push_str(" -> ");
                out.push_str(&t);
                if target_dir {
                    counts.dirs += 1;
                } else {
                    counts.files += 1;
                }
                out.push('\n');
                continue;
            }
            if o.classify {
                match e.stat.file_type {
                    FileType::Dir => out.push('/'),
                    FileType::File if e.stat.perm & 0o111 != 0 => out.push('*'),
                    _ => {}
                }
            }
            out.push('\n');
            if e.stat.file_type == FileType::Dir {
                counts.dirs += 1;
                draw(
                    ctx,
                    o,
                    child,
                    format!("{prefix}{cont}"),
                    depth + 1,
                    out,
                    counts,
                )
                .await;
            } else {
                counts.files += 1;
            }
        }
    })
}

/// `tree`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .find_map(|k| ctx.env.get(*k).filter(|v| !v.is_empty()).cloned())
            .unwrap_or_default();
        let lower = locale.to_ascii_lowercase();
        let mut o = Opts {
            all: false,
            dirs_only: false,
            level: None,
            classify: false,
            noreport: false,
            dirs_first: false,
            ignore: Vec::new(),
            utf8: lower.contains("utf-8") || lower.contains("utf8"),
        };
        let mut dirs = Vec::new();
        let args = &ctx.argv[1..];
        let mut i = 0;
        let mut only = false;
        while i < args.len() {
            let a = &args[i];
            i += 1;
            if only || !a.starts_with('-') || a == "-" {
                dirs.push(a.clone());
                continue;
            }
            match a.as_str() {
                "--" => only = true,
                "-a" => o.all = true,
                "-d" => o.dirs_only = true,
                "-F" => o.classify = true,
                "--noreport" => o.noreport = true,
                "--dirsfirst" => o.dirs_first = true,
                "-I" => {
                    let v = args.get(i).cloned().unwrap_or_default();
                    i += 1;
                    o.ignore.extend(v.split('|').map(Pattern::new));
                }
                "--charset=ascii" => o.utf8 = false,
                "-L" => {
                    let v = args.get(i).cloned().unwrap_or_default();
                    i += 1;
                    match v.parse::<usize>() {
                        Ok(n) if n > 0 => o.level = Some(n),
                        _ => {
                            ctx.err("tree: Invalid level, must be greater than 0.\n")
                                .await;
                            return 1;
                        }
                    }
                }
                _ => {
                    ctx.err(format!(
                        "tree: Invalid argument `{a}'.\nusage: tree [-adF] [-L level] [--noreport] [--] [directory ...]\n"
                    ))
                    .await;
                    return 1;
                }
            }
        }
        if dirs.is_empty() {
            dirs.push(".".to_owned());
        }
        let mut out = String::new();
        let mut counts = Counts::default();
        let mut status = 0;
        for d in &dirs {
            let st = if d.is_empty() {
                None
            } else {
                fu::stat(&ctx, d, true).await.ok()
            };
            match st {
                Some(st) if st.file_type == FileType::Dir => {
                    out.push_str(d);
                    out.push('\n');
                    draw(&ctx, &o, d.clone(), String::new(), 0, &mut out, &mut counts).await;
                }
                _ => {
                    out.push_str(&format!("{d} [error opening dir]\n"));
                    status = 2;
                }
            }
        }
        if !o.noreport {
            let dw = if counts.dirs == 1 {
                "directory"
            } else {
                "directories"
            };
            if o.dirs_only {
                out.push_str(&format!("\n{} {dw}\n", counts.dirs));
            } else {
                let fw = if counts.files == 1 { "file" } else { "files" };
                out.push_str(&format!("\n{} {dw}, {} {fw}\n", counts.dirs, counts.files));
            }
        }
        if ctx.out(out).await.is_err() {
            return 1;
        }
        status
    })
}

#[cfg(test)]
mod tests {

    fn run(script: &str) -> (i32, String, String) {
        crate::shell::fixtures::run_blocking(script)
    }

    #[test]
    fn ascii_tree() {
        let (code, out, _) = run("mkdir -p d/e/deep; touch d/f d/e/g d/.h; ln -s f d/l; tree d");
        assert_eq!(code, 0);
        assert_eq!(
            out,
            "d\n|-- e\n|   |-- deep\n|   `-- g\n|-- f\n`-- l -> f\n\n2 directories, 3 files\n"
        );
        let (_, out, _) = run("mkdir -p d/e/deep; touch d/.h d/e/g; tree -a -L 1 d");
        assert_eq!(out, "d\n|-- .h\n`-- e\n\n1 directory, 1 file\n");
        let (_, out, _) = run("mkdir -p d/a d/node_modules/x; touch d/0 d/b.log; tree --dirsfirst -I 'node_modules|*.log' d");
        assert_eq!(out, "d\n|-- a\n`-- 0\n\n1 directory, 1 file\n");
        let (_, out, _) = run("mkdir -p d/e; touch d/x; LC_ALL=C.UTF-8 tree d");
        assert_eq!(out, "d\n├── e\n└── x\n\n1 directory, 1 file\n");
    }
}
