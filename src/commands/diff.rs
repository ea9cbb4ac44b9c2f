//! `diff [-u | -U N] [-q] [-s] [-i] [-b] [-w] [-B] [-r] [--label L] FILE1 FILE2`: compare files
//! line by line (normal and unified formats; exit 0 same, 1 different, 2 trouble).

use chrono::DateTime;
use similar::{capture_diff_slices, Algorithm, DiffOp};

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use super::{Ctx, ProgramFuture};
use crate::kernel::vfs::FileType;

/// Commands in this file.
pub const NAMES: &[&str] = &["diff"];

const SPEC: OptSpec = OptSpec {
    flags: "uqsibwBraNTtZc",
    with_arg: "UxLC",
    long: &[
        ("unified", false, 'u'),
        ("brief", false, 'q'),
        ("report-identical-files", false, 's'),
        ("ignore-case", false, 'i'),
        ("ignore-space-change", false, 'b'),
        ("ignore-all-space", false, 'w'),
        ("ignore-blank-lines", false, 'B'),
        ("recursive", false, 'r'),
        ("text", false, 'a'),
        ("new-file", false, 'N'),
        ("label", true, 'L'),
        ("exclude", true, 'x'),
        ("initial-tab", false, 'T'),
        ("expand-tabs", false, 't'),
        ("color", false, 'C'),
        ("ignore-trailing-space", false, 'Z'),
        ("context", false, 'c'),
    ],
};

/// How lines are compared.
#[derive(Clone, Copy)]
struct Opts {
    icase: bool,
    space_change: bool,
    all_space: bool,
    trailing: bool,
    context: Option<usize>,
    /// `-c`: the context format instead of the unified one.
    copied: bool,
    brief: bool,
    same: bool,
    recursive: bool,
    new_file: bool,
    text: bool,
}

fn norm(line: &[u8], o: &Opts) -> Vec<u8> {
    let mut v: Vec<u8> = Vec::with_capacity(line.len());
    let mut body = line.strip_suffix(b"\n").unwrap_or(line);
    if o.trailing {
        while let Some(rest) = body.strip_suffix(b" ").or_else(|| body.strip_suffix(b"\t")) {
            body = rest;
        }
    }
    let mut in_space = false;
    for &c in body {
        let c = if o.icase { c.to_ascii_lowercase() } else { c };
        if c == b' ' || c == b'\t' {
            if o.all_space {
                continue;
            }
            if o.space_change {
                in_space = true;
                continue;
            }
        }
        if in_space {
            v.push(b' ');
            in_space = false;
        }
        v.push(c);
    }
    if in_space && !o.space_change {
        v.push(b' ');
    }
    if line.ends_with(b"\n") || o.all_space || o.space_change || o.trailing {
        v.push(b'\n');
    }
    v
}

/// A changed region: old lines `a0..a1` become new lines `b0..b1`.
#[derive(Clone, Copy, Debug)]
struct Change {
    a0: usize,
    a1: usize,
    b0: usize,
    b1: usize,
}

fn changes(a: &[&[u8]], b: &[&[u8]], o: &Opts) -> Vec<Change> {
    let ka: Vec<Vec<u8>> = a.iter().map(|l| norm(l, o)).collect();
    let kb: Vec<Vec<u8>> = b.iter().map(|l| norm(l, o)).collect();
    let ops = capture_diff_slices(Algorithm::Myers, &ka, &kb);
    let mut out: Vec<Change> = Vec::new();
    let mut cur: Option<Change> = None;
    for op in ops {
        let (tag, or, nr) = op.as_tag_tuple();
        if matches!(op, DiffOp::Equal { .. }) {
            if let Some(c) = cur.take() {
                out.push(c);
            }
            continue;
        }
        let _ = tag;
        match &mut cur {
            Some(c) => {
                c.a1 = or.end.max(c.a1);
                c.b1 = nr.end.max(c.b1);
            }
            None => {
                cur = Some(Change {
                    a0: or.start,
                    a1: or.end,
                    b0: nr.start,
                    b1: nr.end,
                })
            }
        }
    }
    if let Some(c) = cur {
        out.push(c);
    }
    out
}

