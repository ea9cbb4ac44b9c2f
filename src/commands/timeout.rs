//! `timeout [-s SIG] [-k DURATION] [--preserve-status] [--foreground] [-v] DURATION CMD [ARG]...`:
//! run a command with a time limit (exit 124 when it times out).

use std::time::Duration;

use super::cmd_textio::{self as textio};
use super::{Ctx, ExecError, ProgramFuture, SpawnSpec};
use crate::kernel::process::Signal;

/// Commands in this file.
pub const NAMES: &[&str] = &["timeout"];

/// Parse a duration: a number with an optional `s`, `m`, `h` or `d` suffix.
pub fn duration(arg: &str) -> Option<Duration> {
    let (num, mult) = match arg.chars().last()? {
        's' => (&arg[..arg.len() - 1], 1.0),
        'm' => (&arg[..arg.len() - 1], 60.0),
        'h' => (&arg[..arg.len() - 1], 3600.0),
        'd' => (&arg[..arg.len() - 1], 86400.0),
        _ => (arg, 1.0),
    };
    if num.is_empty() || num.starts_with('-') || num.starts_with('+') {
        return None;
    }
    let v: f64 = num.parse().ok()?;
    (v.is_finite() && v >= 0.0).then(|| Duration::from_secs_f64((v * mult).min(1e9)))
}

