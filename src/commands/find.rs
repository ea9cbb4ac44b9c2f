//! `find [-H|-L|-P] [PATH...] [EXPRESSION]`: search a directory tree. Supports the common
//! tests (`-name -iname -path -ipath -type -size -empty -newer -mtime -mmin -perm -user -group
//! -true -false`), global options (`-maxdepth -mindepth -depth`), operators (`! -not -a -and
//! -o -or ( ) ,`) and actions (`-print -print0 -printf -exec ... ; -exec ... + -delete -prune
//! -quit`).

use std::future::Future;
use std::pin::Pin;

use regex::Regex;

use super::cmd_fsutil as fu;
use super::{spawn, Ctx, ProgramFuture, SpawnSpec};
use crate::kernel::vfs::{FileType, Stat};
use crate::shell::pattern::Pattern;

/// Commands in this file.
pub const NAMES: &[&str] = &["find"];

#[derive(Clone, Copy)]
enum Cmp {
    Lt,
    Eq,
    Gt,
}

impl Cmp {
    fn test(self, v: i64, n: i64) -> bool {
        match self {
            Cmp::Lt => v < n,
            Cmp::Eq => v == n,
            Cmp::Gt => v > n,
        }
    }
}

enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Comma(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Const(bool),
    Name(Pattern, bool),
    Path(Pattern, bool),
    Regex(Regex),
    Type(Vec<char>),
    Size(Cmp, i64, u64),
    Empty,
    Newer(i64),
    Time(Cmp, i64, i64, char),
    Perm(u32, char),
    User(u32),
    Group(u32),
    Links(Cmp, i64),
    Exec(Vec<String>, bool, usize),
    /// `-execdir`: run in the file's directory, one file at a time.
    ExecDir(Vec<String>, bool),
    Delete,
    Print(bool),
    Printf(String),
    Prune,
    Quit,
}

struct Parser<'a> {
    args: &'a [String],
    newer: &'a [i64],
    pos: usize,
    has_action: bool,
    maxdepth: Option<usize>,
    mindepth: usize,
    depth_first: bool,
    batches: usize,
    now: i64,
}

