//! `ls [-laARhtSrdF1] [FILE]...`: list directory contents, one name per line (the output is
//! never a terminal), GNU-style.

use super::cmd_fsutil as fu;
use super::util::{self, OptSpec};
use super::{Ctx, ProgramFuture};
use crate::kernel::vfs::{FileType, Stat};

/// Commands in this file.
pub const NAMES: &[&str] = &["ls"];

const SPEC: OptSpec = OptSpec {
    flags: "lAaR1htSrdFUiCpnogGXvcufsLH",
    with_arg: "",
    long: &[
        ("all", false, 'a'),
        ("almost-all", false, 'A'),
        ("recursive", false, 'R'),
        ("human-readable", false, 'h'),
        ("reverse", false, 'r'),
        ("directory", false, 'd'),
        ("classify", false, 'F'),
        ("inode", false, 'i'),
        ("numeric-uid-gid", false, 'n'),
        ("no-group", false, 'G'),
        ("sort", true, 's'),
        ("time-style", true, 'T'),
        ("full-time", false, 'E'),
        ("size", false, 's'),
        ("dereference", false, 'L'),
    ],
};

#[derive(Default)]
struct Opts {
    long: bool,
    all: bool,
    almost: bool,
    recursive: bool,
    human: bool,
    /// Sort key: `n`ame, `S`ize, `t`ime, `U` (none), e`X`tension, `v`ersion.
    sort: char,
    /// Which time `-t` and `-l` use: `m`odification, `c`hange, `u` (access).
    time: char,
    /// Long-format time style: `l`ocale, `f`ull-iso, `L`ong-iso, `i`so.
    style: char,
    reverse: bool,
    dirs: bool,
    classify: bool,
    slash: bool,
    numeric: bool,
    no_owner: bool,
    no_group: bool,
    group_dirs: bool,
    inode: bool,
    blocks: bool,
    deref: bool,
    /// Names in columns across this many cells (`-C`, the default on a terminal).
    columns: Option<usize>,
}

/// One name to show, with its metadata.
struct Item {
    /// The name as printed.
    name: String,
    /// The path to reach it (relative or absolute, as the user gave it).
    path: String,
    st: Stat,
    /// For symlinks in long format: the target text and the target's stat.
    link: Option<(String, Option<Stat>)>,
}

