//! `xargs [-0] [-d DELIM] [-n MAX] [-L MAX] [-I STR] [-r] [-t] [-a FILE] [-E EOF] [CMD [ARG]...]`:
//! build command lines from standard input and run them.

use super::cmd_textio::{self as textio};
use super::util::OptSpec;
use std::sync::Arc;

use super::{Ctx, ExecError, OpenMode, ProgramFuture, SpawnSpec};
use crate::kernel::process::Process;

/// Commands in this file.
pub const NAMES: &[&str] = &["xargs"];

const SPEC: OptSpec = OptSpec {
    flags: "0rtpx",
    with_arg: "dnLIaEsP",
    long: &[
        ("null", false, '0'),
        ("delimiter", true, 'd'),
        ("max-args", true, 'n'),
        ("max-lines", true, 'L'),
        ("replace", true, 'I'),
        ("no-run-if-empty", false, 'r'),
        ("verbose", false, 't'),
        ("interactive", false, 'p'),
        ("arg-file", true, 'a'),
        ("eof", true, 'E'),
        ("max-chars", true, 's'),
        ("max-procs", true, 'P'),
        ("exit", false, 'x'),
    ],
};

/// Split input the default way (blanks and newlines, quotes and backslashes). Each item
/// carries whether a line ended after it (for `-L`).
fn split_default(data: &[u8]) -> Result<Vec<(Vec<u8>, bool)>, &'static str> {
    let mut out = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut have = false;
    let mut i = 0;
    while i < data.len() {
        let c = data[i];
        match c {
            b'\'' | b'"' => {
                let q = c;
                i += 1;
                loop {
                    if i >= data.len() || data[i] == b'\n' {
                        return Err(if q == b'\'' { "single" } else { "double" });
                    }
                    if data[i] == q {
                        break;
                    }
                    cur.push(data[i]);
                    i += 1;
                }
                have = true;
            }
            b'\\' if i + 1 < data.len() => {
                i += 1;
                cur.push(data[i]);
                have = true;
            }
            b' ' | b'\t' | b'\n' => {
                if have {
                    out.push((std::mem::take(&mut cur), c == b'\n'));
                    have = false;
                } else if c == b'\n' {
                    if let Some(last) = out.last_mut() {
                        last.1 = true;
                    }
                }
            }
            _ => {
                cur.push(c);
                have = true;
            }
        }
        i += 1;
    }
    if have {
        out.push((cur, true));
    }
    Ok(out)
}

/// Start one command line (standard input is `/dev/null`); `Err(status)` stops `xargs`.
async fn start(ctx: &Ctx, argv: Vec<String>, trace: bool) -> Result<(Arc<Process>, String), i32> {
    if trace {
        ctx.err(format!("{}\n", argv.join(" "))).await;
    }
    let mut fds = ctx.fds.for_exec();
    if let Ok(null) = ctx.open("/dev/null", OpenMode::Read).await {
        let _ = fds.set(0, null);
    }
    let name = argv.first().cloned().unwrap_or_default();
    let spec = SpawnSpec {
        argv,
        env: ctx.env.clone(),
        cwd: ctx.cwd(),
        fds,
        ppid: ctx.proc.pid,
        pgid: Some(ctx.proc.pgid),
        sid: Some(ctx.proc.sid),
        api: false,
    };
    match super::spawn(&ctx.kernel, spec).await {
        Ok(p) => Ok((p, name)),
        Err(e) => {
            let (msg, code) = match e {
                ExecError::NotFound | ExecError::NoSuchFile => {
                    ("No such file or directory".to_owned(), 127)
                }
                ExecError::NoExec => ("Exec format error".to_owned(), 126),
                other => (other.describe(), other.status()),
            };
            ctx.complain(format!("{name}: {msg}")).await;
            Err(code)
        }
    }
}

/// The status a finished command contributes, or `Err(status)` to stop at once.
async fn finish(ctx: &Ctx, name: &str, code: i32) -> Result<i32, i32> {
    match code {
        0 => Ok(0),
        255 => {
            ctx.complain(format!("{name}: exited with status 255; aborting"))
                .await;
            Err(124)
        }
        c if c > 128 => {
            ctx.complain(format!("{name}: terminated by signal {}", c - 128))
                .await;
            Err(125)
        }
        _ => Ok(123),
    }
}

/// Run the command lines, up to `procs` at once; the exit status.
async fn run_all(ctx: &Ctx, lines: Vec<Vec<String>>, trace: bool, procs: usize) -> i32 {
    let mut set: tokio::task::JoinSet<(String, i32, u32)> = tokio::task::JoinSet::new();
    let mut status = 0;
    let mut stop: Option<i32> = None;
    for argv in lines {
        while set.len() >= procs.max(1) && stop.is_none() {
            if let Some(Ok((name, code, pid))) = set.join_next().await {
                ctx.kernel.procs().reap(pid);
                match finish(ctx, &name, code).await {
                    Ok(c) => status = status.max(c),
                    Err(c) => stop = Some(c),
                }
            }
        }
        if stop.is_some() {
            break;
        }
        match start(ctx, argv, trace).await {
            Ok((p, name)) => {
                set.spawn(async move {
                    let code = p.wait().await;
                    (name, code, p.pid)
                });
            }
            Err(c) => {
                stop = Some(c);
                break;
            }
        }
    }
    while let Some(r) = set.join_next().await {
        if let Ok((name, code, pid)) = r {
            ctx.kernel.procs().reap(pid);
            match finish(ctx, &name, code).await {
                Ok(c) => status = status.max(c),
                Err(c) => stop = stop.or(Some(c)),
            }
        }
    }
    stop.unwrap_or(status)
}