type PResult<T> = Result<T, String>;

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.args.get(self.pos).map(String::as_str)
    }

    fn arg(&mut self, pred: &str) -> PResult<String> {
        match self.args.get(self.pos) {
            Some(a) => {
                self.pos += 1;
                Ok(a.clone())
            }
            None => Err(format!("missing argument to `{pred}'")),
        }
    }

    fn comma(&mut self) -> PResult<Expr> {
        let mut l = self.or()?;
        while self.peek() == Some(",") {
            self.pos += 1;
            let r = self.or()?;
            l = Expr::Comma(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn or(&mut self) -> PResult<Expr> {
        let mut l = self.and()?;
        while matches!(self.peek(), Some("-o" | "-or")) {
            let op = self.peek().unwrap_or("-o").to_owned();
            self.pos += 1;
            if matches!(self.peek(), None | Some(")" | ",")) {
                return Err(format!("expected an expression after '{op}'"));
            }
            let r = self.and()?;
            l = Expr::Or(Box::new(l), Box::new(r));
        }
        Ok(l)
    }

    fn and(&mut self) -> PResult<Expr> {
        let mut l = self.unary()?;
        loop {
            match self.peek() {
                Some("-a" | "-and") => {
                    let op = self.peek().unwrap_or("-a").to_owned();
                    self.pos += 1;
                    if matches!(self.peek(), None | Some(")" | "," | "-o" | "-or")) {
                        return Err(format!("expected an expression after '{op}'"));
                    }
                }
                None | Some(")" | "-o" | "-or" | ",") => return Ok(l),
                _ => {}
            }
            let r = self.unary()?;
            l = Expr::And(Box::new(l), Box::new(r));
        }
    }

    fn unary(&mut self) -> PResult<Expr> {
        match self.peek() {
            Some("!" | "-not") => {
                let op = self.peek().unwrap_or("!").to_owned();
                self.pos += 1;
                if matches!(
                    self.peek(),
                    None | Some(")" | "-o" | "-or" | "-a" | "-and" | ",")
                ) {
                    return Err(format!("expected an expression after '{op}'"));
                }
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some("(") => {
                self.pos += 1;
                if self.peek() == Some(")") {
                    return Err("invalid expression; empty parentheses are not allowed.".to_owned());
                }
                let e = self.comma()?;
                if self.peek() != Some(")") {
                    return Err("invalid expression; I was expecting to find a ')' somewhere but did not see one.".to_owned());
                }
                self.pos += 1;
                Ok(e)
            }
            Some(")") => Err("invalid expression; you have too many ')'".to_owned()),
            Some(_) => self.primary(),
            None => Err("invalid expression".to_owned()),
        }
    }

    fn number(&mut self, pred: &str) -> PResult<(Cmp, i64)> {
        let a = self.arg(pred)?;
        let (cmp, n) = match a.as_bytes().first() {
            Some(b'+') => (Cmp::Gt, &a[1..]),
            Some(b'-') => (Cmp::Lt, &a[1..]),
            _ => (Cmp::Eq, a.as_str()),
        };
        let v = n
            .parse::<i64>()
            .map_err(|_| format!("invalid argument `{a}' to `{pred}'"))?;
        Ok((cmp, v))
    }

    fn primary(&mut self) -> PResult<Expr> {
        let p = self.arg("")?;
        let e = match p.as_str() {
            "-name" | "-iname" => {
                let a = self.arg(&p)?;
                let ci = p == "-iname";
                Expr::Name(Pattern::new(&if ci { a.to_lowercase() } else { a }), ci)
            }
            "-path" | "-ipath" | "-wholename" | "-iwholename" => {
                let a = self.arg(&p)?;
                let ci = p.starts_with("-i");
                Expr::Path(Pattern::new(&if ci { a.to_lowercase() } else { a }), ci)
            }
            "-regex" | "-iregex" => {
                let a = self.arg(&p)?;
                let src = if p == "-iregex" {
                    format!("(?is)^(?:{a})$")
                } else {
                    format!("(?s)^(?:{a})$")
                };
                Expr::Regex(
                    Regex::new(&src).map_err(|_| format!("Invalid regular expression '{a}'"))?,
                )
            }
            "-type" | "-xtype" => {
                let a = self.arg(&p)?;
                let mut types = Vec::new();
                for t in a.split(',') {
                    let mut cs = t.chars();
                    match (cs.next(), cs.next()) {
                        (Some(c), None) if "fdlcbps".contains(c) => types.push(c),
                        _ => return Err(format!("Unknown argument to {p}: {a}")),
                    }
                }
                Expr::Type(types)
            }
            "-size" => {
                let a = self.arg(&p)?;
                let (cmp, rest) = match a.as_bytes().first() {
                    Some(b'+') => (Cmp::Gt, &a[1..]),
                    Some(b'-') => (Cmp::Lt, &a[1..]),
                    _ => (Cmp::Eq, a.as_str()),
                };
                let (num, unit) = match rest.chars().last() {
                    Some(c) if c.is_ascii_alphabetic() => (&rest[..rest.len() - 1], c),
                    _ => (rest, 'b'),
                };
                let mult = match unit {
                    'b' => 512,
                    'c' => 1,
                    'w' => 2,
                    'k' => 1024,
                    'M' => 1 << 20,
                    'G' => 1 << 30,
                    _ => return Err(format!("invalid -size type `{unit}'")),
                };
                let n = num
                    .parse::<i64>()
                    .map_err(|_| format!("invalid argument `{a}' to `-size'"))?;
                Expr::Size(cmp, n, mult)
            }
            "-empty" => Expr::Empty,
            "-true" => Expr::Const(true),
            "-false" => Expr::Const(false),
            "\u{0}newer" => {
                let idx: usize = self.arg(&p)?.parse().unwrap_or(0);
                Expr::Newer(self.newer.get(idx).copied().unwrap_or(i64::MAX))
            }
            "-mtime" | "-mmin" | "-atime" | "-amin" | "-ctime" | "-cmin" => {
                let (cmp, n) = self.number(&p)?;
                let unit = if p.ends_with("time") { 86400 } else { 60 };
                Expr::Time(cmp, n, unit, p.as_bytes()[1] as char)
            }
            "-perm" => {
                let a = self.arg(&p)?;
                let (kind, m) = match a.as_bytes().first() {
                    Some(b'-') => ('-', &a[1..]),
                    Some(b'/') => ('/', &a[1..]),
                    _ => ('=', a.as_str()),
                };
                let mode =
                    fu::apply_mode(m, 0, false).ok_or_else(|| format!("invalid mode `{a}'"))?;
                Expr::Perm(mode, kind)
            }
            "-links" => {
                let (cmp, n) = self.number(&p)?;
                Expr::Links(cmp, n)
            }
            "-user" | "-uid" => {
                let a = self.arg(&p)?;
                Expr::User(match a.as_str() {
                    "root" => 0,
                    "user" => 1000,
                    "nobody" => 65534,
                    n => n
                        .parse()
                        .map_err(|_| format!("{} is not the name of a known user", fu::q(n)))?,
                })
            }
            "-group" | "-gid" => {
                let a = self.arg(&p)?;
                Expr::Group(match a.as_str() {
                    "root" => 0,
                    "user" => 1000,
                    "nogroup" => 65534,
                    n => n.parse().map_err(|_| {
                        format!("{} is not the name of an existing group", fu::q(n))
                    })?,
                })
            }
            "-exec" | "-execdir" | "-ok" => {
                let mut cmd = Vec::new();
                loop {
                    match self.args.get(self.pos) {
                        None => return Err(format!("missing argument to `{p}'")),
                        Some(a) if a == ";" => {
                            self.pos += 1;
                            break;
                        }
                        Some(a) if a == "+" && cmd.last().is_some_and(|l: &String| l == "{}") => {
                            self.pos += 1;
                            cmd.pop();
                            self.has_action = true;
                            if cmd.is_empty() {
                                return Err(format!("missing argument to `{p}'"));
                            }
                            if p == "-execdir" {
                                cmd.push("{}".to_owned());
                                return Ok(Expr::ExecDir(cmd, true));
                            }
                            let e = Expr::Exec(cmd, true, self.batches);
                            self.batches += 1;
                            return Ok(e);
                        }
                        Some(a) => {
                            cmd.push(a.clone());
                            self.pos += 1;
                        }
                    }
                }
                if cmd.is_empty() {
                    return Err(format!("missing argument to `{p}'"));
                }
                self.has_action = true;
                if p == "-execdir" {
                    Expr::ExecDir(cmd, false)
                } else {
                    Expr::Exec(cmd, false, 0)
                }
            }
            "-delete" => {
                self.has_action = true;
                self.depth_first = true;
                Expr::Delete
            }
            "-print" => {
                self.has_action = true;
                Expr::Print(false)
            }
            "-print0" => {
                self.has_action = true;
                Expr::Print(true)
            }
            "-printf" => {
                let a = self.arg(&p)?;
                self.has_action = true;
                Expr::Printf(a)
            }
            "-prune" => Expr::Prune,
            "-quit" => Expr::Quit,
            "-maxdepth" | "-mindepth" => {
                let a = self.arg(&p)?;
                let n = a.parse::<usize>().map_err(|_| {
                    format!(
                        "Expected a positive decimal integer argument to {p}, but got {}",
                        fu::q(&a)
                    )
                })?;
                if p == "-maxdepth" {
                    self.maxdepth = Some(n);
                } else {
                    self.mindepth = n;
                }
                Expr::Const(true)
            }
            "-depth" | "-d" => {
                self.depth_first = true;
                Expr::Const(true)
            }
            "-xdev" | "-mount" | "-noleaf" | "-ignore_readdir_race" | "-follow" => {
                Expr::Const(true)
            }
            _ if p.starts_with('-') && p.len() > 1 => {
                return Err(format!("unknown predicate `{p}'"));
            }
            _ => {
                return Err(format!("paths must precede expression: `{p}'"));
            }
        };
        Ok(e)
    }
}

struct Walk<'a> {
    ctx: &'a Ctx,
    follow: bool,
    maxdepth: Option<usize>,
    mindepth: usize,
    depth_first: bool,
    now: i64,
    batches: Vec<Vec<String>>,
    batch_cmds: Vec<Vec<String>>,
    status: i32,
    quit: bool,
    out: Vec<u8>,
    /// With `-L`: canonical paths of the directories being walked, and how they were named.
    ancestors: Vec<(String, String)>,
}

struct Node<'n> {
    path: &'n str,
    start: &'n str,
    name: &'n str,
    st: Stat,
    depth: usize,
}

impl Walk<'_> {
    async fn flush(&mut self) -> bool {
        if self.out.is_empty() {
            return true;
        }
        let data = std::mem::take(&mut self.out);
        self.ctx.out(data).await.is_ok()
    }

    async fn run(&self, argv: Vec<String>, cwd: Option<String>) -> i32 {
        let ctx = self.ctx;
        let spec = SpawnSpec {
            argv: argv.clone(),
            env: ctx.env.clone(),
            cwd: cwd.unwrap_or_else(|| ctx.cwd()),
            fds: ctx.fds.for_exec(),
            ppid: ctx.proc.pid,
            pgid: Some(ctx.proc.pgid),
            sid: Some(ctx.proc.sid),
            api: false,
        };
        match spawn(&ctx.kernel, spec).await {
            Ok(p) => {
                let code = p.wait().await;
                ctx.kernel.procs().reap(p.pid);
                code
            }
            Err(e) => {
                let name = argv.first().cloned().unwrap_or_default();
                let msg = match e {
                    super::ExecError::NotFound | super::ExecError::NoSuchFile => {
                        "No such file or directory"
                    }
                    _ => "Permission denied",
                };
                ctx.complain(format!("{}: {msg}", fu::q(&name))).await;
                if matches!(e, super::ExecError::NotFound | super::ExecError::NoSuchFile) {
                    127
                } else {
                    126
                }
            }
        }
    }

    async fn run_batch(&mut self, idx: usize) {
        let files = std::mem::take(&mut self.batches[idx]);
        if files.is_empty() {
            return;
        }
        let _ = self.flush().await;
        let mut argv = self.batch_cmds[idx].clone();
        argv.extend(files);
        if self.run(argv, None).await != 0 {
            self.status = 1;
        }
    }
}

