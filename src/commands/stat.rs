//! `stat [-L] [-c FORMAT | --printf FORMAT] FILE...`: show file status.

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};
use crate::kernel::vfs::{FileType, Stat};

/// Commands in this file.
pub const NAMES: &[&str] = &["stat"];

const SPEC: OptSpec = OptSpec {
    flags: "Lt",
    with_arg: "c",
    long: &[
        ("dereference", false, 'L'),
        ("format", true, 'c'),
        ("printf", true, 'P'),
        ("terse", false, 't'),
    ],
};

const DEFAULT: &str = "  File: %N\n  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n\
Device: %Hd,%Ld\tInode: %-11i Links: %h\n\
Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\n\
Access: %x\nModify: %y\nChange: %z\n Birth: %w\n";

const DEFAULT_DEV: &str = "  File: %N\n  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n\
Device: %Hd,%Ld\tInode: %-11i Links: %-5h Device type: %Hr,%Lr\n\
Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\n\
Access: %x\nModify: %y\nChange: %z\n Birth: %w\n";

/// `printf`-style backslash escapes of `--printf`.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('a') => out.push('\x07'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

async fn render(ctx: &Ctx, fmt: &str, name: &str, st: &Stat, link: Option<&str>) -> String {
    let mut out = String::new();
    let chars: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let mut flags = String::new();
        while i < chars.len() && "-0#+ ".contains(chars[i]) {
            flags.push(chars[i]);
            i += 1;
        }
        let mut width = String::new();
        while i < chars.len() && chars[i].is_ascii_digit() {
            width.push(chars[i]);
            i += 1;
        }
        let mut prec: Option<usize> = None;
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            let mut p = String::new();
            while i < chars.len() && chars[i].is_ascii_digit() {
                p.push(chars[i]);
                i += 1;
            }
            prec = p.parse().ok();
        }
        let Some(&d) = chars.get(i) else {
            out.push('%');
            out.push_str(&flags);
            out.push_str(&width);
            break;
        };
        i += 1;
        let mut d = d;
        let mut hl = None;
        if (d == 'H' || d == 'L') && i < chars.len() && "dr".contains(chars[i]) {
            hl = Some(d);
            d = chars[i];
            i += 1;
        }
        let (val, numeric): (String, bool) = match d {
            '%' => {
                out.push('%');
                continue;
            }
            'n' => (name.to_owned(), false),
            'N' => match link {
                Some(t) => (format!("{} -> {}", fu::q(name), fu::q(t)), false),
                None => (fu::q(name), false),
            },
            's' => (st.size.to_string(), true),
            'a' => (format!("{:o}", st.perm), true),
            'A' => (fu::mode_string(st), false),
            'f' => (format!("{:x}", st.mode()), false),
            'F' => (fu::type_name(st).to_owned(), false),
            'U' => (fu::user_name(ctx, st.uid).await, false),
            'u' => (st.uid.to_string(), true),
            'G' => (fu::group_name(ctx, st.gid).await, false),
            'g' => (st.gid.to_string(), true),
            'h' => (st.nlink.to_string(), true),
            'i' => (st.ino.to_string(), true),
            'b' => ((fu::kblocks(st) * 2).to_string(), true),
            'B' => ("512".to_owned(), true),
            'o' => ("4096".to_owned(), true),
            'd' => match hl {
                Some('H') => ("0".to_owned(), true),
                Some(_) => ("30".to_owned(), true),
                None => ("30".to_owned(), true),
            },
            'D' => ("1e".to_owned(), false),
            'r' => {
                let (ma, mi) = if st.file_type == FileType::CharDevice {
                    fu::device_numbers(name)
                } else {
                    (0, 0)
                };
                match hl {
                    Some('H') => (ma.to_string(), true),
                    _ => (mi.to_string(), true),
                }
            }
            't' | 'T' => {
                let (ma, mi) = if st.file_type == FileType::CharDevice {
                    fu::device_numbers(name)
                } else {
                    (0, 0)
                };
                (format!("{:x}", if d == 't' { ma } else { mi }), false)
            }
            'm' => ("/".to_owned(), false),
            'x' => (fu::full_time(st.atime_ns), false),
            'y' => (fu::full_time(st.mtime_ns), false),
            'z' => (fu::full_time(st.ctime_ns), false),
            'w' => (fu::full_time(st.birthtime_ns), false),
            'X' => (st.atime_ns.div_euclid(1_000_000_000).to_string(), true),
            'Y' => (st.mtime_ns.div_euclid(1_000_000_000).to_string(), true),
            'Z' => (st.ctime_ns.div_euclid(1_000_000_000).to_string(), true),
            'W' => (st.birthtime_ns.div_euclid(1_000_000_000).to_string(), true),
            other => {
                out.push('?');
                let _ = other;
                continue;
            }
        };
        let mut val = val;
        if let Some(p) = prec {
            if !numeric {
                val = val.chars().take(p).collect();
            }
        }
        let w: usize = width.parse().unwrap_or(0);
        if flags.contains('-') {
            out.push_str(&format!("{val:<w$}"));
        } else if flags.contains('0') && numeric {
            out.push_str(&format!("{val:0>w$}"));
        } else {
            out.push_str(&format!("{val:>w$}"));
        }
    }
    out
}