fn range(s: usize, e: usize) -> String {
    // 1-based inclusive; a single line is just its number.
    if e == s + 1 {
        format!("{}", s + 1)
    } else if e == s {
        format!("{s}")
    } else {
        format!("{},{}", s + 1, e)
    }
}

fn push_line(out: &mut Vec<u8>, prefix: &[u8], line: &[u8]) {
    out.extend_from_slice(prefix);
    out.extend_from_slice(line);
    if !line.ends_with(b"\n") {
        out.extend_from_slice(b"\n\\ No newline at end of file\n");
    }
}

fn normal(a: &[&[u8]], b: &[&[u8]], ch: &[Change]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in ch {
        let head = if c.a0 == c.a1 {
            format!("{}a{}\n", c.a0, range(c.b0, c.b1))
        } else if c.b0 == c.b1 {
            format!("{}d{}\n", range(c.a0, c.a1), c.b0)
        } else {
            format!("{}c{}\n", range(c.a0, c.a1), range(c.b0, c.b1))
        };
        out.extend_from_slice(head.as_bytes());
        for l in &a[c.a0..c.a1] {
            push_line(&mut out, b"< ", l);
        }
        if c.a0 != c.a1 && c.b0 != c.b1 {
            out.extend_from_slice(b"---\n");
        }
        for l in &b[c.b0..c.b1] {
            push_line(&mut out, b"> ", l);
        }
    }
    out
}

fn urange(s: usize, len: usize) -> String {
    match len {
        0 => format!("{s},0"),
        1 => format!("{}", s + 1),
        _ => format!("{},{}", s + 1, len),
    }
}

fn unified(a: &[&[u8]], b: &[&[u8]], ch: &[Change], n: usize, h1: &str, h2: &str) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(format!("--- {h1}\n+++ {h2}\n").as_bytes());
    let mut i = 0;
    while i < ch.len() {
        let mut j = i;
        while j + 1 < ch.len() && ch[j + 1].a0 - ch[j].a1 <= 2 * n {
            j += 1;
        }
        let first = ch[i];
        let last = ch[j];
        let pre = n.min(first.a0);
        let a_start = first.a0 - pre;
        let b_start = first.b0 - pre;
        let post = n.min(a.len() - last.a1).min(b.len() - last.b1);
        let a_end = last.a1 + post;
        let b_end = last.b1 + post;
        out.extend_from_slice(
            format!(
                "@@ -{} +{} @@\n",
                urange(a_start, a_end - a_start),
                urange(b_start, b_end - b_start)
            )
            .as_bytes(),
        );
        let mut pos = a_start;
        for c in &ch[i..=j] {
            for l in &a[pos..c.a0] {
                push_line(&mut out, b" ", l);
            }
            for l in &a[c.a0..c.a1] {
                push_line(&mut out, b"-", l);
            }
            for l in &b[c.b0..c.b1] {
                push_line(&mut out, b"+", l);
            }
            pos = c.a1;
        }
        for l in &a[pos..a_end] {
            push_line(&mut out, b" ", l);
        }
        i = j + 1;
    }
    out
}

/// Lines `s..e` as a context-format range (`s+1,e`, or the one number).
fn crange(s: usize, e: usize) -> String {
    if e <= s + 1 {
        format!("{}", if e == s { s } else { e })
    } else {
        format!("{},{}", s + 1, e)
    }
}