/// Evaluate `e` on `n`.
fn eval<'a>(
    w: &'a mut Walk<'_>,
    e: &'a Expr,
    n: &'a Node<'a>,
    prune: &'a mut bool,
) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
    Box::pin(async move {
        match e {
            Expr::And(a, b) => eval(w, a, n, prune).await && eval(w, b, n, prune).await,
            Expr::Or(a, b) => eval(w, a, n, prune).await || eval(w, b, n, prune).await,
            Expr::Comma(a, b) => {
                eval(w, a, n, prune).await;
                eval(w, b, n, prune).await
            }
            Expr::Not(a) => !eval(w, a, n, prune).await,
            Expr::Const(v) => *v,
            Expr::Name(p, ci) => {
                let name = if *ci {
                    n.name.to_lowercase()
                } else {
                    n.name.to_owned()
                };
                p.matches(&name, false)
            }
            Expr::Path(p, ci) => {
                let path = if *ci {
                    n.path.to_lowercase()
                } else {
                    n.path.to_owned()
                };
                p.matches(&path, false)
            }
            Expr::Regex(r) => r.is_match(n.path),
            Expr::Type(ts) => {
                let c = match n.st.file_type {
                    FileType::File => 'f',
                    FileType::Dir => 'd',
                    FileType::Symlink => 'l',
                    FileType::CharDevice => 'c',
                };
                ts.contains(&c)
            }
            Expr::Size(cmp, num, unit) => {
                let units = n.st.size.div_ceil(*unit) as i64;
                cmp.test(units, *num)
            }
            Expr::Empty => match n.st.file_type {
                FileType::File => n.st.size == 0,
                FileType::Dir => {
                    let abs = w.ctx.abs(n.path);
                    w.ctx
                        .kernel
                        .vfs()
                        .read_dir(w.ctx.cred(), &abs)
                        .await
                        .is_ok_and(|e| e.is_empty())
                }
                _ => false,
            },
            Expr::Newer(t) => n.st.mtime_ns > *t,
            Expr::Time(cmp, num, unit, field) => {
                let t = match field {
                    'a' => n.st.atime_ns,
                    'c' => n.st.ctime_ns,
                    _ => n.st.mtime_ns,
                };
                let age = w.now.saturating_sub(t).div_euclid(1_000_000_000);
                let units = if *unit == 60 {
                    // -mmin rounds up.
                    age.saturating_add(59).div_euclid(60)
                } else {
                    age.div_euclid(*unit)
                };
                cmp.test(units, *num)
            }
            Expr::Perm(m, kind) => match kind {
                '-' => n.st.perm & m == *m,
                '/' => *m == 0 || n.st.perm & m != 0,
                _ => n.st.perm & 0o7777 == *m,
            },
            Expr::User(u) => n.st.uid == *u,
            Expr::Group(g) => n.st.gid == *g,
            Expr::Links(cmp, v) => cmp.test(n.st.nlink as i64, *v),
            Expr::Exec(cmd, plus, idx) => {
                if *plus {
                    w.batches[*idx].push(n.path.to_owned());
                    if w.batches[*idx].len() >= 4096 {
                        w.run_batch(*idx).await;
                    }
                    true
                } else {
                    let argv: Vec<String> = cmd.iter().map(|a| a.replace("{}", n.path)).collect();
                    if !w.flush().await {
                        return false;
                    }
                    w.run(argv, None).await == 0
                }
            }
            Expr::ExecDir(cmd, plus) => {
                let abs = w.ctx.abs(n.path);
                let dir = fu::dir_name(&abs).to_owned();
                let local = format!("./{}", fu::base_name(n.path));
                let argv: Vec<String> = cmd.iter().map(|a| a.replace("{}", &local)).collect();
                if !w.flush().await {
                    return false;
                }
                let ok = w.run(argv, Some(dir)).await == 0;
                if *plus && !ok {
                    w.status = 1;
                }
                *plus || ok
            }
            Expr::Delete => {
                let abs = w.ctx.abs(n.path);
                let vfs = w.ctx.kernel.vfs();
                let r = if n.st.file_type == FileType::Dir {
                    vfs.rmdir(w.ctx.cred(), &abs).await
                } else {
                    vfs.unlink(w.ctx.cred(), &abs).await
                };
                match r {
                    Ok(()) => true,
                    Err(e) => {
                        let _ = w.flush().await;
                        w.ctx
                            .complain(format!(
                                "cannot delete {}: {}",
                                fu::q(n.path),
                                fu::strerror(&e)
                            ))
                            .await;
                        w.status = 1;
                        false
                    }
                }
            }
            Expr::Print(zero) => {
                w.out.extend_from_slice(n.path.as_bytes());
                w.out.push(if *zero { 0 } else { b'\n' });
                true
            }
            Expr::Printf(f) => {
                let mut extra = Extra::default();
                if f.contains("%l") && n.st.file_type == FileType::Symlink {
                    let abs = w.ctx.abs(n.path);
                    extra.link = w
                        .ctx
                        .kernel
                        .vfs()
                        .readlink(w.ctx.cred(), &abs)
                        .await
                        .unwrap_or_default();
                }
                if f.contains("%u") {
                    extra.user = fu::user_name(w.ctx, n.st.uid).await;
                }
                if f.contains("%g") {
                    extra.group = fu::group_name(w.ctx, n.st.gid).await;
                }
                let s = printf(f, n, &extra);
                w.out.extend_from_slice(s.as_bytes());
                true
            }
            Expr::Prune => {
                *prune = true;
                true
            }
            Expr::Quit => {
                w.quit = true;
                true
            }
        }
    })
}