/// `ls`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: ls [OPTION]... [FILE]...\nList information about the FILEs (the current directory by default).\n", "ls (GNU coreutils) 9.1\n").await {
            return code;
        }
        // Options with optional arguments that change nothing in a pipe, and GNU extras.
        let mut group_dirs = false;
        let mut args = Vec::new();
        let mut only = false;
        for a in &ctx.argv[1..] {
            if !only && a == "--" {
                only = true;
            }
            if !only && (a == "--color" || a.starts_with("--color=")) {
                continue;
            }
            if !only && a == "--group-directories-first" {
                group_dirs = true;
                continue;
            }
            args.push(a.clone());
        }
        let parsed = match util::parse("ls", &args, &SPEC, false) {
            Ok(p) => p,
            Err(e) => {
                ctx.complain(e).await;
                return 2;
            }
        };
        let mut o = Opts {
            sort: 'n',
            time: 'm',
            style: 'l',
            ..Opts::default()
        };
        for (c, v) in &parsed.opts {
            match c {
                'l' => o.long = true,
                'a' => {
                    o.all = true;
                    o.almost = false
                }
                'A' => {
                    o.almost = true;
                    o.all = false
                }
                'R' => o.recursive = true,
                'h' => o.human = true,
                't' | 'S' | 'U' | 'X' | 'v' => o.sort = *c,
                'c' | 'u' => o.time = *c,
                'f' => {
                    o.sort = 'U';
                    o.all = true
                }
                's' if v.is_none() => o.blocks = true,
                'L' => o.deref = true,
                'H' => {}
                's' => match v.as_deref() {
                    Some("name") => o.sort = 'n',
                    Some("size") => o.sort = 'S',
                    Some("time") => o.sort = 't',
                    Some("none") => o.sort = 'U',
                    Some("extension") => o.sort = 'X',
                    Some("version") => o.sort = 'v',
                    Some(x) => {
                        ctx.complain(format!(
                            "invalid argument {} for '--sort'\nValid arguments are:\n  - 'none'\n  - 'time'\n  - 'size'\n  - 'extension'\n  - 'version'\n  - 'width'\n{}",
                            fu::q(x),
                            fu::try_help("ls")
                        ))
                        .await;
                        return 1;
                    }
                    None => {}
                },
                'T' => match v.as_deref() {
                    Some("full-iso") => o.style = 'f',
                    Some("long-iso") => o.style = 'L',
                    Some("iso") => o.style = 'i',
                    _ => o.style = 'l',
                },
                'E' => {
                    o.long = true;
                    o.style = 'f'
                }
                'r' => o.reverse = true,
                'd' => o.dirs = true,
                'F' => o.classify = true,
                'i' => o.inode = true,
                'p' => o.slash = true,
                'n' => {
                    o.long = true;
                    o.numeric = true
                }
                'o' => {
                    o.long = true;
                    o.no_group = true
                }
                'g' => {
                    o.long = true;
                    o.no_owner = true
                }
                'G' => o.no_group = true,
                '1' => o.columns = Some(0),
                'C' => o.columns = Some(usize::MAX),
                _ => {}
            }
        }
        o.group_dirs = group_dirs;
        // Columns by default on a terminal and with `-C`; `-1` keeps one name per line (of
        // the two, the last given wins, as in GNU ls).
        o.columns = match o.columns {
            Some(0) => None,
            Some(_) => Some(ctx.tty_width(1).or_else(|| env_columns(&ctx)).unwrap_or(80)),
            None => ctx.tty_width(1),
        };
        let mut operands = parsed.operands.clone();
        let implicit = operands.is_empty();
        if implicit {
            operands.push(".".to_owned());
        }
        let mut status = 0;
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        let follow_args = o.deref || !(o.long || o.dirs || o.classify);
        for a in &operands {
            if a.is_empty() {
                ctx.complain("cannot access '': No such file or directory")
                    .await;
                status = 2;
                continue;
            }
            let st = match fu::stat(&ctx, a, false).await {
                Ok(st) => st,
                Err(e) => {
                    ctx.complain(format!("cannot access {}: {}", fu::q(a), fu::strerror(&e)))
                        .await;
                    status = 2;
                    continue;
                }
            };
            let mut st = st;
            if st.file_type == FileType::Symlink && follow_args {
                if let Ok(t) = fu::stat(&ctx, a, true).await {
                    st = t;
                }
            }
            let is_dir_target = st.file_type == FileType::Dir;
            let item = make_item(&ctx, &o, a.clone(), a.clone(), st).await;
            if is_dir_target && !o.dirs {
                dirs.push(item);
            } else {
                files.push(item);
            }
        }
        sort_items(&mut files, &o);
        sort_items(&mut dirs, &o);
        let mut out = String::new();
        let now = fu::now_ns();
        if !files.is_empty() {
            render(&ctx, &o, &files, now, &mut out).await;
        }
        let show_headers = operands.len() > 1 || o.recursive;
        let mut first = files.is_empty();
        let mut queue: Vec<String> = dirs.into_iter().map(|d| d.path).collect();
        queue.reverse();
        while let Some(dir) = queue.pop() {
            let abs = ctx.abs(&dir);
            let entries = match ctx.kernel.vfs().read_dir(ctx.cred(), &abs).await {
                Ok(e) => e,
                Err(e) => {
                    if !fu::out(&ctx, std::mem::take(&mut out)).await {
                        return 2;
                    }
                    ctx.complain(format!(
                        "cannot open directory {}: {}",
                        fu::q(&dir),
                        fu::strerror(&e)
                    ))
                    .await;
                    status = 2;
                    continue;
                }
            };
            if show_headers {
                if !first {
                    out.push('\n');
                }
                out.push_str(&dir);
                out.push_str(":\n");
            }
            first = false;
            let mut items = Vec::new();
            if o.all {
                for n in [".", ".."] {
                    let p = fu::join(&dir, n);
                    if let Ok(st) = fu::stat(&ctx, &p, false).await {
                        items.push(make_item(&ctx, &o, n.to_owned(), p, st).await);
                    }
                }
            }
            for e in entries {
                if e.name.starts_with('.') && !(o.all || o.almost) {
                    continue;
                }
                let p = fu::join(&dir, &e.name);
                items.push(make_item(&ctx, &o, e.name, p, e.stat).await);
            }
            sort_items(&mut items, &o);
            if o.long || o.blocks {
                let total: u64 = items.iter().map(|i| fu::kblocks(&i.st)).sum();
                let t = if o.human {
                    fu::human(total * 1024)
                } else {
                    total.to_string()
                };
                out.push_str(&format!("total {t}\n"));
            }
            render(&ctx, &o, &items, now, &mut out).await;
            if o.recursive {
                let subs: Vec<String> = items
                    .iter()
                    .filter(|i| i.st.file_type == FileType::Dir && i.name != "." && i.name != "..")
                    .map(|i| i.path.clone())
                    .collect();
                for s in subs.into_iter().rev() {
                    queue.push(s);
                }
            }
            if out.len() > 64 * 1024 && !fu::out(&ctx, std::mem::take(&mut out)).await {
                return 2;
            }
        }
        if !out.is_empty() && !fu::out(&ctx, out).await {
            return 2;
        }
        status
    })
}

