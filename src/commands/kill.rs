//! `kill [-s SIG | -SIG] PID...` and `kill -l [SIG]` / `kill -L` (procps): send signals to
//! processes of the VM. (The shell's `kill` builtin usually runs instead.)

use super::{Ctx, ProgramFuture};
use crate::kernel::errno::Errno;
use crate::kernel::process::Signal;

/// Commands in this file.
pub const NAMES: &[&str] = &["kill"];

/// Linux signal names by number (1..=31).
const LINUX: [&str; 31] = [
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
    "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR", "SYS",
];

/// The number of a signal name or number (any Linux signal), if valid.
fn number(s: &str) -> Option<i32> {
    if let Ok(n) = s.parse::<i32>() {
        return (1..=64).contains(&n).then_some(n);
    }
    let up = s.to_ascii_uppercase();
    let name = up.strip_prefix("SIG").unwrap_or(&up);
    match name {
        "IO" => return Some(29),
        "IOT" => return Some(6),
        "CLD" => return Some(17),
        _ => {}
    }
    LINUX
        .iter()
        .position(|n| *n == name)
        .and_then(|i| i32::try_from(i + 1).ok())
}

const USAGE: &str = "
Usage:
 kill [options] <pid> [...]

Options:
 <pid> [...]            send signal to every <pid> listed
 -<signal>, -s, --signal <signal>
                        specify the <signal> to be sent
 -q, --queue <value>    integer value to be sent with the signal
 -l, --list=[<signal>]  list all signal names, or convert one to a name
 -L, --table            list all signal names in a nice table

 -h, --help     display this help and exit
 -V, --version  output version information and exit

For more details see kill(1).
";

/// `kill`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let args = ctx.argv[1..].to_vec();
        if args.is_empty() {
            ctx.err(USAGE).await;
            return 1;
        }
        let mut sig = 15;
        let mut i = 0;
        let first = args[0].as_str();
        if first == "-l" || first == "--list" || first.starts_with("--list=") {
            let arg = first
                .strip_prefix("--list=")
                .map(str::to_owned)
                .or_else(|| args.get(1).cloned());
            return match arg {
                None => {
                    let mut out = String::new();
                    for (k, n) in LINUX.iter().enumerate() {
                        out.push_str(n);
                        out.push(if k == 15 || k == 30 { '\n' } else { ' ' });
                    }
                    let _ = ctx.out(out).await;
                    0
                }
                Some(a) => {
                    let n = a.parse::<i32>().ok();
                    match (n, number(&a)) {
                        (Some(n), _) if (1..=31).contains(&n) => {
                            let _ = ctx
                                .out(format!("{}\n", LINUX[usize::try_from(n - 1).unwrap_or(0)]))
                                .await;
                            0
                        }
                        (None, Some(n)) => {
                            let _ = ctx.out(format!("{n}\n")).await;
                            0
                        }
                        _ => {
                            ctx.complain(format!("unknown signal name {a}")).await;
                            1
                        }
                    }
                }
            };
        }
        if first == "-L" || first == "--table" {
            let mut out = String::new();
            for (k, n) in LINUX.iter().enumerate() {
                out.push_str(&format!("{:>2} {:<8}", k + 1, n));
                if k % 7 == 6 || k == 30 {
                    let t = out.trim_end().len();
                    out.truncate(t);
                    out.push('\n');
                } else {
                    out.push(' ');
                }
            }
            let _ = ctx.out(out).await;
            return 0;
        }
        while i < args.len() {
            let a = &args[i];
            if a == "--" {
                i += 1;
                break;
            }
            if a == "-s" || a == "--signal" {
                i += 1;
                let Some(v) = args.get(i) else {
                    ctx.err(USAGE).await;
                    return 1;
                };
                match number(v) {
                    Some(n) => sig = n,
                    None => {
                        ctx.complain(format!("unknown signal name {v}")).await;
                        return 1;
                    }
                }
                i += 1;
                continue;
            }
            if let Some(name) = a
                .strip_prefix('-')
                .filter(|n| !n.is_empty() && !n.starts_with('-'))
            {
                if name.parse::<i64>().is_ok() && i > 0 {
                    break;
                }
                match number(name) {
                    Some(n) => sig = n,
                    None => {
                        ctx.complain(format!("unknown signal name {name}")).await;
                        return 1;
                    }
                }
                i += 1;
                continue;
            }
            break;
        }
        let pids = &args[i.min(args.len())..];
        if pids.is_empty() {
            ctx.err(USAGE).await;
            return 1;
        }
        let mut status = 0;
        for p in pids {
            let Ok(pid) = p.parse::<i64>() else {
                ctx.complain(format!("failed to parse argument: '{p}'"))
                    .await;
                status = 1;
                continue;
            };
            let r = match Signal::from_number(sig) {
                Some(s) => {
                    if pid == 0 {
                        ctx.kernel.procs().kill(-i64::from(ctx.proc.pgid), s)
                    } else if pid == -1 {
                        ctx.kernel.procs().kill_all(s);
                        Ok(())
                    } else {
                        ctx.kernel.procs().kill(pid, s)
                    }
                }
                None => {
                    let exists = ctx
                        .kernel
                        .procs()
                        .get(u32::try_from(pid.unsigned_abs()).unwrap_or(0))
                        .is_some_and(|p| p.exit_code().is_none());
                    if exists {
                        Err(Errno::EINVAL)
                    } else {
                        Err(Errno::ESRCH)
                    }
                }
            };
            if let Err(e) = r {
                ctx.complain(format!("({pid}): {}", e.strerror())).await;
                status = 1;
            }
        }
        status
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn kill_sends_signals() {
        let rt = crate::sidecar::runtime_builder().build().unwrap();
        let (code, out, err) = rt.block_on(crate::shell::fixtures::run_bash(
            // (The pauses let each background job start its `sleep` first: a subshell that a
            // signal hits while it forks stops the whole session, a shell bug.)
            "sleep 5 & sleep 0.1; /usr/bin/kill $!; wait $!; echo rc=$?; sleep 5 & sleep 0.1; /usr/bin/kill -s INT $!; wait $!; echo rc=$?; \
             sleep 5 & sleep 0.1; /usr/bin/kill -9 $!; wait $!; echo rc=$?; /usr/bin/kill 99999; echo rc=$?; \
             /usr/bin/kill -l 15; /usr/bin/kill -l TERM; /usr/bin/kill -l | head -1; /usr/bin/kill abc; echo rc=$?",
            None,
        ));
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            out,
            "rc=143\nrc=130\nrc=137\nrc=1\nTERM\n15\nHUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT\nrc=1\n"
        );
        assert_eq!(
            err,
            "kill: (99999): No such process\nkill: failed to parse argument: 'abc'\n"
        );
    }
}