/// Facts `-printf` needs that take a lookup.
#[derive(Default)]
struct Extra {
    link: String,
    user: String,
    group: String,
}

fn printf(f: &str, n: &Node<'_>, x: &Extra) -> String {
    let mut out = String::new();
    let mut it = f.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('0') => out.push('\0'),
                Some('\\') => out.push('\\'),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push('\\'),
            },
            '%' => match it.next() {
                Some('p') => out.push_str(n.path),
                Some('f') => out.push_str(n.name),
                Some('s') => out.push_str(&n.st.size.to_string()),
                Some('d') => out.push_str(&n.depth.to_string()),
                Some('m') => out.push_str(&format!("{:o}", n.st.perm)),
                Some('y') => out.push(match n.st.file_type {
                    FileType::File => 'f',
                    FileType::Dir => 'd',
                    FileType::Symlink => 'l',
                    FileType::CharDevice => 'c',
                }),
                Some('h') => out.push_str(fu::dir_name(n.path)),
                Some('P') => {
                    let rel = n.path.strip_prefix(n.start).unwrap_or(n.path);
                    out.push_str(rel.trim_start_matches('/'));
                }
                Some('M') => out.push_str(&fu::mode_string(&n.st)),
                Some('l') => out.push_str(&x.link),
                Some('u') => out.push_str(&x.user),
                Some('g') => out.push_str(&x.group),
                Some('U') => out.push_str(&n.st.uid.to_string()),
                Some('G') => out.push_str(&n.st.gid.to_string()),
                Some('i') => out.push_str(&n.st.ino.to_string()),
                Some('n') => out.push_str(&n.st.nlink.to_string()),
                Some('k') => out.push_str(&fu::kblocks(&n.st).to_string()),
                Some('T') | Some('A') | Some('C') => {
                    // Only the `@` (seconds since the epoch) form.
                    let _ = it.next();
                    let t = n.st.mtime_ns;
                    out.push_str(&format!(
                        "{}.{:09}0",
                        t.div_euclid(1_000_000_000),
                        t.rem_euclid(1_000_000_000)
                    ));
                }
                Some('%') => out.push('%'),
                Some(o) => {
                    out.push('%');
                    out.push(o);
                }
                None => out.push('%'),
            },
            c => out.push(c),
        }
    }
    out
}

