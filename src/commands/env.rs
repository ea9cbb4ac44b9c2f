//! `env [-i] [-0] [-u NAME]... [-C DIR] [-S STRING] [NAME=VALUE]... [CMD [ARG]...]` and
//! `printenv [-0] [NAME]...`.

use super::cmd_textio::{self as textio};
use super::{Ctx, Env, ExecError, ProgramFuture, SpawnSpec};
use crate::kernel::vfs::FileType;

/// Commands in this file.
pub const NAMES: &[&str] = &["env", "printenv"];

/// Dispatch on the command's name.
pub fn main(ctx: Ctx) -> ProgramFuture {
    if ctx.name() == "printenv" {
        printenv(ctx)
    } else {
        env_main(ctx)
    }
}

/// Print `env` the usual way.
fn dump(env: &Env, nul: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in env {
        out.extend_from_slice(format!("{k}={v}").as_bytes());
        out.push(if nul { 0 } else { b'\n' });
    }
    out
}

fn printenv(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let spec = super::util::OptSpec {
            flags: "0",
            with_arg: "",
            long: &[("null", false, '0')],
        };
        let p = match textio::parse_opts(&ctx, &spec, false, 2).await {
            Ok(p) => p,
            Err(c) => return c,
        };
        let nul = p.has('0');
        if p.operands.is_empty() {
            return match ctx.out(dump(&ctx.env, nul)).await {
                Ok(()) => 0,
                Err(e) => textio::write_error(&ctx, e).await,
            };
        }
        let mut out = Vec::new();
        let mut status = 0;
        for n in &p.operands {
            match ctx.env.get(n).filter(|_| !n.contains('=')) {
                Some(v) => {
                    out.extend_from_slice(v.as_bytes());
                    out.push(if nul { 0 } else { b'\n' });
                }
                None => status = 1,
            }
        }
        if let Err(e) = ctx.out(out).await {
            return textio::write_error(&ctx, e).await;
        }
        status
    })
}