/// The `-c` (context) format.
fn context_format(
    a: &[&[u8]],
    b: &[&[u8]],
    ch: &[Change],
    n: usize,
    h1: &str,
    h2: &str,
) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(format!("*** {h1}\n--- {h2}\n").as_bytes());
    let mut i = 0;
    while i < ch.len() {
        let mut j = i;
        while j + 1 < ch.len() && ch[j + 1].a0 - ch[j].a1 <= 2 * n {
            j += 1;
        }
        let group = &ch[i..=j];
        let (first, last) = (ch[i], ch[j]);
        let pre = n.min(first.a0);
        let (a_start, b_start) = (first.a0 - pre, first.b0 - pre);
        let post = n.min(a.len() - last.a1).min(b.len() - last.b1);
        let (a_end, b_end) = (last.a1 + post, last.b1 + post);
        out.extend_from_slice(b"***************\n");
        out.extend_from_slice(format!("*** {} ****\n", crange(a_start, a_end)).as_bytes());
        if group.iter().any(|c| c.a1 > c.a0) {
            let mut pos = a_start;
            for c in group {
                for l in &a[pos..c.a0] {
                    push_line(&mut out, b"  ", l);
                }
                let mark: &[u8] = if c.b1 > c.b0 { b"! " } else { b"- " };
                for l in &a[c.a0..c.a1] {
                    push_line(&mut out, mark, l);
                }
                pos = c.a1;
            }
            for l in &a[pos..a_end] {
                push_line(&mut out, b"  ", l);
            }
        }
        out.extend_from_slice(format!("--- {} ----\n", crange(b_start, b_end)).as_bytes());
        if group.iter().any(|c| c.b1 > c.b0) {
            let mut pos = b_start;
            for c in group {
                for l in &b[pos..c.b0] {
                    push_line(&mut out, b"  ", l);
                }
                let mark: &[u8] = if c.a1 > c.a0 { b"! " } else { b"+ " };
                for l in &b[c.b0..c.b1] {
                    push_line(&mut out, mark, l);
                }
                pos = c.b1;
            }
            for l in &b[pos..b_end] {
                push_line(&mut out, b"  ", l);
            }
        }
        i = j + 1;
    }
    out
}

/// A file time as `-c` headers show it.
fn ctime(ns: i64) -> String {
    let dt = DateTime::from_timestamp(ns.div_euclid(1_000_000_000), 0);
    dt.map_or_else(String::new, |t| {
        t.format("%a %b %e %H:%M:%S %Y").to_string()
    })
}

fn stamp(ns: i64) -> String {
    let dt = DateTime::from_timestamp(
        ns.div_euclid(1_000_000_000),
        u32::try_from(ns.rem_euclid(1_000_000_000)).unwrap_or(0),
    );
    match dt {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S%.9f +0000").to_string(),
        None => "1970-01-01 00:00:00.000000000 +0000".to_owned(),
    }
}

/// Compare two files; returns the status (0, 1, 2).
async fn diff_files(
    ctx: &Ctx,
    n1: &str,
    n2: &str,
    o: &Opts,
    labels: &[String],
    out: &mut Vec<u8>,
) -> i32 {
    let mut datas = Vec::new();
    let mut stamps = Vec::new();
    for n in [n1, n2] {
        let missing_ok = o.new_file;
        match textio::read_input(ctx, n).await {
            Ok(d) => datas.push(d),
            Err(e) if missing_ok && e == crate::kernel::errno::Errno::ENOENT => {
                datas.push(Vec::new())
            }
            Err(e) => {
                ctx.complain(format!("{n}: {}", e.strerror())).await;
                return 2;
            }
        }
        let ns = if n == "-" {
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
        } else {
            ctx.kernel
                .vfs()
                .stat(ctx.cred(), &ctx.abs(n), true)
                .await
                .map_or(0, |s| s.mtime_ns)
        };
        stamps.push(ns);
    }
    let (da, db) = (&datas[0], &datas[1]);
    if da == db {
        if o.same {
            out.extend_from_slice(format!("Files {n1} and {n2} are identical\n").as_bytes());
        }
        return 0;
    }
    if !o.text && (da.contains(&0) || db.contains(&0)) {
        out.extend_from_slice(format!("Binary files {n1} and {n2} differ\n").as_bytes());
        return 1;
    }
    let a = textio::lines(da, b'\n');
    let b = textio::lines(db, b'\n');
    let ch = changes(&a, &b, o);
    if ch.is_empty() {
        if o.same {
            out.extend_from_slice(format!("Files {n1} and {n2} are identical\n").as_bytes());
        }
        return 0;
    }
    if o.brief {
        out.extend_from_slice(format!("Files {n1} and {n2} differ\n").as_bytes());
        return 1;
    }
    match o.context {
        Some(n) => {
            let h1 = labels
                .first()
                .cloned()
                .unwrap_or_else(|| format!("{n1}\t{}", stamp(stamps[0])));
            let h2 = labels
                .get(1)
                .cloned()
                .unwrap_or_else(|| format!("{n2}\t{}", stamp(stamps[1])));
            if o.copied {
                let h1 = labels
                    .first()
                    .cloned()
                    .unwrap_or_else(|| format!("{n1}\t{}", ctime(stamps[0])));
                let h2 = labels
                    .get(1)
                    .cloned()
                    .unwrap_or_else(|| format!("{n2}\t{}", ctime(stamps[1])));
                out.extend_from_slice(&context_format(&a, &b, &ch, n, &h1, &h2));
            } else {
                out.extend_from_slice(&unified(&a, &b, &ch, n, &h1, &h2));
            }
        }
        None => out.extend_from_slice(&normal(&a, &b, &ch)),
    }
    1
}