async fn make_item(ctx: &Ctx, o: &Opts, name: String, path: String, st: Stat) -> Item {
    let mut st = st;
    if o.deref && st.file_type == FileType::Symlink {
        if let Ok(t) = ctx
            .kernel
            .vfs()
            .stat(ctx.cred(), &ctx.abs(&path), true)
            .await
        {
            st = t;
        }
    }
    let link = if st.file_type == FileType::Symlink && (o.long || o.classify) {
        let abs = ctx.abs(&path);
        let target = ctx
            .kernel
            .vfs()
            .readlink(ctx.cred(), &abs)
            .await
            .unwrap_or_default();
        let tst = ctx.kernel.vfs().stat(ctx.cred(), &abs, true).await.ok();
        Some((target, tst))
    } else {
        None
    };
    Item {
        name,
        path,
        st,
        link,
    }
}

/// The time `-t`/`-l` use.
fn time_of(o: &Opts, st: &Stat) -> i64 {
    match o.time {
        'c' => st.ctime_ns,
        'u' => st.atime_ns,
        _ => st.mtime_ns,
    }
}

/// The extension `-X` sorts by (empty for none).
fn extension(name: &str) -> &str {
    match name.rfind('.') {
        Some(i) if i > 0 => &name[i..],
        _ => "",
    }
}

/// Compare names the way `ls -v` (GNU `filevercmp`, simplified) does: digit runs by value.
fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let si = i;
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            let sj = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let x = std::str::from_utf8(&a[si..i])
                .unwrap_or("0")
                .trim_start_matches('0');
            let y = std::str::from_utf8(&b[sj..j])
                .unwrap_or("0")
                .trim_start_matches('0');
            let ord = x.len().cmp(&y.len()).then_with(|| x.cmp(y));
            if ord != Ordering::Equal {
                return ord;
            }
        } else {
            if a[i] != b[j] {
                return a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
    }
    (a.len() - i).cmp(&(b.len() - j))
}

fn sort_items(items: &mut [Item], o: &Opts) {
    let by_name = |a: &Item, b: &Item| a.name.as_bytes().cmp(b.name.as_bytes());
    match o.sort {
        'U' => return,
        'S' => items.sort_by(|a, b| b.st.size.cmp(&a.st.size).then_with(|| by_name(a, b))),
        't' => items.sort_by(|a, b| {
            time_of(o, &b.st)
                .cmp(&time_of(o, &a.st))
                .then_with(|| by_name(a, b))
        }),
        'X' => items.sort_by(|a, b| {
            extension(&a.name)
                .cmp(extension(&b.name))
                .then_with(|| by_name(a, b))
        }),
        'v' => items.sort_by(|a, b| version_cmp(&a.name, &b.name).then_with(|| by_name(a, b))),
        _ => items.sort_by(by_name),
    }
    if o.reverse {
        items.reverse();
    }
    if o.group_dirs {
        items.sort_by_key(|i| i.st.file_type != FileType::Dir);
    }
}