fn env_main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let mut args: Vec<String> = ctx.argv[1..].to_vec();
        let mut env = ctx.env.clone();
        let mut nul = false;
        let mut chdir: Option<String> = None;
        let mut i = 0;
        let try_help = "Try 'env --help' for more information.";
        // Options, up to the first operand.
        while i < args.len() {
            let a = args[i].clone();
            if a == "--" {
                i += 1;
                break;
            }
            if a == "-" {
                env.clear();
                i += 1;
                continue;
            }
            if !a.starts_with('-') {
                break;
            }
            if let Some(long) = a.strip_prefix("--") {
                let (n, v) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_owned())),
                    None => (long, None),
                };
                let names = [
                    "ignore-environment",
                    "null",
                    "unset",
                    "chdir",
                    "split-string",
                    "debug",
                ];
                let m: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|x| x.starts_with(n) && !n.is_empty())
                    .collect();
                let full = if names.contains(&n) {
                    n
                } else if m.len() == 1 {
                    m[0]
                } else {
                    ""
                };
                let take = |i: &mut usize| -> Option<String> {
                    if let Some(v) = v.clone() {
                        return Some(v);
                    }
                    *i += 1;
                    args.get(*i).cloned()
                };
                match full {
                    "ignore-environment" => env.clear(),
                    "null" => nul = true,
                    "debug" => {}
                    "unset" | "chdir" | "split-string" => {
                        let Some(v) = take(&mut i) else {
                            ctx.complain(format!(
                                "option '--{full}' requires an argument\n{try_help}"
                            ))
                            .await;
                            return 125;
                        };
                        match full {
                            "unset" => {
                                env.remove(&v);
                            }
                            "chdir" => chdir = Some(v),
                            _ => {
                                let words: Vec<String> =
                                    v.split_whitespace().map(str::to_owned).collect();
                                args.splice(i + 1..i + 1, words);
                            }
                        }
                    }
                    _ => {
                        let msg = if m.len() > 1 { "is ambiguous" } else { "" };
                        if msg.is_empty() {
                            ctx.complain(format!("unrecognized option '{a}'\n{try_help}"))
                                .await;
                        } else {
                            ctx.complain(format!("option '{a}' is ambiguous\n{try_help}"))
                                .await;
                        }
                        return 125;
                    }
                }
                i += 1;
                continue;
            }
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                match c {
                    'i' => env.clear(),
                    '0' => nul = true,
                    'v' => {}
                    'u' | 'C' | 'S' => {
                        let rest: String = chars[j + 1..].iter().collect();
                        let v = if rest.is_empty() {
                            i += 1;
                            match args.get(i) {
                                Some(v) => v.clone(),
                                None => {
                                    ctx.complain(format!(
                                        "option requires an argument -- '{c}'\n{try_help}"
                                    ))
                                    .await;
                                    return 125;
                                }
                            }
                        } else {
                            rest
                        };
                        match c {
                            'u' => {
                                env.remove(&v);
                            }
                            'C' => chdir = Some(v),
                            _ => {
                                let words: Vec<String> =
                                    v.split_whitespace().map(str::to_owned).collect();
                                args.splice(i + 1..i + 1, words);
                            }
                        }
                        break;
                    }
                    _ => {
                        ctx.complain(format!("invalid option -- '{c}'\n{try_help}"))
                            .await;
                        return 125;
                    }
                }
                j += 1;
            }
            i += 1;
        }
        // NAME=VALUE assignments.
        while i < args.len() {
            match args[i].split_once('=') {
                Some((k, v)) => {
                    env.insert(k.to_owned(), v.to_owned());
                    i += 1;
                }
                None => break,
            }
        }
        let cmd: Vec<String> = args[i..].to_vec();
        if cmd.is_empty() {
            if chdir.is_some() {
                ctx.complain(format!(
                    "must specify command with --chdir (-C)\n{try_help}"
                ))
                .await;
                return 125;
            }
            return match ctx.out(dump(&env, nul)).await {
                Ok(()) => 0,
                Err(e) => textio::write_error(&ctx, e).await,
            };
        }
        if nul {
            ctx.complain(format!(
                "cannot specify --null (-0) with command\n{try_help}"
            ))
            .await;
            return 125;
        }
        let mut cwd = ctx.cwd();
        if let Some(d) = chdir {
            let abs = ctx.abs(&d);
            match ctx.kernel.vfs().stat(ctx.cred(), &abs, true).await {
                Ok(st) if st.file_type == FileType::Dir => cwd = abs,
                Ok(_) => {
                    ctx.complain(format!(
                        "cannot change directory to {}: Not a directory",
                        textio::quote_always(&d)
                    ))
                    .await;
                    return 125;
                }
                Err(e) => {
                    let e = e
                        .errno_value()
                        .map_or("No such file or directory", |e| e.strerror());
                    ctx.complain(format!(
                        "cannot change directory to {}: {e}",
                        textio::quote_always(&d)
                    ))
                    .await;
                    return 125;
                }
            }
        }
        let name = cmd[0].clone();
        let spec = SpawnSpec {
            argv: cmd,
            env,
            cwd,
            fds: ctx.fds.for_exec(),
            ppid: ctx.proc.pid,
            pgid: Some(ctx.proc.pgid),
            sid: Some(ctx.proc.sid),
            api: false,
        };
        match super::spawn(&ctx.kernel, spec).await {
            Ok(p) => {
                let code = p.wait().await;
                ctx.kernel.procs().reap(p.pid);
                code
            }
            Err(e) => {
                let (msg, code) = match e {
                    ExecError::NotFound | ExecError::NoSuchFile => {
                        ("No such file or directory".to_owned(), 127)
                    }
                    ExecError::Denied(errno) => (errno.strerror().to_owned(), 126),
                    ExecError::NoExec => ("Exec format error".to_owned(), 126),
                    ExecError::Limit(errno) => (errno.strerror().to_owned(), 125),
                    refused @ ExecError::Refused(_) => (refused.describe(), 126),
                };
                ctx.complain(format!("{}: {msg}", textio::quote_always(&name)))
                    .await;
                code
            }
        }
    })
}
