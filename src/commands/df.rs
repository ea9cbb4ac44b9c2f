//! `df [-h] [-k] [-T] [FILE]...`: report the VM filesystem's space usage.

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["df"];

const SPEC: OptSpec = OptSpec {
    flags: "hHkTaPil",
    with_arg: "txB",
    long: &[
        ("human-readable", false, 'h'),
        ("si", false, 'H'),
        ("print-type", false, 'T'),
        ("all", false, 'a'),
        ("portability", false, 'P'),
        ("inodes", false, 'i'),
        ("local", false, 'l'),
        ("type", true, 't'),
        ("exclude-type", true, 'x'),
        ("block-size", true, 'B'),
    ],
};

/// `df`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: df [OPTION]... [FILE]...\nShow information about the file system on which each FILE resides,\nor all file systems by default.\n", "df (GNU coreutils) 9.1\n").await {
            return code;
        }
        let p = match util::parse("df", &ctx.argv[1..], &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        let human = p.has('h') || p.has('H');
        let mut status = 0;
        let mut rows = 1usize;
        if !p.operands.is_empty() {
            rows = 0;
            for f in &p.operands {
                match fu::stat(&ctx, f, true).await {
                    Ok(_) => rows += 1,
                    Err(e) => {
                        ctx.complain(format!("{f}: {}", fu::strerror(&e))).await;
                        status = 1;
                    }
                }
            }
            if rows == 0 {
                return 1;
            }
        }
        let limit = ctx.kernel.limits().max_fs_bytes;
        let used = ctx.kernel.vfs().root().bytes_used();
        let size = if limit == 0 || limit == u64::MAX {
            (used + (1 << 30)).div_ceil(1 << 30) << 30
        } else {
            limit.max(used)
        };
        let avail = size - used;
        let pct = if size == 0 {
            "-".to_owned()
        } else {
            format!("{}%", (used * 100).div_ceil(size))
        };
        let fmt = |n: u64| {
            if human {
                fu::human(n)
            } else {
                n.div_ceil(1024).to_string()
            }
        };
        let mut header = vec!["Filesystem".to_owned()];
        if p.has('T') {
            header.push("Type".to_owned());
        }
        if human {
            header.extend(["Size", "Used", "Avail", "Use%"].map(String::from));
        } else {
            header.extend(["1K-blocks", "Used", "Available", "Use%"].map(String::from));
        }
        header.push("Mounted on".to_owned());
        let mut row = vec!["agentos".to_owned()];
        if p.has('T') {
            row.push("memfs".to_owned());
        }
        row.extend([fmt(size), fmt(used), fmt(avail), pct]);
        row.push("/".to_owned());
        let n = header.len();
        let mut widths: Vec<usize> = header
            .iter()
            .zip(&row)
            .map(|(h, r)| h.len().max(r.len()))
            .collect();
        widths[0] = widths[0].max(14);
        if human {
            let first = if p.has('T') { 2 } else { 1 };
            for w in widths.iter_mut().skip(first).take(3) {
                *w = (*w).max(5);
            }
        }
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                let w = widths[i];
                if i > 0 {
                    s.push(' ');
                }
                let left = i == 0 || i == n - 1 || (p.has('T') && i == 1);
                if i == n - 1 {
                    s.push_str(c);
                } else if left {
                    s.push_str(&format!("{c:<w$}"));
                } else {
                    s.push_str(&format!("{c:>w$}"));
                }
            }
            s.push('\n');
            s
        };
        let mut out = line(&header);
        for _ in 0..rows {
            out.push_str(&line(&row));
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
    fn shows_the_vm_filesystem() {
        let (code, out, _) = run("df; df -h /tmp");
        assert_eq!(code, 0);
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].starts_with("Filesystem     1K-blocks ")
                && lines[0].ends_with(" Available Use% Mounted on"),
            "{out}"
        );
        assert!(
            lines[1].starts_with("agentos ") && lines[1].ends_with("% /"),
            "{out}"
        );
        assert_eq!(lines[2], "Filesystem      Size  Used Avail Use% Mounted on");
        assert!(
            lines[3].starts_with("agentos ") && lines[3].ends_with(" /"),
            "{out}"
        );
    }
}