fn indicator_for(o: &Opts, st: &Stat) -> &'static str {
    if o.classify {
        indicator(st)
    } else if o.slash && st.file_type == FileType::Dir {
        "/"
    } else {
        ""
    }
}

fn indicator(st: &Stat) -> &'static str {
    match st.file_type {
        FileType::Dir => "/",
        FileType::Symlink => "@",
        FileType::File if st.perm & 0o111 != 0 => "*",
        _ => "",
    }
}

fn time_text(o: &Opts, t: i64, now: i64) -> String {
    let full = fu::full_time(t);
    match o.style {
        'f' => full,
        'L' => full[..16].to_owned(),
        'i' => {
            if now.saturating_sub(t) > 31_556_952i64 / 2 * 1_000_000_000 || t > now {
                format!("{} ", &full[..10])
            } else {
                full[5..16].to_owned()
            }
        }
        _ => fu::ls_time(t, now),
    }
}

fn blocks_text(o: &Opts, st: &Stat) -> String {
    if o.human {
        fu::human(fu::kblocks(st) * 1024)
    } else {
        fu::kblocks(st).to_string()
    }
}

/// `COLUMNS` from the environment, when it is a positive number.
fn env_columns(ctx: &Ctx) -> Option<usize> {
    ctx.env
        .get("COLUMNS")
        .and_then(|c| c.parse().ok())
        .filter(|&c: &usize| c > 0)
}