/// Compare two directories recursively (`-r`) or their immediate files.
fn diff_dirs<'a>(
    ctx: &'a Ctx,
    d1: &'a str,
    d2: &'a str,
    o: &'a Opts,
    out: &'a mut Vec<u8>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = i32> + Send + 'a>> {
    Box::pin(async move {
        let vfs = ctx.kernel.vfs();
        let list = |d: &str| {
            let p = ctx.abs(d);
            async move {
                let mut v: Vec<String> = vfs
                    .read_dir(ctx.cred(), &p)
                    .await
                    .map(|es| es.into_iter().map(|e| e.name.to_string()).collect())
                    .unwrap_or_default();
                v.sort();
                v
            }
        };
        let l1 = list(d1).await;
        let l2 = list(d2).await;
        let mut all: Vec<String> = l1.iter().chain(l2.iter()).cloned().collect();
        all.sort();
        all.dedup();
        let mut status = 0;
        for name in all {
            let p1 = format!("{d1}/{name}");
            let p2 = format!("{d2}/{name}");
            let in1 = l1.contains(&name);
            let in2 = l2.contains(&name);
            if !in1 || !in2 {
                let d = if in1 { d1 } else { d2 };
                out.extend_from_slice(format!("Only in {d}: {name}\n").as_bytes());
                status = status.max(1);
                continue;
            }
            let t1 = vfs
                .stat(ctx.cred(), &ctx.abs(&p1), true)
                .await
                .map(|s| s.file_type);
            let t2 = vfs
                .stat(ctx.cred(), &ctx.abs(&p2), true)
                .await
                .map(|s| s.file_type);
            match (t1, t2) {
                (Ok(FileType::Dir), Ok(FileType::Dir)) => {
                    if o.recursive {
                        status = status.max(diff_dirs(ctx, &p1, &p2, o, out).await);
                    } else {
                        out.extend_from_slice(
                            format!("Common subdirectories: {p1} and {p2}\n").as_bytes(),
                        );
                    }
                }
                (Ok(FileType::Dir), Ok(_)) => {
                    out.extend_from_slice(
                        format!("File {p1} is a directory while file {p2} is a regular file\n")
                            .as_bytes(),
                    );
                    status = status.max(1);
                }
                (Ok(_), Ok(FileType::Dir)) => {
                    out.extend_from_slice(
                        format!("File {p1} is a regular file while file {p2} is a directory\n")
                            .as_bytes(),
                    );
                    status = status.max(1);
                }
                _ => {
                    let before = out.len();
                    let mut sub = Vec::new();
                    let s = diff_files(ctx, &p1, &p2, o, &[], &mut sub).await;
                    if s == 1 && !o.brief {
                        let mut args = String::from("diff");
                        if o.context.is_some() {
                            args.push_str(&format!(" -U{}", o.context.unwrap_or(3)));
                        }
                        if o.recursive {
                            args.push_str(" -r");
                        }
                        out.extend_from_slice(format!("{args} {p1} {p2}\n").as_bytes());
                    }
                    let _ = before;
                    out.extend_from_slice(&sub);
                    status = status.max(s);
                }
            }
        }
        status
    })
}