/// `timeout`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let args = ctx.argv[1..].to_vec();
        let mut sig = Signal::SIGTERM;
        let mut kill_after: Option<Duration> = None;
        let mut preserve = false;
        let mut verbose = false;
        let mut i = 0;
        let bad_sig = |s: &str| format!("{}: invalid signal", textio::quote_always(s));
        while i < args.len() {
            let a = args[i].clone();
            if a == "--" {
                i += 1;
                break;
            }
            if !a.starts_with('-') || a == "-" {
                break;
            }
            let (opt, inline) = match a.split_once('=') {
                Some((o, v)) if a.starts_with("--") => (o.to_owned(), Some(v.to_owned())),
                _ => (a.clone(), None),
            };
            let value = |i: &mut usize, rest: &str| -> Option<String> {
                if let Some(v) = inline.clone() {
                    return Some(v);
                }
                if !rest.is_empty() {
                    return Some(rest.to_owned());
                }
                *i += 1;
                args.get(*i).cloned()
            };
            match opt.as_str() {
                "--preserve-status" => preserve = true,
                "--foreground" => {}
                "-v" | "--verbose" => verbose = true,
                o if o == "--signal" || o.starts_with("-s") => {
                    let rest = if o.starts_with("--") { "" } else { &o[2..] };
                    let Some(v) = value(&mut i, rest) else {
                        return textio::usage(&ctx, "option requires an argument -- 's'", 125)
                            .await;
                    };
                    match Signal::parse(&v) {
                        Some(s) => sig = s,
                        None => return textio::usage(&ctx, &bad_sig(&v), 125).await,
                    }
                }
                o if o == "--kill-after" || o.starts_with("-k") => {
                    let rest = if o.starts_with("--") { "" } else { &o[2..] };
                    let Some(v) = value(&mut i, rest) else {
                        return textio::usage(&ctx, "option requires an argument -- 'k'", 125)
                            .await;
                    };
                    match duration(&v) {
                        Some(d) => kill_after = Some(d),
                        None => {
                            return textio::usage(
                                &ctx,
                                &format!("invalid time interval {}", textio::quote_always(&v)),
                                125,
                            )
                            .await
                        }
                    }
                }
                o if o.starts_with("--") => {
                    return textio::usage(&ctx, &format!("unrecognized option '{o}'"), 125).await;
                }
                o => {
                    let c = o.chars().nth(1).unwrap_or('-');
                    return textio::usage(&ctx, &format!("invalid option -- '{c}'"), 125).await;
                }
            }
            i += 1;
        }
        let rest = &args[i.min(args.len())..];
        let Some(dur_s) = rest.first() else {
            ctx.err("Try 'timeout --help' for more information.\n")
                .await;
            return 125;
        };
        let Some(limit) = duration(dur_s) else {
            return textio::usage(
                &ctx,
                &format!("invalid time interval {}", textio::quote_always(dur_s)),
                125,
            )
            .await;
        };
        let cmd = rest[1..].to_vec();
        if cmd.is_empty() {
            ctx.err("Try 'timeout --help' for more information.\n")
                .await;
            return 125;
        }
        let name = cmd[0].clone();
        let spec = SpawnSpec {
            argv: cmd,
            env: ctx.env.clone(),
            cwd: ctx.cwd(),
            fds: ctx.fds.for_exec(),
            ppid: ctx.proc.pid,
            pgid: Some(ctx.proc.pgid),
            sid: Some(ctx.proc.sid),
            api: false,
        };
        // Signals sent to `timeout` are passed on to the command.
        for s in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP] {
            ctx.proc.catch(s, true);
        }
        let child = match super::spawn(&ctx.kernel, spec).await {
            Ok(p) => p,
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
                ctx.complain(format!(
                    "failed to run command {}: {msg}",
                    textio::quote_always(&name)
                ))
                .await;
                return code;
            }
        };
        let deadline = if limit.is_zero() {
            None
        } else {
            Some(tokio::time::Instant::now() + limit)
        };
        let mut timed_out = false;
        let code = loop {
            tokio::select! {
                code = child.wait() => break code,
                _ = async {
                    match deadline {
                        Some(d) if !timed_out => tokio::time::sleep_until(d).await,
                        _ => std::future::pending::<()>().await,
                    }
                } => {
                    timed_out = true;
                    if verbose {
                        ctx.complain(format!("sending signal {} to command {}", sig.short_name(), textio::quote_always(&name))).await;
                    }
                    let _ = ctx.kernel.procs().kill(i64::from(child.pid), sig);
                    if sig == Signal::SIGKILL {
                        // GNU's timeout signals its whole group, itself included.
                        let _ = child.wait().await;
                        ctx.kernel.procs().reap(child.pid);
                        return 128 + Signal::SIGKILL.number();
                    }
                    if let Some(k) = kill_after {
                        tokio::select! {
                            code = child.wait() => break code,
                            _ = tokio::time::sleep(k) => {
                                if verbose {
                                    ctx.complain(format!("sending signal KILL to command {}", textio::quote_always(&name))).await;
                                }
                                let _ = ctx.kernel.procs().kill(i64::from(child.pid), Signal::SIGKILL);
                                let _ = child.wait().await;
                                ctx.kernel.procs().reap(child.pid);
                                return 128 + Signal::SIGKILL.number();
                            }
                        }
                    }
                }
                _ = ctx.proc.any_signal() => {
                    for s in ctx.proc.take_caught() {
                        let _ = ctx.kernel.procs().kill(i64::from(child.pid), s);
                    }
                }
            }
        };
        ctx.kernel.procs().reap(child.pid);
        if timed_out && !preserve {
            124
        } else {
            code
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn timeout_statuses() {
        let rt = crate::sidecar::runtime_builder().build().unwrap();
        let (code, out, err) = rt.block_on(crate::shell::fixtures::run_bash(
            "timeout 0.2 sleep 5; echo rc=$?; timeout 5 true; echo rc=$?; timeout x sleep 1; echo rc=$?; \
             timeout 1 nosuch; echo rc=$?; timeout; echo rc=$?; timeout -s KILL 0.1 sleep 5; echo rc=$?; \
             timeout --preserve-status 0.1 sleep 5; echo rc=$?; timeout 5 sh -c 'exit 3'; echo rc=$?; \
             timeout -s FOO 1 true; echo rc=$?; timeout 5 echo hi",
            None,
        ));
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            out,
            "rc=124\nrc=0\nrc=125\nrc=127\nrc=125\nrc=137\nrc=143\nrc=3\nrc=125\nhi\n"
        );
        assert_eq!(
            err,
            "timeout: invalid time interval 'x'\nTry 'timeout --help' for more information.\n\
             timeout: failed to run command 'nosuch': No such file or directory\n\
             Try 'timeout --help' for more information.\n\
             timeout: 'FOO': invalid signal\nTry 'timeout --help' for more information.\n"
        );
    }
}