/// GNU `ls -C`: names down then across, in as few rows as fit `width` (two spaces between
/// columns, each as wide as its longest name).
fn in_columns(cells: &[String], width: usize) -> String {
    if cells.is_empty() {
        return String::new();
    }
    let lens: Vec<usize> = cells.iter().map(|c| c.chars().count()).collect();
    let n = cells.len();
    let mut rows = n;
    let mut widths = vec![lens.iter().copied().max().unwrap_or(0)];
    for ncols in (2..=n).rev() {
        let r = n.div_ceil(ncols);
        // With `r` rows only ceil(n / r) columns are used.
        let used = n.div_ceil(r);
        let w: Vec<usize> = (0..used)
            .map(|c| lens[c * r..((c + 1) * r).min(n)].iter().copied().max().unwrap_or(0))
            .collect();
        let total: usize = w.iter().sum::<usize>() + 2 * (used - 1);
        if total <= width {
            rows = r;
            widths = w;
            break;
        }
    }
    let mut out = String::new();
    for r in 0..rows {
        let mut line = String::new();
        for (c, w) in widths.iter().enumerate() {
            let i = c * rows + r;
            if i >= n {
                break;
            }
            if c > 0 {
                line.push_str("  ");
            }
            line.push_str(&cells[i]);
            if c + 1 < widths.len() && (c + 1) * rows + r < n {
                line.push_str(&" ".repeat(w - lens[i]));
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

async fn render(ctx: &Ctx, o: &Opts, items: &[Item], now: i64, out: &mut String) {
    let w_blocks = items
        .iter()
        .map(|i| blocks_text(o, &i.st).len())
        .max()
        .unwrap_or(1);
    if !o.long && o.columns.is_some() && !o.inode && !o.blocks {
        let cells: Vec<String> = items
            .iter()
            .map(|i| format!("{}{}", i.name, indicator_for(o, &i.st)))
            .collect();
        out.push_str(&in_columns(&cells, o.columns.unwrap_or(80)));
        return;
    }
    if !o.long {
        for i in items {
            if o.inode {
                out.push_str(&format!("{} ", i.st.ino));
            }
            if o.blocks {
                out.push_str(&format!("{:>w_blocks$} ", blocks_text(o, &i.st)));
            }
            out.push_str(&i.name);
            out.push_str(indicator_for(o, &i.st));
            out.push('\n');
        }
        return;
    }
    let mut rows = Vec::with_capacity(items.len());
    for i in items {
        let (user, group) = if o.numeric {
            (i.st.uid.to_string(), i.st.gid.to_string())
        } else {
            (
                fu::user_name(ctx, i.st.uid).await,
                fu::group_name(ctx, i.st.gid).await,
            )
        };
        let size = if i.st.file_type == FileType::CharDevice {
            let (ma, mi) = fu::device_numbers(&i.path);
            format!("{ma}, {mi}")
        } else if o.human {
            fu::human(i.st.size)
        } else {
            i.st.size.to_string()
        };
        rows.push((i, user, group, size));
    }
    let w_link = rows
        .iter()
        .map(|r| r.0.st.nlink.to_string().len())
        .max()
        .unwrap_or(1);
    let w_user = rows.iter().map(|r| r.1.len()).max().unwrap_or(1);
    let w_group = rows.iter().map(|r| r.2.len()).max().unwrap_or(1);
    let w_size = rows.iter().map(|r| r.3.len()).max().unwrap_or(1);
    let w_ino = rows
        .iter()
        .map(|r| r.0.st.ino.to_string().len())
        .max()
        .unwrap_or(1);
    for (i, user, group, size) in rows {
        if o.inode {
            out.push_str(&format!("{:>w_ino$} ", i.st.ino));
        }
        if o.blocks {
            out.push_str(&format!("{:>w_blocks$} ", blocks_text(o, &i.st)));
        }
        out.push_str(&format!(
            "{} {:>w_link$} ",
            fu::mode_string(&i.st),
            i.st.nlink
        ));
        if !o.no_owner {
            out.push_str(&format!("{user:<w_user$} "));
        }
        if !o.no_group {
            out.push_str(&format!("{group:<w_group$} "));
        }
        out.push_str(&format!(
            "{size:>w_size$} {} {}",
            time_text(o, time_of(o, &i.st), now),
            i.name
        ));
        if let Some((target, tst)) = &i.link {
            out.push_str(" -> ");
            out.push_str(target);
            if o.classify {
                if let Some(t) = tst {
                    out.push_str(indicator(t));
                }
            }
        } else {
            out.push_str(indicator_for(o, &i.st));
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::in_columns;

    fn run(script: &str) -> (i32, String, String) {
        crate::shell::fixtures::run_blocking(script)
    }

    #[test]
    fn columns_fill_down_then_across() {
        let cells: Vec<String> = ["bin", "dev", "etc", "home", "mnt", "opt", "root", "sbin", "tmp", "usr", "var"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            in_columns(&cells, 80),
            "bin  dev  etc  home  mnt  opt  root  sbin  tmp  usr  var\n"
        );
        assert_eq!(
            in_columns(&cells, 20),
            "bin  home  root  usr\ndev  mnt   sbin  var\netc  opt   tmp\n"
        );
        assert_eq!(in_columns(&cells[..1], 2), "bin\n");
        let (_, out, _) = run("mkdir -p /tmp/c && cd /tmp/c && touch a b c && ls -C && ls -1C && ls -C1");
        assert_eq!(out, "a  b  c\na  b  c\na\nb\nc\n");
    }

    #[test]
    fn long_format() {
        let (code, out, err) =
            run("mkdir d; printf abc > d/f; chmod 640 d/f; ln -s f d/l; mkdir d/sub; ls -l d");
        assert_eq!((code, err.as_str()), (0, ""));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "total 8");
        assert!(
            lines[1].starts_with("-rw-r----- 1 user user    3 "),
            "{out}"
        );
        assert!(lines[1].ends_with(" f"), "{out}");
        assert!(
            lines[2].starts_with("lrwxrwxrwx 1 user user    1 "),
            "{out}"
        );
        assert!(lines[2].ends_with(" l -> f"), "{out}");
        assert!(
            lines[3].starts_with("drwxr-xr-x 2 user user 4096 "),
            "{out}"
        );
        let (_, out, _) = run("ls -ld /tmp /etc/passwd");
        assert!(out.starts_with("-rw-r--r-- 1 root root"), "{out}");
        assert!(out.contains("drwxrwxrwt"), "{out}");
    }
}