/// `xargs`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        // Options stop at the first operand (the command).
        let args = &ctx.argv[1..];
        let mut split = args.len();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            if a == "--" {
                split = i + 1;
                break;
            }
            if !a.starts_with('-') || a == "-" {
                split = i;
                break;
            }
            // An option taking a separate argument skips it.
            if a.len() == 2 && SPEC.with_arg.contains(&a[1..]) {
                i += 1;
            } else if a.starts_with("--") && !a.contains('=') {
                let n = &a[2..];
                if SPEC
                    .long
                    .iter()
                    .any(|(l, takes, _)| *takes && l.starts_with(n) && !n.is_empty())
                {
                    i += 1;
                }
            }
            i += 1;
        }
        let opt_args: Vec<String> = args[..split.min(args.len())]
            .iter()
            .filter(|a| a.as_str() != "--")
            .cloned()
            .collect();
        let name = ctx.name().to_owned();
        let p = match super::util::parse(&name, &opt_args, &SPEC, false) {
            Ok(p) => p,
            Err(m) => {
                ctx.complain(m).await;
                return 1;
            }
        };
        let mut cmd: Vec<String> = args[split.min(args.len())..].to_vec();
        if cmd.is_empty() {
            cmd.push("echo".to_owned());
        }
        let mut max_args: Option<usize> = None;
        let mut max_lines: Option<usize> = None;
        let mut replace: Option<String> = None;
        let mut delim: Option<u8> = None;
        let mut eof: Option<String> = None;
        let mut procs = 1usize;
        for (o, v) in &p.opts {
            let v = v.as_deref().unwrap_or("");
            match o {
                'n' | 'L' => {
                    let n: i64 = match v.parse() {
                        Ok(n) => n,
                        Err(_) => {
                            ctx.complain(format!("invalid number \"{v}\" for -{o} option"))
                                .await;
                            return 1;
                        }
                    };
                    if n < 1 {
                        return textio::usage(
                            &ctx,
                            &format!("value {v} for -{o} option should be >= 1"),
                            1,
                        )
                        .await;
                    }
                    let n = usize::try_from(n).unwrap_or(usize::MAX);
                    if *o == 'n' {
                        max_args = Some(n);
                    } else {
                        max_lines = Some(n);
                    }
                }
                'I' => replace = Some(v.to_owned()),
                '0' => delim = Some(0),
                'd' => {
                    let b = v.as_bytes();
                    delim = Some(match b {
                        [c] => *c,
                        [b'\\', b'n'] => b'\n',
                        [b'\\', b't'] => b'\t',
                        [b'\\', b'0'] => 0,
                        _ => {
                            ctx.complain(format!("invalid input delimiter specification {v}: the delimiter must be either a single character or an escape sequence starting with \\.")).await;
                            return 1;
                        }
                    });
                }
                'E' => eof = Some(v.to_owned()),
                'P' => match v.parse::<usize>() {
                    Ok(0) => procs = 64,
                    Ok(n) => procs = n.min(64),
                    Err(_) => {
                        ctx.complain(format!("invalid number \"{v}\" for -P option"))
                            .await;
                        return 1;
                    }
                },
                _ => {}
            }
        }
        let data = match p.value('a') {
            Some(f) => match textio::read_input(&ctx, f).await {
                Ok(d) => d,
                Err(e) => {
                    ctx.complain(format!("{}: {}", textio::quote_maybe(f), e.strerror()))
                        .await;
                    return 1;
                }
            },
            None => match textio::read_input(&ctx, "-").await {
                Ok(d) => d,
                Err(e) => {
                    ctx.complain(format!("read error: {}", e.strerror())).await;
                    return 1;
                }
            },
        };
        // Items, each with "line ended after it".
        let mut items: Vec<(Vec<u8>, bool)> = if replace.is_some() && delim.is_none() {
            textio::lines_bare(&data, b'\n')
                .into_iter()
                .map(|l| {
                    let s = l
                        .iter()
                        .position(|&c| c != b' ' && c != b'\t')
                        .unwrap_or(l.len());
                    (l[s..].to_vec(), true)
                })
                .filter(|(l, _)| !l.is_empty())
                .collect()
        } else if let Some(d) = delim {
            textio::lines_bare(&data, d)
                .into_iter()
                .map(|l| (l.to_vec(), true))
                .collect()
        } else {
            match split_default(&data) {
                Ok(v) => v,
                Err(q) => {
                    ctx.complain(format!("unmatched {q} quote; by default quotes are special to xargs unless you use the -0 option")).await;
                    return 1;
                }
            }
        };
        if let Some(e) = &eof {
            if let Some(pos) = items.iter().position(|(it, _)| it == e.as_bytes()) {
                items.truncate(pos);
            }
        }
        let trace = p.has('t');
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        if let Some(r) = &replace {
            let lines: Vec<Vec<String>> = items
                .iter()
                .map(|(it, _)| {
                    let arg = text(it);
                    cmd.iter().map(|a| a.replace(r.as_str(), &arg)).collect()
                })
                .collect();
            return run_all(&ctx, lines, trace, procs).await;
        }
        if items.is_empty() {
            if p.has('r') {
                return 0;
            }
            return run_all(&ctx, vec![cmd.clone()], trace, 1).await;
        }
        let mut batches = Vec::new();
        let mut idx = 0;
        while idx < items.len() {
            let mut argv = cmd.clone();
            let mut n = 0;
            let mut lines = 0;
            while idx < items.len() {
                argv.push(text(&items[idx].0));
                n += 1;
                if items[idx].1 {
                    lines += 1;
                }
                idx += 1;
                if max_args.is_some_and(|m| n >= m) || max_lines.is_some_and(|m| lines >= m) {
                    break;
                }
            }
            batches.push(argv);
        }
        run_all(&ctx, batches, trace, procs).await
    })
}