/// `diff`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let name = ctx.name().to_owned();
        // `--color[=WHEN]` is accepted and ignored (the output is never a terminal).
        let args: Vec<String> = ctx.argv[1..]
            .iter()
            .filter(|a| !(a.as_str() == "--color" || a.starts_with("--color=")))
            .cloned()
            .collect();
        let p = match super::util::parse(&name, &args, &SPEC, false) {
            Ok(p) => p,
            Err(m) => {
                let m = m.replace("\nTry ", "\ndiff: Try ");
                ctx.complain(m).await;
                return 2;
            }
        };
        let mut context = None;
        let mut copied = false;
        for (c, v) in &p.opts {
            match c {
                'u' => {
                    context = Some(3);
                    copied = false;
                }
                'c' => {
                    context = Some(3);
                    copied = true;
                }
                'C' => match v.as_deref().unwrap_or("").parse::<usize>() {
                    Ok(n) => {
                        context = Some(n);
                        copied = true;
                    }
                    Err(_) => {
                        ctx.complain(format!("invalid context length '{}'\ndiff: Try 'diff --help' for more information.", v.as_deref().unwrap_or(""))).await;
                        return 2;
                    }
                },
                'U' => match v.as_deref().unwrap_or("").parse::<usize>() {
                    Ok(n) => {
                        context = Some(n);
                        copied = false;
                    }
                    Err(_) => {
                        ctx.complain(format!("invalid context length '{}'\ndiff: Try 'diff --help' for more information.", v.as_deref().unwrap_or(""))).await;
                        return 2;
                    }
                },
                _ => {}
            }
        }
        let o = Opts {
            icase: p.has('i'),
            space_change: p.has('b'),
            all_space: p.has('w'),
            trailing: p.has('Z'),
            context,
            copied,
            brief: p.has('q'),
            same: p.has('s'),
            recursive: p.has('r'),
            new_file: p.has('N'),
            text: p.has('a'),
        };
        let labels: Vec<String> = p.values('L').into_iter().map(str::to_owned).collect();
        let ops = &p.operands;
        if ops.len() < 2 {
            let after = ops.first().map_or("diff".to_owned(), |s| s.clone());
            ctx.complain(format!(
                "missing operand after '{after}'\ndiff: Try 'diff --help' for more information."
            ))
            .await;
            return 2;
        }
        if ops.len() > 2 {
            ctx.complain(format!(
                "extra operand '{}'\ndiff: Try 'diff --help' for more information.",
                ops[2]
            ))
            .await;
            return 2;
        }
        let (mut n1, mut n2) = (ops[0].clone(), ops[1].clone());
        let is_dir = |n: &str| {
            let path = ctx.abs(n);
            let dash = n == "-";
            let k = ctx.kernel.clone();
            let cred = ctx.cred();
            async move {
                !dash
                    && k.vfs()
                        .stat(cred, &path, true)
                        .await
                        .is_ok_and(|s| s.file_type == FileType::Dir)
            }
        };
        let (dir1, dir2) = (is_dir(&n1).await, is_dir(&n2).await);
        let mut out = Vec::new();
        let status = if dir1 && dir2 {
            diff_dirs(&ctx, &n1, &n2, &o, &mut out).await
        } else {
            let base = |s: &str| {
                s.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .unwrap_or(s)
                    .to_owned()
            };
            if dir1 {
                n1 = format!("{}/{}", n1.trim_end_matches('/'), base(&n2));
            } else if dir2 {
                n2 = format!("{}/{}", n2.trim_end_matches('/'), base(&n1));
            }
            diff_files(&ctx, &n1, &n2, &o, &labels, &mut out).await
        };
        if let Err(e) = ctx.out(out).await {
            ctx.complain(format!("write error: {}", e.strerror())).await;
            return 2;
        }
        status
    })
}