/// Visit `path` and everything below it.
fn visit<'a>(
    w: &'a mut Walk<'_>,
    expr: &'a Expr,
    path: String,
    start: String,
    depth: usize,
) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
    Box::pin(async move {
        if w.quit {
            return;
        }
        if path.is_empty() {
            let _ = w.flush().await;
            w.ctx.complain("'': No such file or directory").await;
            w.status = 1;
            return;
        }
        let abs = w.ctx.abs(&path);
        let vfs = w.ctx.kernel.vfs();
        let cred = w.ctx.cred();
        let st = match vfs.stat(cred, &abs, w.follow).await {
            Ok(s) => s,
            Err(e) => {
                // A dangling symlink under -L is reported as itself.
                match vfs.stat(cred, &abs, false).await {
                    Ok(s) if w.follow => s,
                    _ => {
                        let _ = w.flush().await;
                        w.ctx
                            .complain(format!("{}: {}", fu::q(&path), fu::strerror(&e)))
                            .await;
                        w.status = 1;
                        return;
                    }
                }
            }
        };
        // Under -L, a directory that is its own ancestor is a loop: report it, do not visit it.
        let mut real = None;
        if w.follow && st.file_type == FileType::Dir {
            let r = vfs
                .realpath(cred, &abs)
                .await
                .unwrap_or_else(|_| abs.clone());
            if let Some((_, first)) = w.ancestors.iter().find(|(a, _)| *a == r) {
                let first = first.clone();
                let _ = w.flush().await;
                w.ctx
                    .complain(format!(
                        "File system loop detected; {} is part of the same file system loop as {}.",
                        fu::q(&path),
                        fu::q(&first)
                    ))
                    .await;
                w.status = 1;
                return;
            }
            real = Some(r);
        }
        let name = fu::base_name(&path).to_owned();
        let node = Node {
            path: &path,
            start: &start,
            name: &name,
            st,
            depth,
        };
        let mut prune = false;
        if !w.depth_first && depth >= w.mindepth {
            eval(w, expr, &node, &mut prune).await;
        }
        if w.quit {
            return;
        }
        let descend =
            st.file_type == FileType::Dir && !prune && w.maxdepth.is_none_or(|m| depth < m);
        let pushed = real.is_some();
        if let Some(r) = real {
            w.ancestors.push((r, path.clone()));
        }
        if descend {
            match vfs.read_dir(cred, &abs).await {
                Ok(entries) => {
                    for e in entries {
                        visit(w, expr, fu::join(&path, &e.name), start.clone(), depth + 1).await;
                        if w.quit {
                            return;
                        }
                    }
                }
                Err(e) => {
                    let _ = w.flush().await;
                    w.ctx
                        .complain(format!("{}: {}", fu::q(&path), fu::strerror(&e)))
                        .await;
                    w.status = 1;
                }
            }
        }
        if pushed {
            w.ancestors.pop();
        }
        if w.depth_first && depth >= w.mindepth {
            let mut p2 = false;
            eval(w, expr, &node, &mut p2).await;
        }
        if w.out.len() > 64 * 1024 {
            let _ = w.flush().await;
        }
    })
}

