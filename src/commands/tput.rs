//! `tput [-T TERM] [-x] CAPNAME [PARAMS]`: terminal capabilities for `xterm`-like terminals
//! (`cols`, `lines`, `colors`, `clear`, `sgr0`, `bold`, `setaf`, `setab`, `cup`, ...).

use super::{Ctx, ProgramFuture};

/// Commands in this file.
pub const NAMES: &[&str] = &["tput"];

/// The string for capability `cap` on terminal `term`, `Ok(None)` when the terminal lacks
/// it, `Err(())` for an unknown capability.
fn capability(
    term: &str,
    cap: &str,
    params: &[i64],
    no_scrollback: bool,
) -> Result<Option<String>, ()> {
    let dumb = term == "dumb" || term.is_empty();
    let c256 = term.contains("256color");
    let p0 = params.first().copied().unwrap_or(0);
    let p1 = params.get(1).copied().unwrap_or(0);
    let s = match cap {
        "clear" => {
            if no_scrollback {
                "\x1b[H\x1b[2J".to_owned()
            } else {
                "\x1b[H\x1b[2J\x1b[3J".to_owned()
            }
        }
        "sgr0" => "\x1b(B\x1b[m".to_owned(),
        "bold" => "\x1b[1m".to_owned(),
        "dim" => "\x1b[2m".to_owned(),
        "sitm" => "\x1b[3m".to_owned(),
        "ritm" => "\x1b[23m".to_owned(),
        "smul" => "\x1b[4m".to_owned(),
        "rmul" => "\x1b[24m".to_owned(),
        "rev" | "smso" => "\x1b[7m".to_owned(),
        "rmso" => "\x1b[27m".to_owned(),
        "blink" => "\x1b[5m".to_owned(),
        "civis" => "\x1b[?25l".to_owned(),
        "cnorm" => "\x1b[?12l\x1b[?25h".to_owned(),
        "el" => "\x1b[K".to_owned(),
        "el1" => "\x1b[1K".to_owned(),
        "ed" => "\x1b[J".to_owned(),
        "home" => "\x1b[H".to_owned(),
        "smcup" => "\x1b[?1049h\x1b[22;0;0t".to_owned(),
        "rmcup" => "\x1b[?1049l\x1b[23;0;0t".to_owned(),
        "bel" => "\x07".to_owned(),
        "cr" => "\r".to_owned(),
        "cup" => format!("\x1b[{};{}H", p0 + 1, p1 + 1),
        "cuu" => format!("\x1b[{p0}A"),
        "cud" => format!("\x1b[{p0}B"),
        "cuf" => format!("\x1b[{p0}C"),
        "cub" => format!("\x1b[{p0}D"),
        "setaf" | "setab" => {
            let (base, bright, ext) = if cap == "setaf" {
                (30, 90, 38)
            } else {
                (40, 100, 48)
            };
            if p0 < 8 {
                format!("\x1b[{}m", base + p0)
            } else if c256 && p0 < 16 {
                format!("\x1b[{}m", bright + p0 - 8)
            } else {
                format!("\x1b[{ext};5;{p0}m")
            }
        }
        _ => return Err(()),
    };
    if dumb && !matches!(cap, "bel" | "cr") {
        return Ok(None);
    }
    Ok(Some(s))
}

/// `tput`.
pub fn main(ctx: Ctx) -> ProgramFuture {
    Box::pin(async move {
        let mut term = ctx.env.get("TERM").cloned();
        let mut no_scrollback = false;
        let mut args = Vec::new();
        let mut i = 1;
        while i < ctx.argv.len() {
            let a = &ctx.argv[i];
            if a == "-T" {
                i += 1;
                term = ctx.argv.get(i).cloned();
            } else if let Some(t) = a.strip_prefix("-T") {
                term = Some(t.to_owned());
            } else if a == "-x" {
                no_scrollback = true;
            } else if a.starts_with('-') && a.len() > 1 && args.is_empty() {
                ctx.complain(format!(
                    "invalid option -- '{}'",
                    a.chars().nth(1).unwrap_or('-')
                ))
                .await;
                ctx.err("Usage: tput [-V] [-S] [-T term] [-x] capname\n")
                    .await;
                return 2;
            } else {
                args.push(a.clone());
            }
            i += 1;
        }
        let Some(term) = term else {
            ctx.complain("No value for $TERM and no -T specified").await;
            return 2;
        };
        let Some(cap) = args.first().cloned() else {
            ctx.err("Usage: tput [-V] [-S] [-T term] [-x] capname\n")
                .await;
            return 2;
        };
        let num_env = |k: &str, d: i64| {
            ctx.env
                .get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|v| *v > 0)
                .unwrap_or(d)
        };
        // As ncurses: COLUMNS/LINES win, then the terminal's size, then the defaults.
        let size = ctx
            .fds
            .get(1)
            .ok()
            .or_else(|| ctx.fds.get(2).ok())
            .and_then(|f| f.as_tty().map(|t| t.winsize()));
        let (cols, lines) = size.map_or((80, 24), |(c, r)| (i64::from(c), i64::from(r)));
        let out = match cap.as_str() {
            "cols" | "columns" => Some(format!("{}\n", num_env("COLUMNS", cols))),
            "lines" => Some(format!("{}\n", num_env("LINES", lines))),
            "colors" => {
                let n = if term == "dumb" {
                    -1
                } else if term.contains("256color") {
                    256
                } else {
                    8
                };
                Some(format!("{n}\n"))
            }
            "longname" => Some(term.clone()),
            "init" | "reset" => Some(String::new()),
            _ => {
                let mut params = Vec::new();
                for a in &args[1..] {
                    params.push(a.parse::<i64>().unwrap_or(0));
                }
                match capability(&term, &cap, &params, no_scrollback) {
                    Ok(Some(s)) => Some(s),
                    Ok(None) => None,
                    Err(()) => {
                        ctx.complain(format!("unknown terminfo capability '{cap}'"))
                            .await;
                        return 4;
                    }
                }
            }
        };
        match out {
            Some(s) => {
                if ctx.out(s).await.is_err() {
                    return 1;
                }
                0
            }
            None => 1,
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn tput_capabilities() {
        let rt = crate::sidecar::runtime_builder().build().unwrap();
        let (code, out, err) = rt.block_on(crate::shell::fixtures::run_bash(
            "tput cols; tput lines; tput sgr0; echo rc=$?; export TERM=xterm; tput bold; tput setaf 1; tput sgr0; tput clear; tput bogus; echo rc=$?; unset TERM; tput cols; echo rc=$?",
            None,
        ));
        assert_eq!(code, 0);
        assert_eq!(
            out,
            "80\n24\nrc=1\n\x1b[1m\x1b[31m\x1b(B\x1b[m\x1b[H\x1b[2J\x1b[3Jrc=4\nrc=2\n"
        );
        assert_eq!(err, "tput: unknown terminfo capability 'bogus'\ntput: No value for $TERM and no -T specified\n");
    }
}