/// `stat`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(
            &ctx,
            "Usage: stat [OPTION]... FILE...\nDisplay file or file system status.\n",
            "stat (GNU coreutils) 9.1\n",
        )
        .await
        {
            return code;
        }
        let p = match util::parse("stat", &ctx.argv[1..], &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 1;
            }
        };
        if p.operands.is_empty() {
            ctx.complain(format!("missing operand\n{}", fu::try_help("stat")))
                .await;
            return 1;
        }
        let follow = p.has('L');
        let mut fmt: Option<String> = if p.has('t') {
            Some("%n %s %b %f %u %g %D %i %h %t %T %X %Y %Z %W %o\n".to_owned())
        } else {
            None
        };
        for (c, v) in &p.opts {
            match (c, v) {
                ('c', Some(f)) => fmt = Some(format!("{f}\n")),
                ('P', Some(f)) => fmt = Some(unescape(f)),
                _ => {}
            }
        }
        let mut status = 0;
        for f in &p.operands {
            if f.is_empty() {
                ctx.complain("cannot statx '': No such file or directory")
                    .await;
                status = 1;
                continue;
            }
            let abs = ctx.abs(f);
            let st = match ctx.kernel.vfs().stat(ctx.cred(), &abs, follow).await {
                Ok(st) => st,
                Err(e) => {
                    ctx.complain(format!("cannot statx {}: {}", fu::q(f), fu::strerror(&e)))
                        .await;
                    status = 1;
                    continue;
                }
            };
            let link = if st.file_type == FileType::Symlink {
                ctx.kernel.vfs().readlink(ctx.cred(), &abs).await.ok()
            } else {
                None
            };
            let text = match &fmt {
                Some(fm) => render(&ctx, fm, f, &st, link.as_deref()).await,
                None => {
                    let tpl = if st.file_type == FileType::CharDevice {
                        DEFAULT_DEV
                    } else {
                        DEFAULT
                    };
                    let mut t = render(&ctx, tpl, f, &st, link.as_deref()).await;
                    // The default format shows the name unquoted when it needs no quoting.
                    let plain = format!("  File: {}\n", fu::q(f));
                    if link.is_none() && t.starts_with(&plain) && util::quote(f) == *f {
                        t = format!("  File: {f}\n{}", &t[plain.len()..]);
                    } else if let Some(l) = &link {
                        let quoted = format!("  File: {} -> {}\n", fu::q(f), fu::q(l));
                        if t.starts_with(&quoted) && util::quote(f) == *f && util::quote(l) == *l {
                            t = format!("  File: {f} -> {l}\n{}", &t[quoted.len()..]);
                        }
                    }
                    t
                }
            };
            if ctx.out(text).await.is_err() {
                return 1;
            }
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
    fn default_format() {
        let (code, out, err) = run("printf abc > f; ln -s f l; stat f l");
        assert_eq!((code, err.as_str()), (0, ""));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "  File: f");
        assert!(
            lines[1].starts_with(
                "  Size: 3         \tBlocks: 8          IO Block: 4096   regular file"
            ),
            "{out}"
        );
        assert!(
            lines[2].contains("Inode: ") && lines[2].ends_with("Links: 1"),
            "{out}"
        );
        assert_eq!(
            lines[3],
            "Access: (0644/-rw-r--r--)  Uid: ( 1000/    user)   Gid: ( 1000/    user)"
        );
        assert!(
            lines[4].starts_with("Access: 20") && lines[4].ends_with(" +0000"),
            "{out}"
        );
        assert!(lines[7].starts_with(" Birth: "), "{out}");
        assert_eq!(lines[8], "  File: l -> f");
        assert!(lines[9].ends_with("symbolic link"), "{out}");
        let (_, out, _) = run("stat -c '%U %G %a' /etc/passwd");
        assert_eq!(out, "root root 644\n");
    }
}