/// `find`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        if let Some(code) = fu::help_or_version(&ctx, "Usage: find [-H] [-L] [-P] [-Olevel] [-D debugopts] [path...] [expression]\nSearch for files in a directory hierarchy.\n", "find (GNU findutils) 4.9.0\n").await {
            return code;
        }
        let args = &ctx.argv[1..];
        let mut i = 0;
        let mut follow = false;
        while i < args.len() {
            match args[i].as_str() {
                "-L" => follow = true,
                "-H" | "-P" => follow = false,
                "--" => {
                    i += 1;
                    break;
                }
                a if a.starts_with("--") && a.len() > 2 => {
                    ctx.complain(format!("unknown predicate `{a}'")).await;
                    return 1;
                }
                _ => break,
            }
            i += 1;
        }
        let mut paths = Vec::new();
        while i < args.len() {
            let a = &args[i];
            if (a.starts_with('-') && a.len() > 1) || a == "!" || a == "(" || a == ")" || a == "," {
                break;
            }
            paths.push(a.clone());
            i += 1;
        }
        if paths.is_empty() {
            paths.push(".".to_owned());
        }
        // `-newer FILE` needs the VM: resolve those arguments first.
        let mut expr_args: Vec<String> = args[i..].to_vec();
        let mut newer: Vec<i64> = Vec::new();
        let mut j = 0;
        while j < expr_args.len() {
            if expr_args[j] == "-newermt" {
                let Some(d) = expr_args.get(j + 1).cloned() else {
                    ctx.complain("missing argument to `-newermt'").await;
                    return 1;
                };
                match super::cmd_touch::parse_date(&d, fu::now_ns()) {
                    Some(t) => newer.push(t),
                    None => {
                        ctx.complain(format!(
                            "I cannot figure out how to interpret {} as a date or time",
                            fu::q(&d)
                        ))
                        .await;
                        return 1;
                    }
                }
                expr_args[j] = "\u{0}newer".to_owned();
                expr_args[j + 1] = (newer.len() - 1).to_string();
                j += 2;
                continue;
            }
            if expr_args[j] == "-newer" {
                let Some(f) = expr_args.get(j + 1).cloned() else {
                    ctx.complain("missing argument to `-newer'").await;
                    return 1;
                };
                match fu::stat(&ctx, &f, true).await {
                    Ok(st) => newer.push(st.mtime_ns),
                    Err(e) => {
                        ctx.complain(format!("{}: {}", fu::q(&f), fu::strerror(&e)))
                            .await;
                        return 1;
                    }
                }
                expr_args[j] = "\u{0}newer".to_owned();
                expr_args[j + 1] = (newer.len() - 1).to_string();
                j += 2;
                continue;
            }
            if expr_args[j] == "-exec" || expr_args[j] == "-ok" || expr_args[j] == "-execdir" {
                // Skip the command's own words.
                j += 1;
                while j < expr_args.len() && expr_args[j] != ";" && expr_args[j] != "+" {
                    j += 1;
                }
            }
            j += 1;
        }
        let mut p = Parser {
            args: &expr_args,
            newer: &newer,
            pos: 0,
            has_action: false,
            maxdepth: None,
            mindepth: 0,
            depth_first: false,
            batches: 0,
            now: fu::now_ns(),
        };
        let parsed = if expr_args.is_empty() {
            Ok(Expr::Const(true))
        } else {
            parse_all(&mut p)
        };
        let expr = match parsed {
            Ok(e) => e,
            Err(msg) => {
                ctx.complain(msg).await;
                return 1;
            }
        };
        let expr = if p.has_action {
            expr
        } else {
            Expr::And(Box::new(expr), Box::new(Expr::Print(false)))
        };
        let mut batch_cmds = vec![Vec::new(); p.batches];
        collect_batches(&expr, &mut batch_cmds);
        let mut w = Walk {
            ctx: &ctx,
            follow,
            maxdepth: p.maxdepth,
            mindepth: p.mindepth,
            depth_first: p.depth_first,
            now: p.now,
            batches: vec![Vec::new(); p.batches],
            batch_cmds,
            status: 0,
            quit: false,
            out: Vec::new(),
            ancestors: Vec::new(),
        };
        for path in paths {
            if w.quit {
                break;
            }
            visit(&mut w, &expr, path.clone(), path, 0).await;
        }
        for idx in 0..w.batches.len() {
            w.run_batch(idx).await;
        }
        if !w.flush().await {
            return 1;
        }
        w.status
    })
}

/// Parse the whole expression; every argument must be used.
fn parse_all(p: &mut Parser<'_>) -> PResult<Expr> {
    let e = p.comma()?;
    if p.pos < p.args.len() {
        let a = &p.args[p.pos];
        if a == ")" {
            return Err("invalid expression; you have too many ')'".to_owned());
        }
        return Err(format!("paths must precede expression: `{a}'"));
    }
    Ok(e)
}

fn collect_batches(e: &Expr, out: &mut [Vec<String>]) {
    match e {
        Expr::And(a, b) | Expr::Or(a, b) | Expr::Comma(a, b) => {
            collect_batches(a, out);
            collect_batches(b, out);
        }
        Expr::Not(a) => collect_batches(a, out),
        Expr::Exec(cmd, true, idx) => {
            if let Some(slot) = out.get_mut(*idx) {
                *slot = cmd.clone();
            }
        }
        _ => {}
    }
}
