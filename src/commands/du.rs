//! `du [-s] [-h] [-a] [-c] [-b] [-k] [-m] [--apparent-size] [-d N] [FILE]...`: estimate file
//! space usage (in 1K blocks, 4K allocation units).

use std::future::Future;
use std::pin::Pin;

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};
use crate::kernel::vfs::{FileType, Stat};
use crate::shell::pattern::Pattern;

/// Commands in this file.
pub const NAMES: &[&str] = &["du"];

const SPEC: OptSpec = OptSpec {
    flags: "shacbkmxLP0S",
    with_arg: "dB",
    long: &[
        ("summarize", false, 's'),
        ("human-readable", false, 'h'),
        ("all", false, 'a'),
        ("total", false, 'c'),
        ("bytes", false, 'b'),
        ("apparent-size", false, 'A'),
        ("max-depth", true, 'd'),
        ("one-file-system", false, 'x'),
        ("dereference", false, 'L'),
        ("null", false, '0'),
        ("block-size", true, 'B'),
        ("exclude", true, 'X'),
    ],
};

struct Opts {
    all: bool,
    human: bool,
    apparent: bool,
    unit: u64,
    max_depth: Option<usize>,
    end: char,
    exclude: Vec<Pattern>,
}

fn size_of(o: &Opts, st: &Stat) -> u64 {
    if o.apparent {
        match st.file_type {
            FileType::Dir => 4096,
            _ => st.size,
        }
    } else {
        fu::kblocks(st) * 1024
    }
}

fn show(o: &Opts, bytes: u64, name: &str) -> String {
    let v = if o.human {
        fu::human(bytes)
    } else {
        bytes.div_ceil(o.unit).to_string()
    };
    format!("{v}\t{name}{}", o.end)
}

fn walk<'a>(
    ctx: &'a Ctx,
    o: &'a Opts,
    path: String,
    depth: usize,
    out: &'a mut String,
    status: &'a mut i32,
) -> Pin<Box<dyn Future<Output = u64> + Send + 'a>> {
    Box::pin(async move {
        let abs = ctx.abs(&path);
        let vfs = ctx.kernel.vfs();
        let st = match vfs.stat(ctx.cred(), &abs, false).await {
            Ok(s) => s,
            Err(e) => {
                ctx.complain(format!(
                    "cannot access {}: {}",
                    fu::q(&path),
                    fu::strerror(&e)
                ))
                .await;
                *status = 1;
                return 0;
            }
        };
        let mut total = size_of(o, &st);
        if st.file_type == FileType::Dir {
            match vfs.read_dir(ctx.cred(), &abs).await {
                Ok(entries) => {
                    for e in entries {
                        let child = fu::join(&path, &e.name);
                        if o.exclude
                            .iter()
                            .any(|x| x.matches(&e.name, false) || x.matches(&child, false))
                        {
                            continue;
                        }
                        if e.stat.file_type == FileType::Dir {
                            total += walk(ctx, o, child, depth + 1, out, status).await;
                        } else {
                            let s = size_of(o, &e.stat);
                            total += s;
                            if o.all && o.max_depth.is_none_or(|m| depth < m) {
                                out.push_str(&show(o, s, &child));
                            }
                        }
                    }
                }
                Err(e) => {
                    ctx.complain(format!(
                        "cannot read directory {}: {}",
                        fu::q(&path),
                        fu::strerror(&e)
                    ))
                    .await;
                    *status = 1;
                }
            }
        }
        if depth == 0 || (st.file_type == FileType::Dir && o.max_depth.is_none_or(|m| depth <= m)) {
            out.push_str(&show(o, total, &path));
        }
        total
    })
}

/// `du`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: du [OPTION]... [FILE]...\nSummarize device usage of the set of FILEs, recursively for directories.\n", "du (GNU coreutils) 9.1\n").await {
            return code;
        }
        let p = match util::parse("du", &ctx.argv[1..], &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        let mut o = Opts {
            all: p.has('a'),
            human: false,
            apparent: false,
            unit: 1024,
            max_depth: None,
            end: if p.has('0') { '\0' } else { '\n' },
            exclude: p.values('X').into_iter().map(Pattern::new).collect(),
        };
        for (c, v) in &p.opts {
            match c {
                'h' => o.human = true,
                'b' => {
                    o.apparent = true;
                    o.unit = 1;
                    o.human = false;
                }
                'A' => o.apparent = true,
                'k' => o.unit = 1024,
                'm' => o.unit = 1 << 20,
                'B' => {
                    let v = v.as_deref().unwrap_or("1");
                    let (num, mult) = match v.chars().last() {
                        Some('K') => (&v[..v.len() - 1], 1024),
                        Some('M') => (&v[..v.len() - 1], 1 << 20),
                        Some('G') => (&v[..v.len() - 1], 1 << 30),
                        _ => (v, 1),
                    };
                    let n: u64 = if num.is_empty() {
                        1
                    } else {
                        num.parse().unwrap_or(0)
                    };
                    if n == 0 {
                        ctx.complain(format!("invalid --block-size argument {}", fu::q(v)))
                            .await;
                        return 1;
                    }
                    o.unit = n * mult;
                }
                'd' => {
                    let v = v.as_deref().unwrap_or("");
                    match v.parse() {
                        Ok(n) => o.max_depth = Some(n),
                        Err(_) => {
                            ctx.complain(format!("invalid maximum depth {}", fu::q(v)))
                                .await;
                            return 1;
                        }
                    }
                }
                's' => o.max_depth = Some(0),
                _ => {}
            }
        }
        if p.has('s') && p.has('a') {
            ctx.complain(format!(
                "cannot both summarize and show all entries\n{}",
                fu::try_help("du")
            ))
            .await;
            return 1;
        }
        let mut operands = p.operands.clone();
        if operands.is_empty() {
            operands.push(".".to_owned());
        }
        let mut out = String::new();
        let mut status = 0;
        let mut grand = 0;
        for f in operands {
            if f.is_empty() {
                ctx.complain("invalid zero-length file name").await;
                status = 1;
                continue;
            }
            grand += walk(&ctx, &o, f, 0, &mut out, &mut status).await;
        }
        if p.has('c') {
            out.push_str(&show(&o, grand, "total"));
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
    fn blocks_and_summaries() {
        let (code, out, _) = run("mkdir -p d/e; printf abc > d/f; printf x > d/e/g; du d; du -s d; du -a d; du -sh d; du -c d/f d/e/g");
        assert_eq!(code, 0);
        assert_eq!(
            out,
            "8\td/e\n16\td\n16\td\n4\td/e/g\n8\td/e\n4\td/f\n16\td\n16K\td\n4\td/f\n4\td/e/g\n8\ttotal\n"
        );
    }
}
